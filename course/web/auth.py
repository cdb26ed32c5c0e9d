"""Log in, log out, change password, personal access tokens for the API."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from course.extensions import limiter
from course.models import Role
from course.models.types import utcnow
from course.security import start_session
from course.services import ServiceError, accounts, links, throttle, tokens
from course.web import audience, public, reads_first
from course.web.forms import ConfirmForm, new_password_field
from course.web.home import HOMES

bp = audience(Blueprint("auth", __name__), *Role)


class LoginForm(FlaskForm):
    login = StringField(
        "Email or username",
        validators=[DataRequired("Enter your email or username."), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=accounts.MAX_PASSWORD)],
    )


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Name the token after what will use it."), Length(max=80)],
    )
    role = SelectField("Acts as")
    days = SelectField(
        "Expires after",
        choices=[SelectChoice(str(d), f"{d} days") for d in tokens.LIFETIMES],
        default="90",
    )

    def __init__(self, user: object) -> None:
        super().__init__()
        self.role.choices = [SelectChoice(r.value, r.label) for r in tokens.ALLOWED[user.role]]


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password = new_password_field("New password", "Enter a new password.")
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("new_password", "The two new passwords differ."),
        ],
    )


class SetPasswordForm(FlaskForm):
    new_password = new_password_field("New password", "Enter a new password.")
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("new_password", "The two new passwords differ."),
        ],
    )


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _safe_next(target: str | None) -> str:
    """Return a same-site path to go to after login, judged as a browser would read it.

    Browsers drop tabs and newlines anywhere, trim control characters and spaces at the ends and
    read a backslash as a slash, so the check is made on the URL after those steps: no scheme, no
    host, one leading slash. Anything else goes home: the signed-in user's own home page, not the
    site root that would only redirect there (one request fewer on every login).
    """
    signed_in = current_user.is_authenticated
    home = url_for(HOMES[current_user.role] if signed_in else "home.index")
    if not target:
        return home
    cleaned = re.sub(r"[\t\n\r]", "", target).strip("".join(map(chr, range(33))))
    cleaned = cleaned.replace("\\", "/")
    if any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        return home
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return home
    return cleaned


@bp.route("/login", methods=["GET", "POST"])
@public
@reads_first  # the throttle's counts and the account are read before the lock (on SQLite)
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        keys = (throttle.account_key(form.login.data), f"address:{request.remote_addr}")
        delay = throttle.wait(keys)
        if delay:
            form.login.errors.append(_too_many(delay))
            return render_template("auth/login.html", form=form), 429
        user = accounts.authenticate(form.login.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session on login: no fixation
            login_user(user)
            start_session()
            return redirect(_safe_next(request.args.get("next")))
        throttle.failed(keys)
        form.login.errors.append("That email/username and password do not match an active account.")
    return render_template("auth/login.html", form=form)


def _too_many(seconds: int) -> str:
    """Say how long to wait after too many failed attempts."""
    wait = f"{seconds} seconds" if seconds < 120 else f"{(seconds + 59) // 60} minutes"
    return f"Too many failed attempts for this account or address. Try again in {wait}."


@bp.post("/logout")
@login_required
def logout() -> Response:
    accounts.end_sessions(current_user._get_current_object())  # a copied cookie dies too
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> str | Response | tuple[str, int]:
    form = PasswordForm()
    if form.validate_on_submit():
        key = f"password:{current_user.id}"
        delay = throttle.wait([key])
        if delay:
            form.current_password.errors.append(_too_many(delay))
            return render_template("auth/password.html", form=form), 429
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ServiceError as error:
            if error.field == "current_password":
                throttle.failed([key])
            getattr(form, error.field or "new_password").errors.append(error.message)
        else:
            login_user(current_user._get_current_object())  # this browser stays signed in
            flash(
                "Your password is changed. Any other browser signed in as you is logged out.",
                "success",
            )
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/account/set-password/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def set_password(token: str) -> str | Response | tuple[str, int]:
    holder = links.holder(token)
    if holder is None:
        return render_template("auth/set_password.html", form=None, error=links.EXPIRED), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            links.redeem(token, form.new_password.data)
        except ServiceError as error:
            form.new_password.errors.append(error.message)
        else:
            logout_user()
            session.clear()
            flash("Your password is set. Log in with your email and the new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=holder)


@bp.route("/account/tokens", methods=["GET", "POST"])
def api_tokens() -> str:
    user = current_user._get_current_object()
    form = TokenForm(user)
    if form.validate_on_submit():
        try:
            token, secret = tokens.create(user, form.name.data, form.role.data, int(form.days.data))
        except ServiceError as error:
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            return render_template("auth/token_issued.html", token=token, secret=secret)
    return render_template(
        "auth/tokens.html",
        form=form,
        tokens=tokens.owned(user),
        now=utcnow(),
    )


@bp.get("/account/tokens/<int:token_id>/revoke")
def confirm_revoke_api_token(token_id: int) -> str:
    token = tokens.get(current_user._get_current_object(), token_id)
    return render_template(
        "admin/confirm.html",
        title=f"Revoke the token {token.name}?",
        message="Whatever uses it will be refused from now on. This cannot be undone: "
        "to give it access again, create a new token.",
        button="Revoke token",
        back=url_for("auth.api_tokens"),
        form=ConfirmForm(),
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_api_token(token_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        token = tokens.revoke(current_user._get_current_object(), token_id)
        flash(f"Token {token.name} is revoked: it no longer works.", "success")
    else:
        flash("The form expired. Try again.", "error")
    return redirect(url_for("auth.api_tokens"))
