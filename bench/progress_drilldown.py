"""In-process timing of the cohort drill-downs: a trainee's story, the trends page, the exports.

    .venv/bin/python bench/progress_drilldown.py [--trainees 500] [--events 50] [--database URL]

Imports the shipped course into an empty database (a temporary SQLite file by default), creates
one cohort of N trainees with E recorded events each over six weeks (modules read, then graded
answers on what each module teaches), stores their engine states, logs an administrator in with
the Flask test client and prints each page's queries and time: the first request, then the median
of 5 more (the trends page keeps each trainee's replay between requests). No network, no gunicorn:
the cost of the page itself.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import event, insert, select

from course import create_app, engine
from course.config import test_overrides
from course.extensions import db
from course.models import Cohort, CohortMember, Event, ModuleProgress, Role, User
from course.services import accounts, catalogue, importer, learning
from course.services.accounts import hasher

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
RUNS = 5
RATINGS = ("best", "best", "acceptable", "poor")


def history(course: catalogue.Course, start: datetime, count: int, rng: random.Random) -> list:
    """Return one trainee's rows: read a module, then answer on what it teaches; and so on."""
    rows, at = [], start
    modules = [m for m in course.modules if m.competencies]
    while len(rows) < count:
        module = modules[(len(rows) // 6) % len(modules)]
        at += timedelta(hours=rng.uniform(2, 30))
        seconds = rng.randint(300, 1500)
        opened = engine.ModuleOpened(module_id=module.slug, at=at)
        done = engine.ModuleCompleted(module_id=module.slug, at=at)
        rows.append(("module-completed", module.slug, [opened, done], {"seconds": seconds}, at))
        for step in range(5):
            at += timedelta(minutes=2)
            comp = module.competencies[step % len(module.competencies)][0]
            rating = rng.choice(RATINGS)
            ob = engine.Observation(competency=comp, rating=rating, at=at, module_id=module.slug)
            data = {"step": f"s{step}", "rating": rating}
            rows.append(("choice-made", module.slug, [ob], data, at))
    return rows[:count]


def populate(course: catalogue.Course, trainees: int, per: int) -> tuple[int, int]:
    """Create the cohort, its trainees and their events; return the cohort and a trainee id."""
    digest = hasher().hash(PASSWORD)
    db.session.add_all(
        User(
            email=f"d{n}@bench.example",
            username=f"d{n}",
            display_name=f"Trainee {n:05d}",
            role=Role.TRAINEE,
            password_hash=digest,
        )
        for n in range(trainees)
    )
    cohort = Cohort(name="Bench cohort")
    db.session.add(cohort)
    db.session.flush()
    ids = list(db.session.scalars(select(User.id).where(User.role == Role.TRAINEE)))
    db.session.execute(
        insert(CohortMember),
        [{"cohort_id": cohort.id, "user_id": uid, "role": Role.TRAINEE} for uid in ids],
    )
    rng = random.Random(12)
    start = datetime.now(UTC) - timedelta(weeks=6)
    for uid in ids:
        rows = history(course, start + timedelta(hours=rng.uniform(0, 48)), per, rng)
        db.session.execute(insert(Event), [_event(uid, *row) for row in rows])
        read: dict[str, int] = {}
        for kind, slug, _, data, _ in rows:
            if kind == "module-completed":
                read[slug] = read.get(slug, 0) + data["seconds"]
        db.session.execute(
            insert(ModuleProgress),
            [
                {"user_id": uid, "module_slug": s, "seconds": n, "completed_at": start}
                for s, n in read.items()
            ],
        )
    db.session.commit()
    learning.recompute(course, ids)
    return cohort.id, ids[0]


def _event(uid: int, kind: str, slug: str, evs: list, data: dict, at: datetime) -> dict:
    engine_json = [engine.event_to_json(e) for e in evs]
    return {
        "user_id": uid,
        "kind": kind,
        "module_slug": slug,
        "data": {**data, "engine": engine_json},
        "at": at,
    }


def measure(client, engine_, url: str) -> tuple[int, float, float]:  # noqa: ANN001
    """Return the queries and milliseconds of a first request, and the median of RUNS more."""
    seen: list[str] = []
    spy = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine_, "before_cursor_execute", spy)
    began = time.perf_counter()
    assert client.get(url).get_data() is not None
    first = (time.perf_counter() - began) * 1000
    event.remove(engine_, "before_cursor_execute", spy)
    if os.environ.get("BENCH_SHOW_QUERIES"):
        print(*(q.split("\n")[0][:100] for q in seen), sep="\n")
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        response = client.get(url)
        response.get_data()
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, url
    return len(seen), first, statistics.median(times)


def main() -> None:
    """Build the cohort, then print one line per page."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainees", type=int, default=500)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--database")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/drilldown.sqlite"
    app = create_app(test_overrides(url))
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        importer.import_folder(ROOT)
        course = catalogue.current()
        began = time.perf_counter()
        cohort_id, trainee_id = populate(course, args.trainees, args.events)
        built = time.perf_counter() - began
        accounts.create_user("bench-admin@example.org", "Bench admin", Role.ADMIN, PASSWORD)
        engine_ = db.engine
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post(
        "/login",
        data={"login": "bench-admin@example.org", "password": PASSWORD, "csrf_token": token},
    )
    dialect = engine_.dialect.name
    print(f"{dialect}: {args.trainees} trainees x {args.events} events (built in {built:.0f} s)")
    print(f"{'page':<22} {'queries':>7} {'first ms':>9} {'p50 ms':>9}")
    base = f"/progress/cohorts/{cohort_id}"
    for name, page in (
        ("trainee's story", f"{base}/trainees/{trainee_id}"),
        ("trends", f"{base}/trends"),
        ("cohort page", base),
        ("progress.csv", f"{base}/progress.csv"),
        ("events.csv", f"{base}/events.csv"),
        ("events.jsonl", f"{base}/events.jsonl"),
    ):
        queries, first, ms = measure(client, engine_, page)
        print(f"{name:<22} {queries:>7} {first:>9.1f} {ms:>9.1f}")


if __name__ == "__main__":
    main()
