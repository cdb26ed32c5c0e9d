"""The trainee's pages: welcome, my path, the module reader, the scenario player, attempts."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from course import content
from course.models import Role
from course.services import ServiceError, catalogue, learning, scenarios
from course.web import audience
from course.web.forms import ConfirmForm
from course.web.player import AnswerForm, read_response

bp = audience(Blueprint("learn", __name__, url_prefix="/learn"), Role.TRAINEE)


@bp.get("/")
def path() -> str | Response:
    course = catalogue.current()
    who = learning.learner(current_user.id)
    if not who.started and course.placement_slug:
        return redirect(url_for("learn.welcome"))
    view = learning.my_path(current_user, course, who)
    resume = scenarios.unfinished(current_user) if who.unfinished else None
    return render_template("learn/path.html", course=course, path=view, resume=resume)


@bp.get("/welcome")
def welcome() -> str:
    return render_template("learn/welcome.html", course=catalogue.current(), form=ConfirmForm())


@bp.post("/welcome/skip")
def skip_placement() -> Response:
    if ConfirmForm().validate_on_submit():
        learning.skip_placement(current_user, catalogue.current())
        flash("You can take the placement check later from My path.", "info")
    return redirect(url_for("learn.path"))


@bp.get("/modules")
def modules() -> str:
    course = catalogue.current()
    return render_template(
        "learn/modules.html", course=course, path=learning.my_path(current_user, course)
    )


@bp.get("/modules/<slug>")
def module(slug: str) -> str:
    course = catalogue.current()
    page = learning.module_page(current_user, slug, course)
    if page is None:
        abort(404)
    return render_template(
        "learn/module.html",
        course=course,
        page=page,
        served=int(datetime.now(UTC).timestamp()),
    )


@bp.post("/modules/<slug>/complete")
def complete(slug: str) -> Response:
    course = catalogue.current()
    info = course.module(slug) or abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            learning.complete_module(current_user, slug, course, _served_at())
        except learning.Locked as error:
            flash(error.message, "warning")
            return redirect(url_for("learn.module", slug=slug))
        if info.quiz_slug:
            return redirect(url_for("learn.quiz", slug=info.quiz_slug))
    return redirect(url_for("learn.path"))


def _served_at() -> datetime | None:
    """Return when the module page was served, from its form (None if missing or garbled)."""
    value = request.form.get("served", "")
    if not value.isdigit() or len(value) > 12:
        return None
    return datetime.fromtimestamp(int(value), UTC)


@bp.get("/quizzes/<slug>")
def quiz(slug: str) -> str:
    intro = scenarios.intro(current_user, slug, catalogue.current())
    return render_template("learn/quiz.html", intro=intro, form=ConfirmForm())


@bp.post("/quizzes/<slug>/start")
def start(slug: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("learn.quiz", slug=slug))
    try:
        attempt_id = scenarios.start(current_user, slug, catalogue.current())
    except ServiceError as error:
        flash(error.message, "warning")
        return redirect(url_for("learn.quiz", slug=slug))
    return redirect(url_for("learn.attempt", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>")
def attempt(attempt_id: int) -> str:
    played = scenarios.load(current_user, attempt_id)
    if played.attempt.status == "finished":
        course = catalogue.current()
        return render_template(
            "learn/result.html",
            played=played,
            course=course,
            review=scenarios.review(played),
            path=learning.my_path(current_user, course),
        )
    return render_template("learn/step.html", played=played, form=AnswerForm(step=played.step.id))


@bp.post("/attempts/<int:attempt_id>")
def answer(attempt_id: int) -> str | Response:
    played = scenarios.load(current_user, attempt_id, lock=True)
    form = AnswerForm()
    if not form.validate_on_submit() or played.step is None or form.step.data != played.step.id:
        scenarios.release()
        return redirect(url_for("learn.attempt", attempt_id=attempt_id))  # stale or replayed
    try:
        response = read_response(played.step, request.form)
        played, position = scenarios.answer(
            current_user, attempt_id, form.step.data, response, catalogue.current(), played
        )
    except (ValueError, content.InvalidResponse) as error:
        return render_template("learn/step.html", played=played, form=form, error=str(error)), 422
    if position is not None and played.quiz.feedback == "immediate":
        return redirect(url_for("learn.feedback", attempt_id=attempt_id, position=position))
    return redirect(url_for("learn.attempt", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/feedback/<int:position>")
def feedback(attempt_id: int, position: int) -> str:
    played = scenarios.load(current_user, attempt_id)
    if played.quiz.feedback != "immediate" and played.attempt.status != "finished":
        abort(404)
    item = scenarios.reviewed_answer(played, position)
    return render_template("learn/feedback.html", played=played, item=item)


@bp.get("/attempts")
def history() -> str:
    return render_template("learn/history.html", rows=scenarios.history(current_user))
