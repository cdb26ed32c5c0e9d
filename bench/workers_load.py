"""Drive the platform under gunicorn with several workers and report throughput, latency, errors.

Usage: python bench/workers_load.py [--workers 4] [--trainees 8] [--seconds 20] [--database URL]
Default database: a temporary SQLite file (the case that needs BEGIN IMMEDIATE). Each simulated
trainee logs in, then loops: open a module (a read-then-write request), start or resume its
scenario and answer the current step. Bounded in time; traffic goes to 127.0.0.1 only. Prints what
it measured.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLASK = [sys.executable, "-m", "flask", "--app", "course"]
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
STEP = re.compile(
    r'name="step" type="hidden" value="([^"]+)"|type="hidden" name="step" value="([^"]+)"'
)


class Trainee:
    """One browser: a cookie jar and the requests a trainee makes."""

    def __init__(self, base: str, email: str, password: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.timings: list[float] = []
        self.errors: list[str] = []
        self.answered = 0
        html = self.get("/login")
        self.post("/login", {"login": email, "password": password}, html)

    def request(self, path: str, data: dict | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        start = time.perf_counter()
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                text = response.read().decode()
        except Exception as error:  # noqa: BLE001 - a benchmark counts every failure
            self.errors.append(f"{path}: {error}")
            return ""
        self.timings.append(time.perf_counter() - start)
        return text

    def get(self, path: str) -> str:
        return self.request(path)

    def post(self, path: str, data: dict, page: str) -> str:
        token = TOKEN.search(page)
        return self.request(path, {**data, "csrf_token": token.group(1) if token else ""})

    def loop(self, until: float) -> None:
        while time.perf_counter() < until:
            self.get("/learn/modules/foundations-roles")
            intro = self.get("/learn/quizzes/foundations-roles-quiz")
            page = self.post("/learn/quizzes/foundations-roles-quiz/start", {}, intro)
            step = STEP.search(page)
            action = re.search(r'action="(/learn/attempts/\d+)"', page)
            if step and action:
                fields = answer_fields(page)
                self.post(
                    action.group(1), {"step": next(g for g in step.groups() if g), **fields}, page
                )
                self.answered += 1


def answer_fields(page: str) -> dict[str, str]:
    """Pick an answer for whatever step the page shows: a choice, an option, or an order."""
    choice = re.search(r'name="choice" id="choice-[^"]+" value="([^"]+)"', page)
    if choice:
        return {"choice": choice.group(1)}
    positions = re.findall(r'name="(position-\d+)"', page)
    if positions:
        return {name: str(n + 1) for n, name in enumerate(sorted(positions))}
    return {"option": "0"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--trainees", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--database")
    parser.add_argument("--port", type=int, default=5099)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": args.database or f"sqlite:///{tmp}/load.sqlite",
            "SECRET_KEY": "bench",
            "RATELIMIT_LOGIN": "1000 per minute",
        }
        subprocess.run([*FLASK, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*FLASK, "content", "import"], env=env, check=True, capture_output=True)
        logins = []
        for n in range(args.trainees):
            email, password = f"load{n}@example.org", f"load password {n:04d}"
            subprocess.run(
                [
                    *FLASK,
                    "user",
                    "create",
                    "--email",
                    email,
                    "--name",
                    f"Load {n}",
                    "--password",
                    password,
                ],
                env=env,
                capture_output=True,
            )
            logins.append((email, password))
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{args.port}",
                "course:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{args.port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/login", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            trainees = [Trainee(base, e, p) for e, p in logins]
            until = time.perf_counter() + args.seconds
            threads = [threading.Thread(target=t.loop, args=(until,)) for t in trainees]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            _, stderr = server.communicate(timeout=30)
    timings = sorted(t for tr in trainees for t in tr.timings)
    errors = [e for tr in trainees for e in tr.errors]
    locked = stderr.decode().count("database is locked")
    database = args.database.split(":")[0] if args.database else "sqlite"
    print(
        f"{args.workers} gunicorn workers, {args.trainees} concurrent trainees, "
        f"{elapsed:.1f} s, database {database}"
    )
    print(
        f"requests: {len(timings)} ok, {len(errors)} failed ({len(timings) / elapsed:.1f}/s); "
        f"scenario answers posted: {sum(t.answered for t in trainees)}"
    )
    if timings:
        q = statistics.quantiles(timings, n=100)
        print(
            f"latency: p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, "
            f"max {timings[-1] * 1000:.0f} ms"
        )
    print(f"'database is locked' in the server log: {locked}")
    for error in errors[:5]:
        print("  ", error)


if __name__ == "__main__":
    main()
