"""Cohort progress, read-only: administrators see every cohort, instructors their own."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from course.models import Role
from course.services import catalogue, directory, reports
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


def csv_download(body: str, filename: str) -> Response:
    """Send text as a CSV attachment."""
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
