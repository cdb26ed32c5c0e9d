"""The instructor's pages: modules, quizzes, question statistics."""

from flask import Blueprint, render_template

from course.models import Role
from course.web import audience

bp = audience(Blueprint("author", __name__, url_prefix="/author"), Role.INSTRUCTOR, Role.ADMIN)


@bp.get("/")
def index() -> str:
    return render_template("author/index.html")
