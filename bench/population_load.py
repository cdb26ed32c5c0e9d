"""Populations of simulated trainees with 30-90 s think time, under gunicorn on loopback.

    .venv/bin/python bench/population_load.py [--database URL] [--sizes 500,1000,2000,5000]
                                              [--rate USERS_PER_SECOND] [--steady SECONDS]
                                              [--production-hash]

Needs `pip install -e '.[bench]'` (locust). Imports the shipped course into a fresh database (a
temporary SQLite file by default), creates the trainee accounts in bulk, serves the platform and a
Flask hello page each with `gunicorn -w 2`, and runs locust headless (bench/locustfile.py): nine
users in ten are trainees (log in, My path, module, scenario steps), one in ten loads the hello page
at the same pace. Users start over 60 s (or at --rate users a second: each start is a login of five
requests, so the ramp is the heaviest minute); statistics are reset once every user has started,
and each size then runs --steady seconds (90). The row "log in, every one (ramp included)" is
every login of the run, the ramp's too; locust's own "log in" row has only the few still under way
when its figures were reset.
Passwords are hashed with cheap Argon2 settings here (time 1, 1 MiB) so that thousands of logins
measure the pages, not the hash; --production-hash keeps the platform's own (time 2, 19 MiB).
Prints, per size, p50/p95/p99 per page, errors and the number of
"database is locked" lines in the server log.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from page_load import HERE, ROOT, prepare, serve

STEADY = 90  # seconds measured after every user has started
RAMP = 60  # seconds over which the users start (a burst of logins would measure the burst)
THREADS = 4  # gthread workers keep connections open, as a browser expects (sync ones close them)
CHEAP = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024"}


def accounts(env: dict, count: int) -> None:
    """Create the trainee accounts pop0..pop<count-1>, all with one password hash."""
    script = (
        "import sys\n"
        "from course import create_app\n"
        "from course.extensions import db\n"
        "from course.models import Role, User\n"
        "from course.services.accounts import hasher\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    digest = hasher().hash('population load password')\n"
        "    db.session.add_all(User(email=f'pop{n}@load.example', username=f'pop{n}',\n"
        "        display_name=f'Pop {n}', role=Role.TRAINEE, password_hash=digest)\n"
        "        for n in range(int(sys.argv[1])))\n"
        "    db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script, str(count)], env=env, cwd=ROOT, check=True)


def locust(
    size: int, app: str, hello: str, out: Path, rate: int | None = None, steady: int = STEADY
) -> list[dict]:
    """Run one population and return locust's per-page rows."""
    env = {**os.environ, "HELLO_HOST": hello, "LOGIN_TIMES": f"{out}_logins.txt"}
    rate = rate or max(1, size // RAMP)
    seconds = size // rate + steady
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
         "-u", str(size), "-r", str(rate), "-t", f"{seconds}s", "--reset-stats",
         "--host", app, "--csv", str(out), "--only-summary"],
        env=env, cwd=HERE, check=False, capture_output=True,
    )  # fmt: skip
    with open(f"{out}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return rows + every_login(Path(f"{out}_logins.txt"))


def every_login(path: Path) -> list[dict]:
    """A row for all the logins, the ramp's included (locust's own row has only those still
    under way when its figures were reset), in locust's columns."""
    logins = [line.split() for line in path.read_text().splitlines()] if path.exists() else []
    if len(logins) < 2:
        return []
    times = sorted(float(ms) for ms, _ in logins)
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return [
        {
            "Name": "log in, every one (ramp included)",
            "Request Count": len(times),
            "Failure Count": sum(int(failed) for _, failed in logins),
            "50%": round(cuts[49]),
            "95%": round(cuts[94]),
            "99%": round(cuts[98]),
        }
    ]


def main() -> None:
    """Prepare once, serve, run each size, print a table per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database")
    parser.add_argument("--sizes", default="500,1000,2000,5000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=int, help="users started a second (default: all in 60 s)")
    parser.add_argument("--steady", type=int, default=STEADY, help="seconds measured")
    parser.add_argument("--production-hash", action="store_true", help="the real Argon2 settings")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            **({} if args.production_hash else CHEAP),
            "DATABASE_URL": args.database or f"sqlite:///{tmp}/population.sqlite",
            "SECRET_KEY": "bench",
            "RATELIMIT_LOGIN": "100000 per minute",
        }
        prepare(env)
        accounts(env, max(sizes))
        log = Path(tmp) / "server.log"
        with open(log, "w") as errors:
            app = serve("course:create_app()", 5301, args.workers, env, ROOT, errors, THREADS)
            hello = serve("hello_app:app", 5302, args.workers, env, HERE, None, THREADS)
            try:
                database = (args.database or "sqlite").split(":")[0]
                seen = 0  # "database is locked" lines of the sizes before
                for size in sizes:
                    rate = args.rate or max(1, size // RAMP)
                    rows = locust(size, "http://127.0.0.1:5301", "http://127.0.0.1:5302",
                                  Path(tmp) / f"run{size}", rate, args.steady)  # fmt: skip
                    locked = log.read_text().count("database is locked") - seen
                    seen += locked
                    report(size, database, rows, locked, rate, args.steady, args.production_hash)
            finally:
                for server in (app, hello):
                    server.terminate()
                    server.wait(30)


def report(
    size: int, database: str, rows: list[dict], locked: int, rate: int, steady: int, real: bool
) -> None:
    """Print one size's figures."""
    print(
        f"\n{size} simulated trainees (9 in 10; 1 in 10 on hello), {database}, "
        f"started at {rate} a second, {steady} s measured, "
        f"{'production' if real else 'cheap'} password hashes"
    )
    print("| page | requests | failures | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} |"
        )
    print(f"'database is locked' in the server log: {locked}")


if __name__ == "__main__":
    main()
