"""HTTP hardening: secure cookies over TLS, security headers, the user loader."""

from __future__ import annotations

import time
from functools import cache

from flask import (
    Flask,
    current_app,
    flash,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user
from sqlalchemy import Select, bindparam, select
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from course.extensions import db, login_manager
from course.services import catalogue, learning

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def add_headers(response: Response) -> Response:
    """Add the security headers to every response; signed-in pages are never stored."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    if "_user_id" in session:  # the cookie alone: this must work with the database down
        response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


@login_manager.user_loader
def load_user(session_id: str) -> object:
    """Load the user of a session cookie, if its token is still the account's current one. The
    same query reads the content revision, which most pages then need (catalogue.current)."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    query, width = _user_query()
    row = db.session.execute(query, {"user_id": int(user_id)}).one_or_none()
    if row is None:
        return None
    user, *columns = row
    catalogue.remember_revision(tuple(columns[:width]))
    if user.session_token != token:
        return None
    if has_request_context() and request.method in READS:  # a request that writes may not reuse
        learning.remember_learner(user.id, columns[width:])  # figures read before it
    return user


READS = frozenset({"GET", "HEAD"})


@cache
def _user_query() -> tuple[Select, int]:
    """Build load_user()'s query once per process: the user, the content revision and the
    trainee's figures (learning.learner), so that a trainee's page reads all three at once.
    Returns the query and how many of its columns after the user are the revision."""
    from course.models import User

    revision = catalogue.revision_columns()
    query = select(User, *revision, *learning.learner_columns())
    return query.where(User.id == bindparam("user_id")), len(revision)


SEEN_EVERY = 60  # seconds: how often the last-seen time in the cookie is refreshed


def start_session() -> None:
    """Stamp a new login with its start time (for the absolute lifetime)."""
    session["login_at"] = session["seen_at"] = int(time.time())


def enforce_lifetimes() -> Response | None:
    """End a session that has been idle, or alive, longer than the configured limits."""
    if not current_user.is_authenticated:
        return None
    if "login_at" not in session:  # a session from before lifetimes were kept: start counting
        start_session()
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    login_at, seen_at = session.get("login_at", 0), session.get("seen_at", 0)
    if now - seen_at > idle or now - login_at > absolute:
        logout_user()
        session.clear()
        flash("Your session has ended. Please log in again.", "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if now - seen_at >= SEEN_EVERY:
        session["seen_at"] = now
    return None


def forget_remembered() -> None:
    """Drop what an earlier request read alongside its user (the content revision, the trainee's
    figures): a new request reads them afresh with its own user."""
    catalogue.forget_revision()
    learning.forget_learner()


def init_app(app: Flask) -> None:
    """Install the session interface, the headers and, behind a proxy, ProxyFix."""
    app.session_interface = SessionInterface()
    app.before_request(forget_remembered)  # before the user (and what comes with it) is loaded
    app.before_request(enforce_lifetimes)
    app.after_request(add_headers)
    if app.config.get("TRUST_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
