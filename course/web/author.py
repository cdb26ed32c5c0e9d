"""The instructor's pages: the course's modules and versions, previews, question statistics."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from course.models import Role
from course.services import authoring, catalogue
from course.web import audience

bp = audience(Blueprint("author", __name__, url_prefix="/author"), Role.INSTRUCTOR, Role.ADMIN)


@bp.get("/")
def index() -> str:
    course = catalogue.current()
    return render_template("author/index.html", course=course, rows=authoring.overview(course))


@bp.get("/modules/<slug>")
def module(slug: str) -> str:
    course = catalogue.current()
    info, version = course.module(slug), catalogue.module_version(slug)
    if info is None or version is None:
        abort(404)
    return render_template("author/module.html", course=course, info=info, version=version)


@bp.get("/quizzes/<slug>")
def quiz(slug: str) -> str:
    return render_template(
        "author/quiz.html", course=catalogue.current(), report=authoring.quiz_report(slug)
    )
