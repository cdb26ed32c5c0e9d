"""HTTP hardening: secure cookies over TLS, security headers, the user loader."""

from __future__ import annotations

import time
from functools import cache

from flask import (
    Flask,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user, logout_user
from itsdangerous import BadSignature
from sqlalchemy import bindparam, select
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Request, Response

from course.extensions import db, login_manager
from course.prepared import Prepared, attach, columns_of
from course.services import catalogue, learning, scenarios

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over TLS, and check each cookie's
    signature once per process: a browser sends the same cookie with every request until the
    session changes, and checking it (key derivation, HMAC, base64, zlib) cost more than many a
    page's own work. A cookie checked before is read from what that check found, under the same
    keys and the same age limit; a cookie never seen is checked in full."""

    def __init__(self) -> None:
        # (keys, cookie) -> the cookie's payload as the session serializer writes it, and when
        # it was signed: the cookies this process has checked.
        self._checked: dict[tuple[tuple, str], tuple[str, float]] = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie or not app.secret_key:
            return super().open_session(app, request)
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._checked.get((keys, cookie))
        if found is None:
            try:  # Flask's own serializer, under the app's current keys
                data, signed = self.get_signing_serializer(app).loads(  # type: ignore[union-attr]
                    cookie, return_timestamp=True
                )
            except BadSignature:
                return self.session_class()  # never remembered
            if len(self._checked) >= 4096:
                self._checked.clear()
            found = self._checked[(keys, cookie)] = (
                self.serializer.dumps(data),
                signed.timestamp(),
            )
        payload, signed_at = found
        age = time.time() - signed_at
        if not 0 <= age <= app.permanent_session_lifetime.total_seconds():
            return self.session_class()  # what itsdangerous does with an expired signature
        return self.session_class(self.serializer.loads(payload))


CSRF_REUSE = 300  # seconds: how long one process serves a session the same signed CSRF token
_csrf_tokens: dict[tuple[str, str], tuple[str, float]] = {}


def reuse_csrf_token() -> None:
    """Serve the signed CSRF token this process made for the session in the last few minutes,
    instead of signing its raw token again for every page (Flask-WTF's generate_csrf() takes a
    token already in `g`). The token is as Flask-WTF makes it, only up to CSRF_REUSE seconds
    older, well inside WTF_CSRF_TIME_LIMIT."""
    name = current_app.config["WTF_CSRF_FIELD_NAME"]
    raw = session.get(name)
    if raw is None:
        return
    found = _csrf_tokens.get((current_app.secret_key, raw))
    if found is not None and time.time() - found[1] < CSRF_REUSE:
        setattr(g, name, found[0])


def keep_csrf_token(response: Response) -> Response:
    """Remember the signed CSRF token a page made, for reuse_csrf_token()."""
    name = current_app.config["WTF_CSRF_FIELD_NAME"]
    token, raw = g.get(name), session.get(name)
    key = (current_app.secret_key, raw)
    if token is not None and raw is not None and key not in _csrf_tokens:
        if len(_csrf_tokens) >= 4096:
            _csrf_tokens.clear()
        _csrf_tokens[key] = (token, time.time())
    return response


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
    same query reads the content revision, which most pages then need (catalogue.current), and
    the trainee's figures (learning.learner). It runs on every request, so it is compiled once
    and run as driver SQL (course.prepared)."""
    from course.models import User

    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    reading = has_request_context() and request.method in READS  # a request that writes may
    resume = reading and request.endpoint in RESUME_PAGES  # not reuse figures read before it
    query, keys, width, figures = _user_query(resume)
    row = query.one_or_none(db.session, user_id=int(user_id))
    if row is None:
        return None
    user = attach(db.session, User, dict(zip(keys, row[: len(keys)], strict=True)))
    columns = row[len(keys) :]
    catalogue.remember_revision(tuple(columns[:width]))
    if user.session_token != token:
        return None
    if reading:
        learning.remember_learner(user.id, columns[width : width + figures])
    if resume:
        scenarios.carry_unfinished(user.id, columns[width + figures :])
    return user


READS = frozenset({"GET", "HEAD"})
RESUME_PAGES = frozenset({"learn.path"})  # pages that offer to resume an unfinished attempt


@cache
def _user_query(resume: bool = False) -> tuple[Prepared, tuple[str, ...], int, int]:
    """Build load_user()'s query once per process: the user's columns, the content revision and
    the trainee's figures (learning.learner), so that a trainee's page reads all three at once;
    with `resume`, also the unfinished attempts (scenarios.unfinished), for My path. Returns the
    query, the User attribute of each of the user's columns (the row's first), and how many of
    the columns after them are the revision, then the figures."""
    from course.models import User

    revision = catalogue.revision_columns()
    figures = learning.learner_columns()
    own, keys = columns_of(User)
    extra = scenarios.unfinished_columns() if resume else ()
    query = select(*own, *revision, *figures, *extra)
    query = query.where(User.__table__.c.id == bindparam("user_id"))
    return Prepared(query, {"user_id": 0}), keys, len(revision), len(figures)


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
    scenarios.forget_unfinished()


def init_app(app: Flask) -> None:
    """Install the session interface, the headers and, behind a proxy, ProxyFix."""
    app.session_interface = SessionInterface()
    app.before_request(forget_remembered)  # before the user (and what comes with it) is loaded
    app.before_request(enforce_lifetimes)
    app.before_request(reuse_csrf_token)
    app.after_request(keep_csrf_token)
    app.after_request(add_headers)
    if app.config.get("TRUST_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
