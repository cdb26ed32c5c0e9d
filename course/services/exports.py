"""Raw exports: every recorded event of a cohort's trainees, streamed in one query."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC

from sqlalchemy import select

from course.extensions import db
from course.models import Attempt, Cohort, CohortMember, Event, Role, User
from course.services.reports import SafeWriter
from course.services.story import FINISHES

COLUMNS = (
    "time_utc",
    "event_id",
    "trainee_id",
    "trainee",
    "event",
    "module",
    "attempt_id",
    "step",
    "rating",
    "score_percent",
    "passed",
    "seconds",
)
BATCH = 500


def event_records(cohort: Cohort) -> Iterator[dict[str, object]]:
    """Yield one record per event of the cohort's trainees, oldest first, read in batches."""
    query = (
        select(
            Event.id,
            Event.at,
            Event.user_id,
            User.display_name,
            Event.kind,
            Event.module_slug,
            Event.attempt_id,
            Event.data["step"].as_string().label("step"),
            Event.data["rating"].as_string().label("rating"),
            Event.data["score"].as_float().label("score"),
            Event.data["seconds"].as_integer().label("seconds"),
            Attempt.passed,
        )
        .join(User, User.id == Event.user_id)
        .join(CohortMember, CohortMember.user_id == Event.user_id)
        .outerjoin(Attempt, Attempt.id == Event.attempt_id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.role == Role.TRAINEE)
        .order_by(Event.id)
        .execution_options(yield_per=BATCH)
    )
    for row in db.session.execute(query):
        yield _record(row)


def _record(row: object) -> dict[str, object]:
    """Turn a row into the export's fields (the engine's own events stay out: see docs)."""
    return {
        "time_utc": row.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "event_id": row.id,
        "trainee_id": row.user_id,
        "trainee": row.display_name,
        "event": row.kind,
        "module": row.module_slug,
        "attempt_id": row.attempt_id,
        "step": row.step,
        "rating": row.rating,
        "score_percent": round(row.score * 100) if row.score is not None else None,
        "passed": bool(row.passed) if row.kind in FINISHES else None,
        "seconds": row.seconds if row.kind == "module-completed" else None,
    }


def events_csv(cohort: Cohort) -> Iterator[str]:
    """Yield the cohort's events as CSV text, a batch of rows at a time, formula-safe."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(list(COLUMNS))
    for n, record in enumerate(event_records(cohort), start=1):
        writer.writerow(["" if record[c] is None else _cell(record[c]) for c in COLUMNS])
        if n % BATCH == 0:
            yield _drain(out)
    yield _drain(out)


def _cell(value: object) -> object:
    return str(value).lower() if isinstance(value, bool) else value


def events_jsonl(cohort: Cohort) -> Iterator[str]:
    """Yield the cohort's events as JSON lines (one object per event), a batch at a time."""
    lines = []
    for record in event_records(cohort):
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        if len(lines) == BATCH:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def _drain(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text
