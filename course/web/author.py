"""The instructor's pages: the course's modules and versions, previews, question statistics."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from course.models import Role
from course.services import ServiceError, authoring, catalogue
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


class DraftForm(FlaskForm):
    name = StringField("File", validators=[DataRequired("Name the file."), Length(max=120)])
    source = TextAreaField(
        "Contents",
        validators=[DataRequired("Paste or write the file's contents."), Length(max=200_000)],
    )


@bp.route("/draft", methods=["GET", "POST"])
def draft() -> str:
    form, result = DraftForm(), None
    if request.method == "GET" and (request.args.get("module") or request.args.get("quiz")):
        form.name.data, form.source.data = authoring.draft_source(
            request.args.get("module"), request.args.get("quiz")
        )
    if form.validate_on_submit():
        try:
            result = authoring.check_draft(form.name.data.strip(), form.source.data)
        except ServiceError as error:
            form.name.errors.append(error.message)
    return render_template(
        "author/draft.html", form=form, result=result, course=catalogue.current()
    )


@bp.get("/modules/<slug>/versions")
def versions(slug: str) -> str:
    return render_template(
        "author/versions.html",
        course=catalogue.current(),
        slug=slug,
        versions=authoring.module_versions(slug),
    )


@bp.get("/modules/<slug>/versions/<int:number>")
def version(slug: str, number: int) -> str:
    found = next((v for v in authoring.module_versions(slug) if v.number == number), None)
    if found is None:
        abort(404)
    return render_template(
        "author/version.html", course=catalogue.current(), slug=slug, version=found
    )
