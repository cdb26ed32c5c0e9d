"""Concurrent requests: a double-submitted answer is recorded once; SQLite never says 'locked'."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select, text

from course.extensions import db
from course.models import Answer, Event, User
from tests.conftest import post_form


def test_concurrent_identical_answers_record_once(trainee, course, app, query):
    client, _ = trainee
    url = post_form(
        client, "/learn/quizzes/basics-one-quiz/start", token_from="/learn/quizzes/basics-one-quiz"
    ).headers["Location"]
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    cookie = client.get_cookie("session").value
    barrier, codes = threading.Barrier(4), []

    def submit() -> None:
        twin = app.test_client()
        twin.set_cookie("session", cookie)
        barrier.wait()
        codes.append(
            twin.post(url, data={"step": "first", "choice": "a", "csrf_token": token}).status_code
        )

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert codes == [302] * 4
    assert query(select(func.count()).select_from(Answer)) == 1
    assert query(select(func.count()).select_from(Event).where(Event.kind == "choice-made")) == 1


def test_sqlite_read_then_write_transactions_do_not_fail_under_threads(app, create_user):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite locking only")
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    user = create_user()
    errors: list[Exception] = []
    barrier = threading.Barrier(6)

    def read_then_write() -> None:
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(10):
                    name = db.session.scalar(select(User.display_name).where(User.id == user.id))
                    db.session.get(User, user.id).display_name = name + "."
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - the test reports any failure
                errors.append(error)

    threads = [threading.Thread(target=read_then_write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with app.app_context():
        assert db.session.get(User, user.id).display_name.endswith("." * 60)


def admins_at_once(login, action: str, data: dict) -> list:  # noqa: ANN001
    """Two administrators post the same action on each other's account at the same moment;
    return both responses."""
    from course.models import Role

    (one, first), (two, second) = login(Role.ADMIN), login(Role.ADMIN)
    urls = {one: f"/admin/users/{second.id}/{action}", two: f"/admin/users/{first.id}/{action}"}
    tokens = {
        client: re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"',
            client.get(url).get_data(as_text=True),
        ).group(1)
        for client, url in urls.items()
    }
    barrier, responses = threading.Barrier(2), []

    def post(client) -> None:  # noqa: ANN001
        barrier.wait()
        responses.append(client.post(urls[client], data={**data, "csrf_token": tokens[client]}))

    threads = [threading.Thread(target=post, args=(c,)) for c in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return responses


def active_admins(query) -> int:  # noqa: ANN001
    from course.models import Role

    return query(select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active))


def test_two_admins_deactivating_each_other_at_once_leave_one(login, app, query):
    responses = admins_at_once(login, "active", {})
    assert [r.status_code for r in responses] == [302, 302]
    assert active_admins(query) == 1


def test_two_admins_demoting_each_other_at_once_leave_one(login, app, query):
    from course.models import AuditEntry

    responses = admins_at_once(login, "role", {"role": "instructor"})
    outcomes = [
        "refused"
        if "last active administrator" in r.get_data(as_text=True)
        # demoted first, so logged out before their own change ran
        else r.headers.get("Location", "").split("?")[0]
        for r in responses
    ]
    assert active_admins(query) == 1
    assert sorted(outcomes) in (["/admin/users", "refused"], ["/admin/users", "/login"])
    assert query(select(func.count()).select_from(AuditEntry).where(AuditEntry.actor_id > 0)) == 1
