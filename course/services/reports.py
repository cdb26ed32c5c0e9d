"""Cohort progress: mastery per trainee and competency, modules done, activity; fixed queries."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import NamedTuple

from sqlalchemy import select

from course import engine
from course.extensions import db
from course.models import Cohort, CohortMember, Role, User
from course.models.types import utcnow
from course.services import summaries
from course.services.catalogue import Course


class Person(NamedTuple):
    """Who a report row is about (plain values: a cohort may hold thousands)."""

    id: int
    display_name: str
    email: str
    rank: str


PAGE_ROWS = 100


@dataclass(frozen=True)
class TraineeRow:
    """One trainee's line in a cohort report."""

    user: Person
    mastery: dict[str, float]
    mastered: int
    modules_done: int
    attempts: int
    passed: int
    last_active: datetime | None
    seconds: int
    next_title: str | None
    attention: tuple[str, ...] = ()
    as_of: datetime | None = None  # when mastery and the next step were computed


@dataclass(frozen=True)
class CohortReport:
    """A cohort's progress, and the competency columns it is shown in."""

    cohort: Cohort
    competencies: tuple[dict, ...]
    rows: tuple[TraineeRow, ...]

    def average(self, competency: str) -> float:
        return self.averages.get(competency, 0.0)

    @cached_property
    def averages(self) -> dict[str, float]:
        """Return the mean mastery of each competency over the cohort's trainees."""
        totals: dict[str, float] = dict.fromkeys((c["id"] for c in self.competencies), 0.0)
        for row in self.rows:
            for competency, value in row.mastery.items():
                totals[competency] = totals.get(competency, 0.0) + value
        return {c: t / len(self.rows) for c, t in totals.items()} if self.rows else {}

    @property
    def flagged(self) -> list[TraineeRow]:
        """Return the trainees with something that needs attention."""
        return [r for r in self.rows if r.attention]

    def page(self, number: int, size: int = PAGE_ROWS) -> ReportPage:
        """Return one page of the trainee rows (a cohort of thousands is read a page at a time)."""
        pages = max(1, -(-len(self.rows) // size))
        number = min(max(number, 1), pages)
        return ReportPage(self.rows[(number - 1) * size : number * size], number, pages)


@dataclass(frozen=True)
class ReportPage:
    rows: tuple[TraineeRow, ...]
    number: int
    pages: int


def cohort_report(cohort: Cohort, course: Course) -> CohortReport:
    """Build a cohort's report from the stored summaries, in a fixed number of queries."""
    people = [
        Person(*row)
        for row in db.session.connection().execute(  # Core rows: a cohort may hold thousands
            select(User.id, User.display_name, User.email, User.rank)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort.id, CohortMember.role == Role.TRAINEE)
            .order_by(User.display_name, User.id)
        )
    ]
    now = utcnow()
    rules = _rules(cohort)
    deadline = bool(rules.required and rules.target_date)
    figures = summaries.read([p.id for p in people], course, now, with_done=deadline)
    return CohortReport(
        cohort,
        course.competencies,
        tuple(_row(p, figures[p.id], course, now, rules) for p in people),
    )


def _rules(cohort: Cohort) -> engine.CohortRules:
    return engine.CohortRules(
        required=tuple(r.module_slug for r in cohort.rules if r.kind == "required"),
        pinned=tuple(r.module_slug for r in cohort.rules if r.kind == "pinned"),
        target_date=cohort.target_date,
    )


def _row(
    person: Person,
    figures: summaries.Figures,
    course: Course,
    now: datetime,
    rules: engine.CohortRules,
) -> TraineeRow:
    return TraineeRow(
        person,
        figures.mastery,
        figures.mastered,
        figures.modules_done,
        figures.attempts,
        figures.passed,
        figures.last_active,
        figures.seconds,
        _next_title(figures, course),
        _attention(figures, course, now, rules),
        figures.at,
    )


def _next_title(figures: summaries.Figures, course: Course) -> str | None:
    if figures.next_kind is None:
        return None
    if figures.next_module is None:
        return "Placement check"
    module = course.module(figures.next_module)
    return module.title if module else figures.next_module


INACTIVE_AFTER = timedelta(days=7)
DEADLINE_WARNING = timedelta(days=14)


def _attention(
    figures: summaries.Figures, course: Course, now: datetime, rules: engine.CohortRules
) -> tuple[str, ...]:
    """Say why an administrator should look at this trainee: idle, struggling, or behind."""
    notes: list[str] = []
    last = figures.last_active
    if last is None:
        notes.append("has not started")
    elif now - last > INACTIVE_AFTER:
        notes.append(f"inactive for {(now - last).days} days")
    if figures.struggling:
        competency, module_id = figures.struggling
        failed = course.module(module_id)
        notes.append(
            f"struggling with {course.competency_names.get(competency)}"
            f" (did not pass {failed.title if failed else module_id})"
        )
    for module_id in figures.spent:
        module = course.module(module_id)
        notes.append(
            f"used every attempt at {module.title if module else module_id} without passing"
        )
    if rules.required and rules.target_date:
        missing = [m for m in rules.required if m not in figures.done and course.module(m)]
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
