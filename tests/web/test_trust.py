"""Sessions that end, redirects that stay home, names that cannot disguise, pages not stored."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest

from course import security
from course.models import Role
from tests.conftest import PASSWORD, csrf_token, post_form


def cookie_of(client) -> str:  # noqa: ANN001
    return client.get_cookie("session").value


def test_logout_ends_the_session_on_the_server(login, app) -> None:  # noqa: ANN001
    client, _ = login(Role.TRAINEE)
    copied = cookie_of(client)
    post_form(client, "/logout", token_from="/learn/")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/learn/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("setting", "age"), [("idle", 61 * 60), ("absolute", 13 * 3600)])
def test_sessions_end_when_idle_or_old(login, setting, age) -> None:  # noqa: ANN001
    client, _ = login(Role.TRAINEE)
    assert client.get("/learn/").status_code in (200, 302)
    with client.session_transaction() as session:
        if setting == "idle":
            session["seen_at"] -= age
        else:
            session["login_at"] -= age
            session["seen_at"] = int(time.time())
    response = client.get("/learn/modules")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/learn/modules").status_code == 302  # and it stays ended


def test_authenticated_pages_are_not_stored(login, client) -> None:  # noqa: ANN001
    trainee, _ = login(Role.TRAINEE)
    assert trainee.get("/learn/modules").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")


def redirect_variants() -> list[str]:
    """Return next= values a browser could read as another site, built from pieces."""
    hosts = ["evil.example", "evil.example:443", "@evil.example", "127.0.0.1.evil.example"]
    starts = ["//", "\\\\", "/\\", "\\/", "/\t/", "/\n/", " //", "\x00//", "\x1f//", "\t//"]
    schemes = ["https:", "http:", "javascript:", "JaVaScRiPt:", "data:", " https:", "https:/"]
    found = [start + host for start in starts for host in hosts]
    found += [scheme + "//" + host for scheme in schemes for host in hosts]
    found += ["javascript:alert(1)", "https:evil.example", "\\\\evil.example\\x", "///evil.example"]
    found += ["/\\/evil.example", "/ /evil.example".replace(" ", "\t"), "\r\n//evil.example"]
    return found


@pytest.mark.parametrize("target", redirect_variants())
def test_login_never_redirects_off_site(create_user, app, target) -> None:  # noqa: ANN001
    user = create_user(Role.TRAINEE)
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"login": user.email, "password": PASSWORD, "csrf_token": token},
    )
    if "\x00" in target:  # a NUL byte is refused before anything else
        assert response.status_code == 400
        return
    assert response.status_code == 302
    location = response.headers["Location"]
    resolved = urlsplit(urljoin("http://localhost/login", location))
    assert (resolved.scheme, resolved.netloc) == ("http", "localhost"), (target, location)
    assert not any(ord(c) < 32 for c in location)


def test_login_keeps_a_same_site_next(create_user, app) -> None:  # noqa: ANN001
    user = create_user(Role.TRAINEE)
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": "/learn/modules?x=1"},
        data={"login": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/learn/modules?x=1"


@pytest.mark.parametrize(
    "name", ["Eve\u202egnp.exe", "Zero\u200bWidth", "Tab\tName", "Bell\x07", "Iso\u2067late"]
)
def test_display_names_cannot_disguise(admin, name) -> None:  # noqa: ANN001
    client, _ = admin
    response = post_form(
        client,
        "/admin/users",
        {
            "email": "new.officer@example.org",
            "display_name": name,
            "role": "trainee",
            "password": "a-long-enough-password",
        },
    )
    assert response.status_code == 200
    assert "no control or invisible characters" in response.get_data(as_text=True)


def later(monkeypatch, seconds: float) -> None:  # noqa: ANN001
    """Move the clock every part of the app reads `seconds` ahead."""
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + seconds)


def test_a_cookie_checked_before_still_expires(login, app, monkeypatch) -> None:  # noqa: ANN001
    client, _ = login(Role.TRAINEE)
    assert client.get("/learn/modules").status_code == 200  # the cookie is now known
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=60))
    later(monkeypatch, 120)  # older than the cookie lifetime, inside the idle limit
    response = client.get("/learn/modules")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_cookie_checked_before_needs_a_current_key(login, app, monkeypatch) -> None:  # noqa: ANN001
    client, _ = login(Role.TRAINEE)
    assert client.get("/learn/modules").status_code == 200
    old, cookie = app.config["SECRET_KEY"], cookie_of(client)
    monkeypatch.setitem(app.config, "SECRET_KEY", "a rotated key")
    assert client.get("/learn/modules").status_code == 302  # signed under a key now unknown
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [old])
    client.set_cookie("session", cookie)  # the refusal above replaced it
    assert client.get("/learn/modules").status_code == 200  # the old key kept as a fallback


def test_a_tampered_cookie_is_refused_after_the_real_one(login, app) -> None:  # noqa: ANN001
    client, _ = login(Role.TRAINEE)
    assert client.get("/learn/modules").status_code == 200
    real = cookie_of(client)
    forged = real[:-5] + ("A" if real[-5] != "A" else "z") + real[-4:]  # in the signature
    thief = app.test_client()
    thief.set_cookie("session", forged)
    assert thief.get("/learn/modules").status_code == 302


def test_csrf_tokens_are_reused_briefly_and_stay_valid(login, app, monkeypatch) -> None:  # noqa: ANN001
    client, _ = login(Role.TRAINEE)
    first = csrf_token(client, "/learn/modules")
    assert csrf_token(client, "/learn/") == first  # signed once, served again
    other, _ = login(Role.TRAINEE)
    assert csrf_token(other, "/learn/modules") != first  # each session has its own
    later(monkeypatch, security.CSRF_REUSE + 1)
    fresh = csrf_token(client, "/learn/modules")
    assert fresh != first  # signed again once the reuse window has passed
    for token in (first, fresh):  # both are still inside Flask-WTF's time limit
        response = client.post("/learn/welcome/skip", data={"csrf_token": token})
        assert response.status_code == 302
    assert client.post("/learn/welcome/skip", data={"csrf_token": "x" + fresh}).status_code == 400
