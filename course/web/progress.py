"""Cohort progress, read-only: administrators see every cohort, instructors their own."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, render_template, request, stream_with_context
from flask_login import current_user
from werkzeug.wrappers import Response

from course.models import Role
from course.services import catalogue, charts, directory, exports, reports, story, trends
from course.web import audience

bp = audience(Blueprint("progress", __name__, url_prefix="/progress"), Role.INSTRUCTOR, Role.ADMIN)


@bp.get("/")
def index() -> str:
    return render_template("progress/index.html", cohorts=directory.cohorts(current_user))


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int) -> str:
    found = directory.visible_cohort(current_user, cohort_id)
    return render_template(
        "progress/cohort.html",
        cohort=found,
        report=reports.cohort_report(found, catalogue.current()),
        page=page_number(),
    )


@bp.get("/cohorts/<int:cohort_id>/progress.csv")
def progress_csv(cohort_id: int) -> Response:
    found = directory.visible_cohort(current_user, cohort_id)
    return csv_download(
        reports.report_csv(reports.cohort_report(found, catalogue.current())),
        f"cohort-{found.id}-progress.csv",
    )


def page_number() -> int:
    """Return the ?page= number asked for (1 when absent or not a number)."""
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and len(text) < 7 else 1


@bp.get("/cohorts/<int:cohort_id>/trainees/<int:user_id>")
def trainee(cohort_id: int, user_id: int) -> str:
    found = directory.visible_cohort(current_user, cohort_id)
    course = catalogue.current()
    told = story.story(directory.cohort_trainee(found, user_id), course)
    return render_template(
        "progress/story.html",
        cohort=found,
        story=told,
        course=course,
        panels=story.mastery_charts(told, course),
    )


@bp.get("/cohorts/<int:cohort_id>/trends")
def cohort_trends(cohort_id: int) -> str:
    found = directory.visible_cohort(current_user, cohort_id)
    course = catalogue.current()
    measured = trends.trends(found, course)
    reason, sort = request.args.get("reason", ""), request.args.get("sort", "name")
    at_risk = trends.at_risk(measured.report, reason, sort)
    return render_template(
        "progress/trends.html",
        cohort=found,
        trends=measured,
        at_risk=at_risk,
        risk_page=trends.risk_page(at_risk, page_number()),
        reason=reason if reason in trends.REASONS else "",
        sort=sort if sort in trends.SORTS else "name",
        panels=trends.mastery_charts(measured, course),
        completion=trends.completion_chart(measured),
        reasons=trends.REASONS,
        sorts=trends.SORTS,
        bands=trends.BANDS,
        segments=charts.stacked_bar,
    )


@bp.get("/cohorts/<int:cohort_id>/events.csv")
def events_csv(cohort_id: int) -> Response:
    found = directory.visible_cohort(current_user, cohort_id)
    return csv_download(
        stream_with_context(exports.events_csv(found)), f"cohort-{found.id}-events.csv"
    )


@bp.get("/cohorts/<int:cohort_id>/events.jsonl")
def events_jsonl(cohort_id: int) -> Response:
    found = directory.visible_cohort(current_user, cohort_id)
    return Response(
        stream_with_context(exports.events_jsonl(found)),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="cohort-{found.id}-events.jsonl"'},
    )


def csv_download(body: str | Iterator[str], filename: str) -> Response:
    """Send text as a CSV attachment."""
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
