"""A cohort of 5,000 trainees: server time of the cohort progress page and its CSV.

    .venv/bin/python bench/cohort_dashboard.py [--trainees 5000] [--per-competency 50]
        [--database-url URL]                   # default: a temporary SQLite file

Imports the shipped course, then plays a few template trainees of different skill through the
real services (placement skipped, My path followed, the real quiz files, retake limits and locks)
until each has the course's competencies x --per-competency events or has finished. The cohort is
built by copying those histories (events, attempts, answers, module progress, learner states)
to --trainees accounts, spread over the last ten weeks. Then an administrator's test client times
the cohort page, its CSV, the trends page, a trainee's story and the management page: the first
request is left out, the median and the slowest of the next RUNS are printed, with the number of
SQL queries each takes; then the time of a rule change that refreshes every trainee's summary.
Summaries and weekly snapshots of the copies are written the way their events would have written
them (their times are printed too: that is the cost of `engine recompute` for the cohort).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import event, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course import create_app  # noqa: E402
from course.config import test_overrides  # noqa: E402
from course.extensions import db, engines  # noqa: E402
from course.models import (  # noqa: E402
    Answer,
    Attempt,
    Cohort,
    CohortMember,
    Event,
    LearnerState,
    ModuleProgress,
    Role,
    User,
)
from course.models.types import utcnow  # noqa: E402
from course.services import accounts, catalogue, importer, learning, summaries  # noqa: E402
from tests.web.test_every_path import act  # noqa: E402

PASSWORD = "correct horse battery"
TEMPLATES = {"weak": 0.3, "average": 0.6, "strong": 0.9, "guesser": None}
PER_SKILL = 3  # template trainees per skill
RUNS = 5
SPREAD = timedelta(weeks=10)


def main() -> None:
    args = parse()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/cohort.sqlite"
    app = create_app({**test_overrides(url), "ARGON2_TIME_COST": 2, "ARGON2_MEMORY_KIB": 19456})
    if args.measure_again:
        return measure_all(app, *built(app), exports=False)
    with app.app_context():
        reset(url)
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        importer.import_folder(ROOT)
        course = catalogue.current()
        target = len(course.competencies) * args.per_competency
        started = time.perf_counter()
        templates = play_templates(course, target)
        played = time.perf_counter() - started
        started = time.perf_counter()
        cohort_id = clone(templates, args.trainees)
        copied = time.perf_counter() - started
        started = time.perf_counter()
        ids = list(db.session.scalars(select(CohortMember.user_id)))
        summaries.refresh(ids, course)  # what each copied trainee's last event would have stored
        db.session.commit()
        summed = time.perf_counter() - started
        started = time.perf_counter()
        summaries.rebuild_weeks(ids, course)  # and each week's last event
        db.session.commit()
        weekly = time.perf_counter() - started
        accounts.create_user("bench-admin@example.org", "Bench Admin", Role.ADMIN, PASSWORD)
        events = db.session.scalar(select(func.count()).select_from(Event))
        first = first_trainee(cohort_id)
        engine = engines()  # on PostgreSQL the GETs read through an engine of their own
        db.session.commit()
    print(
        f"{db_name(url)}: {args.trainees:,} trainees, {len(course.competencies)} competencies, "
        f"{events:,} events ({events / args.trainees:.0f} per trainee; templates played in "
        f"{played:.0f} s, copied in {copied:.0f} s; summaries stored in {summed:.1f} s, weekly "
        f"snapshots rebuilt from the events in {weekly:.0f} s)"
    )
    measure_all(app, engine, cohort_id, first)


def built(app) -> tuple:  # noqa: ANN001
    """Return the engines, the cohort and its first trainee of a database built before."""
    with app.app_context():
        cohort_id = db.session.scalar(select(Cohort.id).where(Cohort.name == "Bench cohort"))
        events = db.session.scalar(select(func.count()).select_from(Event))
        print(f"{db.engine.dialect.name}: measured again, {events:,} events")
        return engines(), cohort_id, first_trainee(cohort_id)


def measure_all(app, engine, cohort_id: int, first: int, exports: bool = True) -> None:  # noqa: ANN001
    """Time every page of the cohort, then (unless told not to) the exports and a rule change."""
    client = app.test_client()
    log_in(client)
    page = f"/progress/cohorts/{cohort_id}"
    print(f"{'request':<28} {'queries':>7} {'median ms':>10} {'max ms':>8} {'bytes':>10}")
    for name, path in (
        ("cohort page", page),
        ("progress CSV", f"{page}/progress.csv"),
        ("trends page", f"{page}/trends"),
        ("a trainee's story", f"{page}/trainees/{first}"),
        ("cohort management (admin)", f"/admin/cohorts/{cohort_id}"),
    ):
        measure(name, engine, client, path)
    if not exports:
        return
    for name, path in (
        ("events.csv", f"{page}/events.csv"),
        ("events.jsonl", f"{page}/events.jsonl"),
    ):
        measure(name, engine, client, path, runs=1)  # every event: one download says enough
    rule_change(client, page, cohort_id)


def first_trainee(cohort_id: int) -> int:
    return db.session.scalar(
        select(func.min(CohortMember.user_id)).where(CohortMember.cohort_id == cohort_id)
    )


def rule_change(client, page: str, cohort_id: int) -> None:  # noqa: ANN001
    """Time an administrator pinning a module: every trainee's summary is refreshed with it."""
    import re

    admin_page = f"/admin/cohorts/{cohort_id}"
    html = client.get(admin_page).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"module": "foundations-roles", "kind": "pinned", "csrf_token": token}
    started = time.perf_counter()
    response = client.post(f"{admin_page}/rules", data=data)
    took = (time.perf_counter() - started) * 1000
    assert response.status_code == 302
    print(f"{'pin a module (POST)':<28} {'':>7} {took:>10.0f}")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainees", type=int, default=5000)
    parser.add_argument("--per-competency", type=int, default=50)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--measure-again",
        action="store_true",
        help="time the pages of a database an earlier run built (no exports, no rule change)",
    )
    return parser.parse_args()


def db_name(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def reset(url: str) -> None:
    """Empty a PostgreSQL database (a new SQLite file is empty already)."""
    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


def play_templates(course, target: int) -> list[int]:  # noqa: ANN001
    """Play template trainees through the services until each has target events; their ids."""
    ids = []
    for n, (name, skill) in enumerate(
        (name, skill) for name, skill in TEMPLATES.items() for _ in range(PER_SKILL)
    ):
        user = User(
            email=f"template{n}@example.org",
            username=f"template{n}",
            display_name=f"Template {name} {n}",
            password_hash="-",
            role=Role.TRAINEE,
        )
        db.session.add(user)
        db.session.commit()
        rng = random.Random(n)
        learning.skip_placement(user, course)
        while count_events(user.id) < target:
            rec = learning.my_path(user, course).recommendation
            if rec is None or rec.kind == "wait":
                break
            act(user, rec, course, skill, rng)
        ids.append(user.id)
    return ids


def count_events(user_id: int) -> int:
    return db.session.scalar(select(func.count()).where(Event.user_id == user_id)) or 0


def clone(templates: list[int], trainees: int) -> int:
    """Copy the templates' records to new trainees in one new cohort; return its id."""
    rows = {
        model: [dict(r._mapping) for r in db.session.execute(select(model.__table__))]
        for model in (Attempt, Answer, Event, ModuleProgress, LearnerState)
    }
    by_user = {
        model: {t: [r for r in found if r["user_id"] == t] for t in templates}
        for model, found in rows.items()
        if model is not Answer
    }
    answers_of: dict[int, list[dict]] = {}
    for answer in rows[Answer]:
        answers_of.setdefault(answer["attempt_id"], []).append(answer)
    cohort = Cohort(name="Bench cohort", description="5,000 trainees")
    db.session.add(cohort)
    db.session.flush()
    next_id = {
        model: (db.session.scalar(select(func.max(model.__table__.c.id))) or 0) + 1
        for model in (User, Attempt, Answer, Event)
    }
    now, rng = utcnow(), random.Random(1)
    batch: dict[type, list[dict]] = {m: [] for m in (User, CohortMember, *rows)}
    for n in range(trainees):
        template = templates[n % len(templates)]
        uid = next_id[User] + n
        shift = now - timedelta(seconds=rng.uniform(0, SPREAD.total_seconds()))
        batch[User].append(
            {
                "id": uid,
                "email": f"trainee{n}@example.org",
                "username": f"trainee{n}",
                "display_name": f"Trainee {n:05d}",
                "password_hash": "-",
                "role": Role.TRAINEE,
                "active": True,
                "rank": "",
                "session_token": f"{n:032d}",
                "created_at": shift,
            }
        )
        batch[CohortMember].append({"cohort_id": cohort.id, "user_id": uid, "role": Role.TRAINEE})
        copy_history(template, uid, shift, by_user, answers_of, next_id, batch)
        if len(batch[Event]) > 20_000:
            flush(batch)
    flush(batch)
    if db.engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
        for model in (User, Attempt, Answer, Event):
            table = model.__table__.name
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                )
            )
    db.session.commit()
    return cohort.id


def copy_history(template, uid, shift, by_user, answers_of, next_id, batch) -> None:  # noqa: ANN001
    """Add one trainee's copy of a template's records, its timeline ending at shift."""
    events = by_user[Event][template]
    offset = shift - max(e["at"] for e in events)
    attempts = {}
    for attempt in by_user[Attempt][template]:
        attempts[attempt["id"]] = next_id[Attempt]
        next_id[Attempt] += 1
        batch[Attempt].append(moved(attempt, offset, id=attempts[attempt["id"]], user_id=uid))
        for answer in answers_of.get(attempt["id"], ()):
            batch[Answer].append(
                moved(answer, offset, id=next_id[Answer], attempt_id=attempts[attempt["id"]])
            )
            next_id[Answer] += 1
    last = 0
    for row in events:
        last = next_id[Event]
        next_id[Event] += 1
        batch[Event].append(
            moved(row, offset, id=last, user_id=uid, attempt_id=attempts.get(row["attempt_id"]))
        )
    for progress in by_user[ModuleProgress][template]:
        batch[ModuleProgress].append(moved(progress, offset, user_id=uid, id=None))
    for state in by_user[LearnerState][template]:
        batch[LearnerState].append(moved(state, offset, user_id=uid, last_event_id=last))


def moved(row: dict, offset: timedelta, **values: object) -> dict:
    """Copy a row with new values and every timestamp moved by offset."""
    out = {k: (v + offset if hasattr(v, "tzinfo") and v is not None else v) for k, v in row.items()}
    out.update(values)
    if out.get("id", 0) is None:
        del out["id"]
    return out


def flush(batch: dict[type, list[dict]]) -> None:
    """Insert the batched rows, parents first."""
    for model in (User, CohortMember, Attempt, Answer, Event, ModuleProgress, LearnerState):
        if batch.get(model):
            db.session.execute(insert(model.__table__), batch[model])
            batch[model].clear()


def log_in(client) -> None:  # noqa: ANN001
    import re

    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"login": "bench-admin@example.org", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


def measure(name: str, engine, client, path: str, runs: int = RUNS) -> None:  # noqa: ANN001
    """Time a GET runs times (after one warm-up when more than once) and count its queries."""
    if runs > 1:
        assert client.get(path).status_code == 200, path
    seen: list[str] = []

    def spy(*args: object) -> None:
        seen.append(str(args[2]))

    for one in engine:
        event.listen(one, "before_cursor_execute", spy)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        size = len(response.get_data())
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    for one in engine:
        event.remove(one, "before_cursor_execute", spy)
    print(
        f"{name:<28} {len(seen) // runs:>7} {statistics.median(times):>10.0f} "
        f"{max(times):>8.0f} {size:>10,}"
    )


if __name__ == "__main__":
    main()
