"""Paired load runs: each trainee page against a Flask hello page, both under gunicorn on loopback.

    .venv/bin/python bench/page_load.py [--database URL] [--workers 2] [--connections 16]
                                        [--seconds 10] [--pairs 3] [--pages path,module]

Needs wrk (Debian package `wrk`). Imports the shipped course into a fresh database (a temporary
SQLite file by default), logs a trainee and an administrator in over HTTP with a fixed User-Agent
(Flask-Login's strong session protection ties the cookie to it), checks that each page answers as
expected with that cookie, then runs wrk against the hello page and against the page, back to back,
`--pairs` times, and reports the median of each figure and the ratio of requests per second to
hello's. Prints what it measured, nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
FLASK = [sys.executable, "-m", "flask", "--app", "course"]
AGENT = "bench"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Browser:
    """A cookie-keeping client with the benchmark's User-Agent."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", AGENT)]

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict, page: str | None = None) -> str:
        token = TOKEN.search(self.get(page or path)).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, body, timeout=30) as response:
            self.last_url = response.geturl()
            return response.read().decode()

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def prepare(env: dict) -> None:
    """Create the schema and import the shipped course into the database env names."""
    for command in (["db", "upgrade"], ["content", "import"]):
        subprocess.run([*FLASK, *command], env=env, check=True, capture_output=True)


def serve(
    app: str, port: int, workers: int, env: dict, cwd: Path, log: object = None, threads: int = 0
) -> subprocess.Popen:
    """Start gunicorn (sync workers, or gthread with threads) and wait until it answers."""
    kind = ["-k", "gthread", "--threads", str(threads)] if threads else []
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            *kind,
            "-b",
            f"127.0.0.1:{port}",
            app,
        ],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
            return server
        except urllib.error.HTTPError:
            return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{app} did not start")


def wrk(url: str, cookie: str, connections: int, seconds: int, method: str = "GET",
        body: str = "") -> dict:  # fmt: skip
    """Run wrk once and return its figures."""
    script = HERE / "wrk_report.lua"
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script)]
    command += ["-H", f"User-Agent: {AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if method == "POST":
        lua = Path(tempfile.gettempdir()) / "course_wrk_post.lua"
        lua.write_text(
            f'wrk.method = "POST"\nwrk.body = "{body}"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            + script.read_text()
        )
        command[command.index(str(script))] = str(lua)
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object) -> None:
        return None


def check(url: str, cookie: str, method: str, body: str) -> None:
    """Refuse to measure a page that does not answer as the logged-in user would see it."""
    request = urllib.request.Request(
        url,
        data=body.encode() if method == "POST" else None,
        headers={"Cookie": cookie, "User-Agent": AGENT},
        method=method,
    )
    try:
        with urllib.request.build_opener(_Stay()).open(request, timeout=30) as response:
            status, location = response.status, ""
    except urllib.error.HTTPError as error:
        status, location = error.code, error.headers.get("Location", "")
    expected = 302 if method == "POST" or urllib.parse.urlsplit(url).path == "/" else 200
    if status != expected or "/login" in location:
        raise RuntimeError(f"{method} {url} answered {status} {location}: not measuring it")


PAGES = ("floor", "path", "module", "step", "post", "results", "cohort")
CHOICE = re.compile(r'name="choice" id="choice-[^"]+" value="([^"]+)"')
OPTION = re.compile(r'name="option" id="option-\d+" value="(\d+)"')
POSITIONS = re.compile(r'name="(position-\d+)"')
STEP = re.compile(r'name="step" type="hidden" value="([^"]+)"')


def play_through(who: Browser, module: str, quiz: str) -> str:
    """Read a module and play its scenario to the end with the first thing offered at each step;
    return the attempt's address, which then shows the results."""
    who.post(f"{module}/complete", {}, module)
    who.post(f"{quiz}/start", {}, quiz)
    url = urllib.parse.urlsplit(who.last_url).path
    for _ in range(50):
        page = who.get(url)
        step = STEP.search(page)
        if step is None:
            return url
        data = {"step": step.group(1)}
        positions = POSITIONS.findall(page)
        if CHOICE.search(page):
            data["choice"] = CHOICE.search(page).group(1)
        elif positions:
            data |= {name: str(n + 1) for n, name in enumerate(positions)}
        else:
            data["option"] = OPTION.search(page).group(1)
        who.post(url, data, url)
    raise RuntimeError(f"{quiz} did not end within 50 steps")


def main() -> None:
    """Prepare, serve, measure every page against hello, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument(
        "--pages", default=",".join(PAGES), help=f"some of {','.join(PAGES)} (default: all)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": args.database or f"sqlite:///{tmp}/load.sqlite",
            "SECRET_KEY": "bench",
            "RATELIMIT_LOGIN": "1000 per minute",
        }
        prepare(env)
        for role in ("trainee", "finisher", "admin"):
            subprocess.run(
                [*FLASK, "user", "create", "--email", f"{role}@load.example", "--name", role,
                 "--role", "trainee" if role == "finisher" else role,
                 "--password", f"{role} load password"],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
        app_port, hello_port = 5201, 5202
        servers = [
            serve("course:create_app()", app_port, args.workers, env, ROOT),
            serve("hello_app:app", hello_port, args.workers, env, HERE),
        ]
        try:
            run(args, f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{hello_port}/", env)
        finally:
            for server in servers:
                server.terminate()
                server.wait(30)


def run(args: argparse.Namespace, base: str, hello: str, env: dict) -> None:
    """Log in, find the pages, and measure each against hello."""
    trainee, finisher, admin = Browser(base), Browser(base), Browser(base)
    trainee.post("/login", {"login": "trainee@load.example", "password": "trainee load password"})
    finisher.post(
        "/login", {"login": "finisher@load.example", "password": "finisher load password"}
    )
    finisher.post("/learn/welcome/skip", {}, "/learn/welcome")
    admin.post("/login", {"login": "admin@load.example", "password": "admin load password"})
    trainee.post("/learn/welcome/skip", {}, "/learn/welcome")
    module = "/learn/modules/foundations-roles"
    trainee.post(f"{module}/complete", {}, module)
    trainee.post(
        "/learn/quizzes/foundations-roles-quiz/start", {}, "/learn/quizzes/foundations-roles-quiz"
    )
    step_url = trainee.last_url.replace(base, "")
    page = trainee.get(step_url)
    step = STEP.search(page).group(1)
    choice = CHOICE.search(page).group(1)
    token = TOKEN.search(page).group(1)
    answer = urllib.parse.urlencode({"step": step, "choice": choice, "csrf_token": token})
    results = play_through(finisher, module, "/learn/quizzes/foundations-roles-quiz")
    admin.post("/admin/cohorts", {"name": "Load cohort"}, "/admin/cohorts")
    cohort = re.search(r'href="(/admin/cohorts/\d+)"', admin.get("/admin/cohorts")).group(1)
    pages = {
        # A signed-in request that does no page work: the site root redirects the trainee to My
        # path. What every signed-in page pays before its own work (session, user, hooks).
        "floor": ("floor: signed-in redirect", "GET", "/", trainee, ""),
        "path": ("My path", "GET", "/learn/", trainee, ""),
        "module": ("module", "GET", module, trainee, ""),
        "step": ("step GET", "GET", step_url, trainee, ""),
        "post": ("step POST (replayed answer)", "POST", step_url, trainee, answer),
        "results": ("results", "GET", results, finisher, ""),
        "cohort": ("cohort dashboard", "GET", cohort, admin, ""),
    }
    database = (args.database or "sqlite").split(":")[0]
    print(f"gunicorn -w {args.workers} (sync), wrk -c{args.connections} -d{args.seconds}s, "
          f"median of {args.pairs} pairs, database {database}")  # fmt: skip
    print("| page | req/s | hello req/s | ratio | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for key in args.pages.split(","):
        name, method, path, who, body = pages[key]
        check(base + path, who.cookie(), method, body)
        pairs: list[tuple[dict, dict]] = []
        for _ in range(args.pairs):
            # A browser takes the cookie each answer sets, so its "last seen" time is never more
            # than a minute old (security.SEEN_EVERY). wrk replays one cookie: refresh it before
            # each run, or every request of a run re-signs the cookie, which no browser causes.
            who.get(path)
            base_run = wrk(hello, "", args.connections, args.seconds)
            page_run = wrk(base + path, who.cookie(), args.connections, args.seconds, method, body)
            pairs.append((base_run, page_run))

        def median(key: str, i: int = 1, pairs: list = pairs) -> float:
            return statistics.median(p[i][key] for p in pairs)

        ratio = statistics.median(p[1]["rps"] / p[0]["rps"] for p in pairs)
        print(
            f"| {name} | {median('rps'):.0f} | {median('rps', 0):.0f} | {ratio:.3f} | "
            f"{median('p50'):.1f} | {median('p95'):.1f} | {median('p99'):.1f} | "
            f"{sum(p[1]['errors'] for p in pairs)} |"
        )


if __name__ == "__main__":
    main()
