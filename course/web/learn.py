"""The trainee's pages: my path, the module reader, the scenario player."""

from flask import Blueprint, render_template

from course.models import Role
from course.web import audience

bp = audience(Blueprint("learn", __name__, url_prefix="/learn"), Role.TRAINEE)


@bp.get("/")
def path() -> str:
    return render_template("learn/path.html")
