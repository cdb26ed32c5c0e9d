"""Failed logins are counted per account and per address in the shared database, with a back-off
that always ends; the current-password check is throttled the same way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from course import create_app, sqlite
from course.extensions import db, dispose_engines, limiter
from course.models import LoginFailure, Role
from course.services import throttle
from tests.conftest import PASSWORD, csrf_token, post_form, transactions


def attempt(client, login: str, password: str, address: str = "10.0.0.1"):  # noqa: ANN001, ANN201
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def age_failures(app, by: timedelta) -> None:  # noqa: ANN001
    with app.app_context():
        for row in db.session.scalars(select(LoginFailure)):
            row.at -= by
        db.session.commit()


def test_an_account_backs_off_whatever_the_address_or_server(create_user, app) -> None:  # noqa: ANN001
    user = create_user(Role.TRAINEE)
    client = app.test_client()
    for n in range(throttle.FREE["account"]):
        assert attempt(client, user.email, "wrong password!", f"10.0.0.{n}").status_code == 200
    # a second server process sharing the database sees the same count
    second = create_app({**app.config, "TESTING": True})
    refused = attempt(second.test_client(), user.email, PASSWORD, "10.9.9.9")
    with second.app_context():
        dispose_engines()
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.get_data(as_text=True)
    age_failures(app, timedelta(seconds=2))  # the first back-off is a second: then it ends
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_the_back_off_is_capped_so_a_victim_is_never_locked_out_for_good(create_user, app) -> None:  # noqa: ANN001
    user = create_user(Role.TRAINEE)
    with app.app_context():
        keys = [throttle.account_key(user.email)]
        for _ in range(40):
            throttle.failed(keys)
        assert 0 < throttle.wait(keys) <= throttle.LONGEST.total_seconds()
        for _ in range(throttle.CAP):
            throttle.failed(keys)
        assert throttle.wait(keys) <= throttle.WINDOW.total_seconds()
    age_failures(app, throttle.WINDOW)
    limiter.reset()
    assert attempt(app.test_client(), user.email, PASSWORD).status_code == 302


def test_an_address_backs_off_across_accounts(create_user, app) -> None:  # noqa: ANN001
    user = create_user(Role.TRAINEE)
    with app.app_context():
        for n in range(throttle.FREE["address"]):
            throttle.failed(["address:10.1.1.1", throttle.account_key(f"u{n}@example.org")])
    assert attempt(app.test_client(), user.email, PASSWORD, "10.1.1.1").status_code == 429
    assert attempt(app.test_client(), user.email, PASSWORD, "10.1.1.2").status_code == 302


def test_the_current_password_check_is_throttled(login, app) -> None:  # noqa: ANN001
    client, _ = login(Role.TRAINEE)
    fields = {"new_password": "a brand new password", "confirm": "a brand new password"}
    codes = [
        post_form(
            client, "/account/password", {"current_password": "wrong wrong", **fields}
        ).status_code
        for _ in range(throttle.FREE["password"] + 1)
    ]
    assert codes == [200] * throttle.FREE["password"] + [429]
    right = post_form(client, "/account/password", {"current_password": PASSWORD, **fields})
    assert right.status_code == 429  # even the right password waits out the back-off


def test_a_right_password_clears_the_account_s_failures_in_the_login_s_one_commit(
    create_user,  # noqa: ANN001
    app,  # noqa: ANN001
) -> None:
    user = create_user(Role.TRAINEE)
    client = app.test_client()
    for _ in range(throttle.FREE["account"] - 1):
        assert attempt(client, user.email, "wrong password!").status_code == 200
    with transactions(app) as seen:  # the statements run, and "COMMIT" where each ended
        assert attempt(client, user.email, PASSWORD).status_code == 302
    ended = " ".join(seen).split("COMMIT")
    writing = [t.split() for t in ended if {"INSERT", "UPDATE", "DELETE"} & set(t.split())]
    # the login's stamp and the cleared failures together, in the one transaction that writes
    assert len(writing) == 1, seen
    assert {"UPDATE", "DELETE"} <= set(writing[0]), seen
    with app.app_context():
        left = db.session.scalars(select(LoginFailure.key)).all()
    assert left == ["address:10.0.0.1"] * (throttle.FREE["account"] - 1)  # the address's stay


def test_a_login_takes_sqlite_s_write_lock_once_and_not_for_its_reads(
    create_user,  # noqa: ANN001
    app,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock")
    user = create_user(Role.TRAINEE)
    client = app.test_client()
    taken: list[bool] = []
    take = sqlite.begin_immediate

    def counted(raw, *args):  # noqa: ANN001, ANN002, ANN202
        taken.append(True)
        return take(raw, *args)

    monkeypatch.setattr(sqlite, "begin_immediate", counted)
    for password, status in (("wrong password!", 200), (PASSWORD, 302)):
        token = csrf_token(client, "/login")  # a GET: never the write lock
        taken.clear()
        answer = client.post(
            "/login", data={"login": user.email, "password": password, "csrf_token": token}
        )
        assert (answer.status_code, len(taken)) == (status, 1)  # the failure, or the stamp
