"""Logging in and out, passwords, rate limits, CSRF, security headers."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from course.extensions import db
from course.models import Role, User
from course.services.accounts import hasher
from tests.conftest import PASSWORD, csrf_token, log_in, post_form


def test_login_page_renders_labelled_form(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="login">Email or username</label>' in html
    assert '<label for="password">Password</label>' in html
    assert 'name="csrf_token"' in html


def test_anonymous_is_sent_to_login(client):
    response = client.get("/learn/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_with_email_then_logout(client, create_user):
    user = create_user(Role.TRAINEE)
    response = log_in(client, user)
    assert response.headers["Location"] == "/learn/"  # the trainee's home, not the root
    assert client.get("/").headers["Location"] == "/learn/"
    assert client.get("/learn/").status_code == 200
    response = post_form(client, "/logout", token_from="/learn/")
    assert response.headers["Location"] == "/login"
    assert client.get("/learn/").status_code == 302


def test_login_with_username_records_last_login(client, create_user, ctx):
    user = create_user(Role.INSTRUCTOR, username="dana")
    response = post_form(client, "/login", {"login": "DANA", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/author/"
    assert db.session.get(User, user.id).last_login_at is not None


def test_a_hash_made_with_older_settings_is_renewed_at_login(client, create_user, ctx):
    user = create_user(Role.TRAINEE)
    old = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    db.session.get(User, user.id).password_hash = old
    db.session.commit()
    response = post_form(client, "/login", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    renewed = db.session.get(User, user.id)
    assert renewed.password_hash != old and renewed.last_login_at is not None
    assert not hasher().check_needs_rehash(renewed.password_hash)
    assert hasher().verify(renewed.password_hash, PASSWORD)
    assert client.get("/learn/").status_code in (200, 302)  # signed in: not sent to /login
    assert not client.get("/learn/").headers.get("Location", "").startswith("/login")


def test_login_follows_only_local_next(client, create_user):
    user = create_user()
    ok = post_form(client, "/login?next=/learn/", {"login": user.email, "password": PASSWORD})
    assert ok.headers["Location"] == "/learn/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/learn/")})
    evil = post_form(
        client, "/login?next=//evil.example/x", {"login": user.email, "password": PASSWORD}
    )
    assert evil.headers["Location"] == "/learn/"


def test_no_transaction_is_open_while_a_password_is_hashed(client, create_user, monkeypatch):
    # On SQLite a POST's transaction holds the write lock: a login hashing under it would make
    # every other writer wait the hash out. Checked for a right, a wrong and an unknown login.
    from course.services import accounts

    user = create_user()
    verify, open_during = accounts._verify, []

    def watched(stored: str, password: str) -> bool:
        open_during.append(db.session().in_transaction())
        return verify(stored, password)

    monkeypatch.setattr(accounts, "_verify", watched)
    for login, password in ((user.email, "wrong password!"), ("nobody@example.org", PASSWORD)):
        assert (
            post_form(client, "/login", {"login": login, "password": password}).status_code == 200
        )
    assert (
        post_form(client, "/login", {"login": user.email, "password": PASSWORD}).status_code == 302
    )
    assert open_during == [False, False, False]
    assert client.get("/learn/").status_code == 200  # and the login still took


def test_wrong_password_and_unknown_user_get_the_same_message(client, create_user):
    user = create_user()
    for login in (user.email, "nobody@example.org"):
        response = post_form(client, "/login", {"login": login, "password": "wrong password!"})
        assert response.status_code == 200
        assert "do not match an active account" in response.get_data(as_text=True)


def test_empty_fields_are_named(client):
    html = post_form(client, "/login", {"login": "", "password": ""}).get_data(as_text=True)
    assert "Enter your email or username." in html
    assert "Enter your password." in html
    assert 'aria-invalid="true"' in html


def test_overlong_fields_are_refused_cleanly(client):
    response = post_form(client, "/login", {"login": "a" * 5000, "password": "b" * 5000})
    assert response.status_code == 200
    assert "Field cannot be longer than 254 characters." in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(client, create_user, ctx):
    user = create_user()
    db.session.get(User, user.id).active = False
    db.session.commit()
    response = post_form(client, "/login", {"login": user.email, "password": PASSWORD})
    assert "do not match an active account" in response.get_data(as_text=True)


def test_login_is_rate_limited(client, app):
    limit = int(app.config["RATELIMIT_LOGIN"].split(" ")[0])
    token = csrf_token(client)
    codes = [
        client.post(
            "/login",
            data={"login": f"x{i}@example.org", "password": "nope nope", "csrf_token": token},
        ).status_code
        for i in range(limit + 1)
    ]
    assert codes[:limit] == [200] * limit
    assert codes[-1] == 429
    # the limiter's hooks run only where limits apply (extensions._limit_only_where_limits_apply)
    limited = client.post("/login", data={"login": "x@example.org", "csrf_token": token})
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert "Too many attempts" in client.post("/login", data={"csrf_token": token}).get_data(
        as_text=True
    )


def test_forged_csrf_token_is_rejected(client, create_user):
    user = create_user()
    response = client.post(
        "/login", data={"login": user.email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert "Reload the page and submit it again" in response.get_data(as_text=True)


def test_missing_csrf_token_on_logout_is_rejected(client, create_user):
    log_in(client, create_user())
    assert client.post("/logout").status_code == 400
    assert client.get("/learn/").status_code == 200


def test_session_is_fresh_after_login(client, create_user):
    user = create_user()
    with client.session_transaction() as session:
        session["planted"] = "by attacker"
    log_in(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_change_password(client, create_user, app):
    user = create_user()
    log_in(client, user)
    url = "/account/password"
    bad = post_form(
        client,
        url,
        {"current_password": "not it at all", "new_password": "x" * 12, "confirm": "x" * 12},
    )
    assert "The current password is not right." in bad.get_data(as_text=True)
    short = post_form(
        client, url, {"current_password": PASSWORD, "new_password": "short", "confirm": "short"}
    )
    assert "Use 12 to 256 characters." in short.get_data(as_text=True)
    ok = post_form(
        client,
        url,
        {
            "current_password": PASSWORD,
            "new_password": "a much longer secret",
            "confirm": "a much longer secret",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.id == user.id))
        assert stored.password_hash.startswith("$argon2id$")
    post_form(client, "/logout", token_from="/learn/")
    log_in(client, user, "a much longer secret")


def test_security_headers_and_cookie_flags(client, app):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.test_client().get("/login", base_url="https://localhost")
    session_cookie = [c for c in secure.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert session_cookie and "Secure" in session_cookie[0]
    assert "Strict-Transport-Security" in secure.headers


def test_error_pages_are_friendly(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no page at this address" in response.get_data(as_text=True)


REDIS_SCRIPT = """
import re, sys
from course import create_app
from course.config import test_overrides
from course.extensions import limiter
app = create_app({**test_overrides(sys.argv[1]), "RATELIMIT_STORAGE_URI": sys.argv[2],
                  "RATELIMIT_LOGIN": "2 per minute"})
limiter.reset()
client = app.test_client()
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                  client.get("/login").get_data(as_text=True)).group(1)
print([client.post("/login", data={"csrf_token": token}).status_code for _ in range(3)],
      type(limiter.storage).__name__)
limiter.reset()
"""


def test_rate_limits_sit_only_where_the_limiter_looks(app):
    """The limiter skips requests outside LIMITED_BLUEPRINTS: a limit put on any other route
    would silently never apply, so every limited view must live in one of those blueprints."""
    from pathlib import Path

    from course.extensions import LIMITED_BLUEPRINTS

    web = Path(__file__).resolve().parents[2] / "course" / "web"
    limited = {
        path.relative_to(web).as_posix()
        for path in web.rglob("*.py")
        if "limiter.limit(" in path.read_text()
    }
    assert limited == {"auth.py", "api/__init__.py"}
    assert {app.blueprints[n].name for n in ("auth", "api")} == LIMITED_BLUEPRINTS


def test_rate_limit_can_live_in_redis(tmp_path):
    import subprocess
    import sys

    import redis

    uri = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(uri).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    # A separate process: the limiter is module-level, and must not leave this suite on Redis.
    out = subprocess.run(
        [sys.executable, "-c", REDIS_SCRIPT, f"sqlite:///{tmp_path / 'r.sqlite'}", uri],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split("\n")[0] == "[200, 200, 429] RedisStorage"


def test_password_change_logs_other_browsers_out(create_user, app):
    user = create_user()
    mine, other = app.test_client(), app.test_client()
    log_in(mine, user)
    log_in(other, user)
    post_form(
        mine,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "another long secret",
            "confirm": "another long secret",
        },
    )
    assert mine.get("/learn/").status_code == 200
    assert other.get("/learn/").status_code == 302


def test_deactivation_ends_sessions_at_once(admin, login):
    client, _ = admin
    trainee_client, trainee = login()
    assert trainee_client.get("/learn/").status_code == 200
    post_form(client, f"/admin/users/{trainee.id}/active")
    assert trainee_client.get("/learn/").status_code == 302
