"""Populations of simulated trainees with 30-90 s think time, under gunicorn on loopback.

    .venv/bin/python bench/population_load.py [--database URL] [--sizes 500,1000,2000,5000]

Needs `pip install -e '.[bench]'` (locust). Imports the shipped course into a fresh database (a
temporary SQLite file by default), creates the trainee accounts in bulk, serves the platform and a
Flask hello page each with `gunicorn -w 2`, and runs locust headless (bench/locustfile.py): nine
users in ten are trainees (log in, My path, module, scenario steps), one in ten loads the hello page
at the same pace. Users start over 60 s; statistics are reset once every user has started, and each
size then runs 90 s.
Passwords are hashed with cheap Argon2 settings here (time 1, 1 MiB) so that thousands of logins
measure the pages, not the hash. Prints, per size, p50/p95/p99 per page, errors and the number of
"database is locked" lines in the server log.
"""

from __future__ import annotations

import argparse
import csv
import os
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


def locust(size: int, app: str, hello: str, out: Path) -> list[dict]:
    """Run one population and return locust's per-page rows."""
    env = {**os.environ, "HELLO_HOST": hello}
    rate = max(1, size // RAMP)
    seconds = size // rate + STEADY
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
         "-u", str(size), "-r", str(rate), "-t", f"{seconds}s", "--reset-stats",
         "--host", app, "--csv", str(out), "--only-summary"],
        env=env, cwd=HERE, check=False, capture_output=True,
    )  # fmt: skip
    with open(f"{out}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    """Prepare once, serve, run each size, print a table per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database")
    parser.add_argument("--sizes", default="500,1000,2000,5000")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            **CHEAP,
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
                for size in sizes:
                    rows = locust(size, "http://127.0.0.1:5301", "http://127.0.0.1:5302",
                                  Path(tmp) / f"run{size}")  # fmt: skip
                    report(size, database, rows, log.read_text().count("database is locked"))
            finally:
                for server in (app, hello):
                    server.terminate()
                    server.wait(30)


def report(size: int, database: str, rows: list[dict], locked: int) -> None:
    """Print one size's figures."""
    print(f"\n{size} simulated trainees (9 in 10; 1 in 10 on hello), {database}, {STEADY} s steady")
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
