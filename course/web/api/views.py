"""The API's endpoints: thin views over the services the web pages use."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import RAISE
from sqlalchemy import select

from course.extensions import db
from course.models import Cohort, ModuleProgress, ModuleVersion, Role, User
from course.services import catalogue, learning, oversight, reports
from course.web.api import bp, roles
from course.web.api import schemas as s

STAFF = (Role.INSTRUCTOR, Role.ADMIN)


@bp.route("/me/progress")
@roles(Role.TRAINEE)
@bp.response(200, s.Progress)
def my_progress() -> dict[str, Any]:
    """The token owner's progress, mastery per competency and next step with its reason."""
    return progress(g.bearer.user)


@bp.route("/trainees/<int:user_id>/progress")
@roles(*STAFF)
@bp.response(200, s.Progress)
def trainee_progress(user_id: int) -> dict[str, Any]:
    """A trainee's progress (administrators: any; instructors: their cohorts' trainees)."""
    return progress(oversight.trainee(g.bearer.user, g.bearer.role, user_id))


def progress(user: User) -> dict[str, Any]:
    course = catalogue.current()
    path = learning.my_path(user, course)
    rows = learning.progress(user.id)
    rec = path.recommendation
    return {
        "trainee": user,
        "modules": [_module_row(course, rows, status) for status in path.statuses],
        "seconds": path.seconds,
        "complete": bool(path.completion and path.completion.complete),
        "left": list(path.completion.left) if path.completion else [],
        "mastery": [
            {
                "competency": c["id"],
                "name": c["name"],
                "mastery": path.mastery[c["id"]],
                "threshold": course.engine.params(c["id"]).threshold,
                "mastered": path.mastery[c["id"]] >= course.engine.params(c["id"]).threshold,
            }
            for c in course.competencies
        ],
        "next": {"module": rec.module_id, "kind": rec.kind, "reason": rec.text} if rec else None,
    }


def _module_row(
    course: catalogue.Course, rows: dict[str, ModuleProgress], status: Any
) -> dict[str, Any]:
    row = rows.get(status.module_id)
    return {
        "slug": status.module_id,
        "title": course.module(status.module_id).title,
        "status": status.status,
        "why": status.why,
        "completed_at": row.completed_at if row else None,
        "seconds": row.seconds if row else 0,
    }


@bp.route("/catalogue")
@roles(*STAFF)
@bp.response(200, s.Catalogue)
def course_catalogue() -> dict[str, Any]:
    """Tracks, competencies and the current modules with their version numbers."""
    course = catalogue.current()
    numbers = dict(
        db.session.execute(
            select(ModuleVersion.id, ModuleVersion.number).where(
                ModuleVersion.id.in_([m.version_id for m in course.modules])
            )
        ).all()
    )
    return {
        "tracks": course.tracks,
        "competencies": course.competencies,
        "modules": [
            {
                **vars(m),
                "version": numbers[m.version_id],
                "competencies": [{"competency": c, "weight": w} for c, w in m.competencies],
                "quiz": m.quiz_slug,
            }
            for m in course.modules
        ],
    }


def _cohort(cohort: Cohort, trainees: int) -> dict[str, Any]:
    return {
        "id": cohort.id,
        "name": cohort.name,
        "description": cohort.description,
        "target_date": cohort.target_date,
        "trainees": trainees,
    }


@bp.route("/cohorts")
@roles(*STAFF)
@bp.response(200, s.Cohorts)
def cohorts() -> dict[str, Any]:
    """The cohorts this token may see (administrators: all; instructors: their own)."""
    found = oversight.cohorts(g.bearer.user, g.bearer.role)
    return {"cohorts": [_cohort(cohort, count) for cohort, count in found]}


@bp.route("/cohorts/<int:cohort_id>")
@roles(*STAFF)
@bp.response(200, s.CohortSummary)
def cohort_summary(cohort_id: int) -> dict[str, Any]:
    """A cohort's progress: averages per competency and a line per trainee."""
    course = catalogue.current()
    report = reports.cohort_report(
        oversight.cohort(g.bearer.user, g.bearer.role, cohort_id), course
    )
    return {
        "cohort": _cohort(report.cohort, len(report.rows)),
        "averages": [
            {"competency": c["id"], "name": c["name"], "average": report.average(c["id"])}
            for c in report.competencies
        ],
        "trainees": [
            {
                **vars(row),
                "id": row.user.id,
                "display_name": row.user.display_name,
                "next": row.next_title,
                "attention": list(row.attention),
            }
            for row in report.rows
        ],
    }


@bp.route("/events")
@roles(*STAFF)
@bp.arguments(s.EventsQuery, location="query", as_kwargs=True, unknown=RAISE)
@bp.response(200, s.Events)
def events(since: int, limit: int) -> dict[str, Any]:
    """Trainees' learning events after a cursor, oldest first, a page at a time."""
    page, cursor = oversight.events(g.bearer.user, g.bearer.role, since, limit)
    return {
        "events": [
            {
                "id": e.id,
                "trainee": e.user_id,
                "kind": e.kind,
                "module": e.module_slug,
                "attempt": e.attempt_id,
                "at": e.at,
                "data": {k: v for k, v in e.data.items() if k != "engine"},
            }
            for e in page
        ],
        "next_cursor": cursor,
    }
