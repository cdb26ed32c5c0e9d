"""Where one trainee request spends its time, in process: the WSGI call alone, then each hook.

    .venv/bin/python bench/request_parts.py [--database URL] [--page module|path|floor|post]
                                            [--runs 1000] [--time module.function,...]
                                            [--cpu] [--profile N [--sort cumulative]]

Imports the shipped course into a fresh database (a temporary SQLite file by default), logs a
trainee in, then calls the app's WSGI entry point directly (no test client, no server) with the
trainee's session cookie, `--runs` times after 100 warm-up calls, and prints the median and the
mean time of a call, then the mean time per call spent in every before/after-request hook, the
user loader, the session cookie's reading and writing, the session teardown, and any function
named with `--time` (`package.module.function`, or `package.module:Class.method`). `post`
replays an answer already recorded, as bench/page_load.py does. `login` logs the trainee in again
at every call (the POST with an anonymous session's cookie and token, each from its own address so
the rate limit stays out of it), with population_load.py's cheap Argon2 settings (time 1, 1 MiB)
so the figure is the request's, not the hash's.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import functools
import importlib
import io
import pstats
import re
import statistics
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import flask_migrate
from population_load import CHEAP
from werkzeug.test import EnvironBuilder

from course import create_app
from course.config import test_overrides
from course.extensions import login_manager
from course.models import Role
from course.services import accounts, importer

ROOT = Path(__file__).resolve().parent.parent
AGENT = {"User-Agent": "bench"}
MODULE = "/learn/modules/foundations-roles"
QUIZ = "/learn/quizzes/foundations-roles-quiz"
PAGES = {"floor": "/", "path": "/learn/", "module": MODULE}
spent: collections.Counter[str] = collections.Counter()
CLOCK = time.perf_counter  # --cpu: time.thread_time, the CPU this thread used (not time waiting)


def timed(function: Callable, label: str) -> Callable:
    """Wrap a function so that its time is added to `spent[label]`."""

    @functools.wraps(function)
    def wrapper(*args: object, **kwargs: object) -> object:
        started = CLOCK()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += CLOCK() - started

    return wrapper


def main() -> None:
    """Prepare, call the page --runs times, print the parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database")
    parser.add_argument("--page", default="module", choices=[*PAGES, "post", "login"])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--time", default="", help="more functions to time, comma-separated")
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's N costliest")
    parser.add_argument(
        "--cpu", action="store_true", help="CPU time of this thread instead of wall time"
    )
    parser.add_argument(
        "--sort", default="tottime", help="cProfile's order: tottime, cumulative, ..."
    )
    parser.add_argument("--callers", default="", help="with --profile: who calls these functions")
    args = parser.parse_args()
    if args.cpu:
        global CLOCK
        CLOCK = time.thread_time
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/parts.sqlite"
    app = create_app(
        {**test_overrides(url), "TESTING": False, "WTF_CSRF_ENABLED": True}
        | (
            {key: int(value) for key, value in CHEAP.items()}  # population_load's own
            if args.page == "login"
            else {"ARGON2_TIME_COST": 2, "ARGON2_MEMORY_KIB": 19456}
        )
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        importer.import_folder(ROOT)
        accounts.create_user("parts@example.org", "Parts", Role.TRAINEE, "parts password")
    client = app.test_client()

    def token(page: str) -> str:
        html = client.get(page, headers=AGENT).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    login = {"login": "parts@example.org", "password": "parts password"}
    if args.page == "login":
        signed_in = urllib.parse.urlencode({**login, "csrf_token": token("/login")}).encode()
        anonymous = "session=" + client.get_cookie("session").value
    client.post("/login", data={**login, "csrf_token": token("/login")}, headers=AGENT)
    client.post("/learn/welcome/skip", data={"csrf_token": token("/learn/welcome")}, headers=AGENT)
    client.get("/learn/", headers=AGENT)  # shows the flashed message: the cookie is settled
    method, page, body = "GET", PAGES.get(args.page, ""), b""
    if args.page == "post":
        method, page, body = "POST", *recorded_answer(client, token)
    cookie = "session=" + client.get_cookie("session").value  # as the answers left it
    if args.page == "login":
        method, page, cookie, body = "POST", "/login", anonymous, signed_in
    instrument(app, args.time)
    environ = EnvironBuilder(
        path=page,
        method=method,
        data=body,
        content_type="application/x-www-form-urlencoded" if body else None,
        headers={"Cookie": cookie, **AGENT},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    ).get_environ()
    statuses: list[str] = []
    times: list[float] = []
    profiler = cProfile.Profile()
    for run in range(args.runs + 100):
        if run == 100:
            spent.clear()
            if args.profile:
                profiler.enable()
        call = {**environ, "wsgi.input": io.BytesIO(body)}
        if args.page == "login":  # each from its own address: the login rate limit stays out
            call["REMOTE_ADDR"] = f"10.0.{run // 250}.{run % 250}"
        started = CLOCK()
        response = app.wsgi_app(call, lambda status, _headers, _exc=None: statuses.append(status))
        b"".join(response)
        response.close()
        times.append(CLOCK() - started)
    profiler.disable()
    times = times[100:]
    tenth = statistics.quantiles(times, n=10)[0]  # the least disturbed by the rest of the machine
    print(f"{method} {page} -> {statuses[-1]}: median {statistics.median(times) * 1000:.3f} ms, "
          f"mean {statistics.mean(times) * 1000:.3f} ms, fastest tenth under {tenth * 1000:.3f} "
          f"ms over {args.runs} calls")  # fmt: skip
    for label, seconds in spent.most_common():
        print(f"  {label:<60} {seconds / args.runs * 1000:.3f} ms")
    if args.profile:  # the timings above are inflated by the profiler when it runs
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(args.profile)
        if args.callers:
            stats.print_callers(args.callers)


def recorded_answer(client, token: Callable[[str], str]) -> tuple[str, bytes]:  # noqa: ANN001
    """Read the module, start its scenario, answer its first step; return the step's address
    and the answer, which replayed records nothing."""
    client.post(f"{MODULE}/complete", data={"csrf_token": token(MODULE)}, headers=AGENT)
    started = client.post(f"{QUIZ}/start", data={"csrf_token": token(QUIZ)}, headers=AGENT)
    url = started.headers["Location"]
    html = client.get(url, headers=AGENT).get_data(as_text=True)
    answer = {
        "step": re.search(r'name="step" type="hidden" value="([^"]+)"', html).group(1),
        "choice": re.search(r'name="choice" id="choice-[^"]+" value="([^"]+)"', html).group(1),
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
    }
    client.post(url, data=answer, headers=AGENT)
    client.get(url, headers=AGENT)
    return url, urllib.parse.urlencode(answer).encode()


def instrument(app, names: str) -> None:  # noqa: ANN001
    """Time every hook, the user loader, the session interface, the teardown and `names`."""
    for key, hooks in app.before_request_funcs.items():
        app.before_request_funcs[key] = [timed(f, f"before: {f.__qualname__}") for f in hooks]
    for key, hooks in app.after_request_funcs.items():
        app.after_request_funcs[key] = [
            timed(f, f"after: {getattr(f, '__qualname__', 'limiter headers')}") for f in hooks
        ]
    app.teardown_appcontext_funcs[:] = [
        timed(f, f"teardown: {f.__qualname__}") for f in app.teardown_appcontext_funcs
    ]
    login_manager._user_callback = timed(login_manager._user_callback, "user loader")
    sessions = app.session_interface
    sessions.open_session = timed(sessions.open_session, "session cookie: read")
    sessions.save_session = timed(sessions.save_session, "session cookie: write")
    for name in filter(None, names.split(",")):
        if ":" in name:
            module, attribute = name.split(":")
            owner_name, function = attribute.split(".")
            owner = getattr(importlib.import_module(module), owner_name)
        else:
            module, function = name.rsplit(".", 1)
            owner = importlib.import_module(module)
        setattr(owner, function, timed(getattr(owner, function), name))


if __name__ == "__main__":
    main()
