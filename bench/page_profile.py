"""In-process profile of the trainee pages on the shipped course: queries and time per request.

    .venv/bin/python bench/page_profile.py [DATABASE_URL]     # default: a temporary SQLite file

Imports the shipped course into an empty database, logs a trainee in with the Flask test client and
times each page over 50 requests (the first request of each is left out), then times real answers
(each one recorded, with its event, state, summary and outbox row): every step of the placement
check in turn. No network, no gunicorn: this is the cost of the page itself, the floor under any
load figure.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
from sqlalchemy import event

from course import create_app
from course.config import test_overrides
from course.extensions import engines
from course.models import Role
from course.services import accounts, importer

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
RUNS = 50


def main() -> None:
    """Build the app on an empty database, then print one line per page."""
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/profile.sqlite"
    app = create_app({**test_overrides(url), "ARGON2_TIME_COST": 2, "ARGON2_MEMORY_KIB": 19456})
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        importer.import_folder(ROOT)
        accounts.create_user("profile@example.org", "Profile", Role.TRAINEE, PASSWORD)
        engine = engines()  # on PostgreSQL the GETs read through an engine of their own
    client = app.test_client()

    def token(page: str) -> str:
        html = client.get(page).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    client.post(
        "/login",
        data={"login": "profile@example.org", "password": PASSWORD, "csrf_token": token("/login")},
    )
    client.post("/learn/welcome/skip", data={"csrf_token": token("/learn/welcome")})
    module = "/learn/modules/foundations-roles"
    client.post(f"{module}/complete", data={"csrf_token": token(module)})
    start = "/learn/quizzes/foundations-roles-quiz"
    attempt = client.post(f"{start}/start", data={"csrf_token": token(start)}).headers["Location"]
    print(f"{'page':<14} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for name, page in (("my path", "/learn/"), ("module", module), ("step", attempt)):
        report(name, engine, lambda page=page: client.get(page))
    report("login page", engine, lambda: client.get("/login"))
    answers(client, engine)


STEP = re.compile(r'name="step" type="hidden" value="([^"]+)"')
CHOICE = re.compile(r'name="choice" id="choice-[^"]+" value="([^"]+)"')
OPTION = re.compile(r'name="option" id="option-\d+" value="(\d+)"')
POSITIONS = re.compile(r'name="(position-\d+)"')


def answers(client, engine) -> None:  # noqa: ANN001
    """Time real answers (each one recorded): the placement check's steps, answered in turn with
    the first thing offered. Only the POST is timed, not the GET that shows the step."""
    intro = "/learn/quizzes/placement"
    html = client.get(intro).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    url = client.post(f"{intro}/start", data={"csrf_token": token}).headers["Location"]
    seen: list[str] = []
    for one in engine:
        event.listen(one, "before_cursor_execute", lambda *a: seen.append(a[2]))
    times, queries = [], []
    while True:
        page = client.get(url).get_data(as_text=True)
        step = STEP.search(page)
        if step is None:
            break
        data = {"step": step.group(1), "csrf_token": token}
        choice, positions = CHOICE.search(page), POSITIONS.findall(page)
        if choice:
            data["choice"] = choice.group(1)
        elif positions:
            data.update({name: str(n + 1) for n, name in enumerate(positions)})
        else:
            data["option"] = OPTION.search(page).group(1)
        before = len(seen)
        started = time.perf_counter()
        response = client.post(url, data=data)
        times.append((time.perf_counter() - started) * 1000)
        queries.append(len(seen) - before)
        assert response.status_code == 302, response.status_code
    times.sort()
    print(
        f"{'answer (real)':<14} {statistics.median(queries):>7.0f} "
        f"{statistics.median(times):>7.1f} "
        f"{times[int(0.95 * len(times)) - 1]:>7.1f}   ({len(times)} placement answers)"
    )


def report(name: str, engine, call) -> None:  # noqa: ANN001
    """Time a request RUNS times and count its queries."""
    call()
    seen: list[str] = []
    for one in engine:
        event.listen(one, "before_cursor_execute", lambda *a: seen.append(a[2]))
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(
        f"{name:<14} {len(seen) // RUNS:>7} {statistics.median(times):>7.1f} "
        f"{times[int(0.95 * RUNS) - 1]:>7.1f}"
    )


if __name__ == "__main__":
    main()
