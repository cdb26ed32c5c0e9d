"""The site root: send each role to its own home."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from course.models import Role
from course.web import audience

bp = audience(Blueprint("home", __name__), *Role)

HOMES = {Role.TRAINEE: "learn.path", Role.INSTRUCTOR: "author.index", Role.ADMIN: "admin.index"}


@bp.get("/")
def index() -> Response:
    return redirect(url_for(HOMES[current_user.role]))
