"""Simulated trainees for bench/population_load.py: log in, read, play scenarios, think 30-90 s.

Each user is one trainee account (`pop<N>@load.example`, created by population_load.py) and each
request is named by its page, so locust's figures come out per page. The HelloUser class loads the
hello page under the same pacing, for the comparison the machine's own noise calls for.

Locust's figures are reset when every user has started, so they hold only the logins still under
way then. With LOGIN_TIMES set to a file, every login's time (and whether it failed) is also written
there when locust quits, the whole ramp's included.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

from locust import FastHttpUser, between, events, task

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
STEP = re.compile(r'name="step" type="hidden" value="([^"]+)"')
CHOICE = re.compile(r'name="choice" id="choice-[^"]+" value="([^"]+)"')
OPTION = re.compile(r'name="option" id="option-\d+" value="(\d+)"')
POSITIONS = re.compile(r'name="(position-\d+)"')
ACCOUNTS = itertools.count()
PASSWORD = "population load password"
LOGINS: list[tuple[float, bool]] = []  # every login's milliseconds, and whether it failed


@events.request.add_listener
def keep_login(name: str, response_time: float, exception: object, **_: object) -> None:
    """Keep each login's time, the ramp's included."""
    if name == "log in":
        LOGINS.append((response_time, exception is not None))


@events.quitting.add_listener
def write_logins(**_: object) -> None:
    """Write the logins' times to LOGIN_TIMES, one "milliseconds failed" line each."""
    if os.environ.get("LOGIN_TIMES"):
        lines = (f"{ms:.1f} {int(failed)}\n" for ms, failed in LOGINS)
        Path(os.environ["LOGIN_TIMES"]).write_text("".join(lines))


class Trainee(FastHttpUser):
    """A trainee who reads the next module and plays its scenario, step by step."""

    weight = 9
    wait_time = between(30, 90)

    def on_start(self) -> None:
        self.email = f"pop{next(ACCOUNTS)}@load.example"
        page = self.client.get("/login", name="login page").text
        token = TOKEN.search(page).group(1)
        self.client.post(
            "/login",
            data={"login": self.email, "password": PASSWORD, "csrf_token": token},
            name="log in",
        )
        self.attempt: str | None = None

    @task(2)
    def my_path(self) -> None:
        self.client.get("/learn/", name="My path")

    @task(2)
    def read(self) -> None:
        self.client.get("/learn/modules/foundations-roles", name="module")

    @task(4)
    def play(self) -> None:
        if self.attempt is None:
            intro = self.client.get("/learn/quizzes/foundations-roles-quiz", name="quiz intro")
            token = TOKEN.search(intro.text)
            if not token or "Start" not in intro.text:
                return
            with self.client.post(
                "/learn/quizzes/foundations-roles-quiz/start",
                data={"csrf_token": token.group(1)},
                name="start scenario",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                response.success()
                self.attempt = response.headers.get("Location")
            if not self.attempt:
                return
        page = self.client.get(self.attempt, name="step GET").text
        step, token = STEP.search(page), TOKEN.search(page)
        if not step or not token:
            self.attempt = None  # the scenario ended: start another next time
            return
        data = {"step": step.group(1), "csrf_token": token.group(1), **answer(page)}
        self.client.post(self.attempt, data=data, name="step POST")


def answer(page: str) -> dict[str, str]:
    """Pick the first thing offered: a choice, an option, or the items in the order shown."""
    choice = CHOICE.search(page)
    if choice:
        return {"choice": choice.group(1)}
    positions = POSITIONS.findall(page)
    if positions:
        return {name: str(n + 1) for n, name in enumerate(positions)}
    option = OPTION.search(page)
    return {"option": option.group(1) if option else "0"}


class Hello(FastHttpUser):
    """The hello page under the same pacing, on the hello server."""

    weight = 1
    host = os.environ.get("HELLO_HOST", "http://127.0.0.1:5302")
    wait_time = between(30, 90)

    @task
    def hello(self) -> None:
        self.client.get("/", name="hello")
