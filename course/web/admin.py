"""The administrator's pages: users, cohorts, progress."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from course.models import Role
from course.services import ServiceError, accounts, directory
from course.web import audience
from course.web.forms import ConfirmForm

bp = audience(Blueprint("admin", __name__, url_prefix="/admin"), Role.ADMIN)


class UserForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter an email address."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
    )
    username = StringField(
        "Username",
        validators=[
            Optional(),
            Length(max=64),
            Regexp(
                r"^[a-z0-9._-]+$", message="Use lowercase letters, digits, dot, dash or underscore."
            ),
        ],
    )
    display_name = StringField(
        "Display name", validators=[DataRequired("Enter a name."), Length(max=120)]
    )
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])
    password = PasswordField(
        "Initial password",
        validators=[
            DataRequired("Enter an initial password."),
            Length(
                min=accounts.MIN_PASSWORD,
                max=accounts.MAX_PASSWORD,
                message=f"Use {accounts.MIN_PASSWORD} to {accounts.MAX_PASSWORD} characters.",
            ),
        ],
    )


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html", summary=directory.summary())


@bp.route("/users", methods=["GET", "POST"])
def users() -> str | Response:
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.email.data,
                form.display_name.data,
                form.role.data,
                form.password.data,
                form.username.data or None,
            )
        except ServiceError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            flash(f"Account created for {user.display_name} ({user.role.label}).", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/users.html", form=form, users=directory.users(), confirm=ConfirmForm()
    )


@bp.post("/users/<int:user_id>/active")
def toggle_active(user_id: int) -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = directory.toggle_active(user_id, acting_user_id=_me())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(
                f"{user.display_name} is now {'active' if user.active else 'deactivated'}.",
                "success",
            )
    return redirect(url_for("admin.users"))


@bp.get("/cohorts")
def cohorts() -> str:
    return render_template("admin/cohorts.html", cohorts=directory.cohorts())


def _me() -> int:
    return int(current_user.id)
