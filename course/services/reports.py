"""Cohort progress: mastery per trainee and competency, modules done, activity; fixed queries."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from course import engine
from course.extensions import db
from course.models import (
    Attempt,
    Cohort,
    CohortMember,
    Event,
    LearnerState,
    ModuleProgress,
    Role,
    User,
)
from course.models.types import utcnow
from course.services import learning
from course.services.catalogue import Course


@dataclass(frozen=True)
class TraineeRow:
    """One trainee's line in a cohort report."""

    user: User
    mastery: dict[str, float]
    mastered: int
    modules_done: int
    attempts: int
    passed: int
    last_active: datetime | None
    seconds: int
    next_title: str | None
    attention: tuple[str, ...] = ()


@dataclass(frozen=True)
class CohortReport:
    """A cohort's progress, and the competency columns it is shown in."""

    cohort: Cohort
    competencies: tuple[dict, ...]
    rows: tuple[TraineeRow, ...]

    def average(self, competency: str) -> float:
        values = [r.mastery.get(competency, 0.0) for r in self.rows]
        return sum(values) / len(values) if values else 0.0


def cohort_report(cohort: Cohort, course: Course) -> CohortReport:
    """Build a cohort's report in a fixed number of queries, whatever its size."""
    trainees = list(
        db.session.scalars(
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort.id, CohortMember.role == Role.TRAINEE)
            .order_by(User.display_name)
        )
    )
    ids = [u.id for u in trainees]
    states = _states(ids, course)
    activity = dict(
        db.session.execute(
            select(Event.user_id, func.max(Event.at))
            .where(Event.user_id.in_(ids))
            .group_by(Event.user_id)
        ).all()
    )
    reading = {
        uid: (done, secs)
        for uid, done, secs in db.session.execute(
            select(
                ModuleProgress.user_id,
                func.count(ModuleProgress.completed_at),
                func.coalesce(func.sum(ModuleProgress.seconds), 0),
            )
            .where(ModuleProgress.user_id.in_(ids))
            .group_by(ModuleProgress.user_id)
        )
    }
    tries = {
        uid: (n, p)
        for uid, n, p in db.session.execute(
            select(
                Attempt.user_id,
                func.count(Attempt.id),
                func.count(Attempt.id).filter(Attempt.passed.is_(True)),
            )
            .where(Attempt.user_id.in_(ids), Attempt.status == "finished")
            .group_by(Attempt.user_id)
        )
    }
    rules = _rules(cohort)
    now = utcnow()
    return CohortReport(
        cohort,
        course.competencies,
        tuple(
            _row(
                u,
                states[u.id],
                course,
                now,
                rules,
                activity.get(u.id),
                reading.get(u.id, (0, 0)),
                tries.get(u.id, (0, 0)),
            )
            for u in trainees
        ),
    )


def _states(ids: list[int], course: Course) -> dict[int, engine.LearnerState]:
    """Load stored states; replay, from one query of events, those the content has outdated."""
    rows = {
        r.user_id: r
        for r in db.session.scalars(select(LearnerState).where(LearnerState.user_id.in_(ids)))
    }
    fresh = {
        uid: engine.LearnerState.from_json(r.state)
        for uid, r in rows.items()
        if learning.is_current(r, course)
    }
    stale = [uid for uid in ids if uid not in fresh]
    events = learning.histories(stale) if stale else {}
    fresh.update({uid: course.engine.replay(events.get(uid, [])) for uid in stale})
    return fresh


def _rules(cohort: Cohort) -> engine.CohortRules:
    return engine.CohortRules(
        required=tuple(r.module_slug for r in cohort.rules if r.kind == "required"),
        pinned=tuple(r.module_slug for r in cohort.rules if r.kind == "pinned"),
        target_date=cohort.target_date,
    )


def _row(
    user: User,
    state: engine.LearnerState,
    course: Course,
    now: datetime,
    rules: engine.CohortRules,
    last: datetime | None,
    reading: tuple[int, int],
    tries: tuple[int, int],
) -> TraineeRow:
    mastery = course.engine.mastery(state, now)
    thresholds = {c["id"]: c["params"].get("threshold", 0.95) for c in course.competencies}
    rec = course.engine.recommend(state, now, rules)
    title = (
        course.module(rec.module_id).title
        if rec and rec.module_id
        else ("Placement check" if rec else None)
    )
    return TraineeRow(
        user,
        mastery,
        sum(mastery[c] >= t for c, t in thresholds.items()),
        reading[0],
        tries[0],
        tries[1],
        last,
        reading[1],
        title,
        _attention(state, course, now, rules, last),
    )


INACTIVE_AFTER = timedelta(days=7)
DEADLINE_WARNING = timedelta(days=14)


def _attention(
    state: engine.LearnerState,
    course: Course,
    now: datetime,
    rules: engine.CohortRules,
    last: datetime | None,
) -> tuple[str, ...]:
    """Say why an administrator should look at this trainee: idle, struggling, or behind."""
    notes = []
    if last is None:
        notes.append("has not started")
    elif now - last > INACTIVE_AFTER:
        notes.append(f"inactive for {(now - last).days} days")
    if state.remediation is not None:
        failed = course.module(state.remediation.module_id)
        notes.append(
            f"struggling with {course.competency_names.get(state.remediation.competency)}"
            f" (did not pass {failed.title if failed else state.remediation.module_id})"
        )
    for module_id in course.engine.completion(state, now, rules).spent:
        module = course.module(module_id)
        notes.append(
            f"used every attempt at {module.title if module else module_id} without passing"
        )
    if rules.required and rules.target_date:
        done = {s.module_id for s in course.engine.path(state, now, rules) if s.status == "done"}
        missing = [m for m in rules.required if m not in done and course.module(m)]
        left = rules.target_date - now.date()
        if missing and left <= DEADLINE_WARNING:
            when = "overdue" if left.days < 0 else f"due in {left.days} days"
            notes.append(f"behind: {len(missing)} required module(s) not done, {when}")
    return tuple(notes)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (OWASP: CSV injection) with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """A csv writer whose text cells can never start a formula."""

    def __init__(self, out: io.StringIO) -> None:
        self.writer = csv.writer(out)

    def writerow(self, row: list[object]) -> None:
        self.writer.writerow([safe_cell(value) for value in row])


def report_csv(report: CohortReport) -> str:
    """Return the report as CSV, one row per trainee, mastery as percentages."""
    out = io.StringIO()
    writer = SafeWriter(out)
    comps = [c["id"] for c in report.competencies]
    writer.writerow(
        [
            "trainee",
            "email",
            *comps,
            "competencies mastered",
            "modules done",
            "attempts",
            "attempts passed",
            "reading minutes",
            "last active",
            "next step",
            "needs attention",
        ]
    )
    for r in report.rows:
        writer.writerow(
            [
                r.user.display_name,
                r.user.email,
                *(round(r.mastery.get(c, 0) * 100) for c in comps),
                r.mastered,
                r.modules_done,
                r.attempts,
                r.passed,
                r.seconds // 60,
                r.last_active.isoformat(timespec="minutes") if r.last_active else "",
                r.next_title or "",
                "; ".join(r.attention),
            ]
        )
    return out.getvalue()
