"""Rows read as driver SQL (course.prepared) are the rows the ORM would read, and the objects
built from them (the session's user, an attempt and its quiz version) behave as the ORM's."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import event, inspect
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import NotFound

from course import prepared, security
from course.extensions import db
from course.models import CohortRule, User
from course.services import accounts, scenarios
from tests.conftest import post_form
from tests.web.test_learn import play, start


def test_the_users_row_is_the_one_the_orm_reads(app, trainee, course) -> None:  # noqa: ANN001
    client, user = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    play(client, start(client))  # a stored engine state (JSON) and reading time
    with app.app_context():
        cohort = accounts.create_cohort(
            "Prepared", trainees=[db.session.get(User, user.id)], target_date=date(2027, 1, 15)
        )
        rule = CohortRule(module_slug="basics-one", kind="required")
        cohort.rules.append(rule)
        db.session.commit()
        line = f"{rule.id}:required:basics-one"
    with app.test_request_context("/"):
        query, _, _ = security._user_query()
        orm = tuple(db.session.execute(query.statement, {"user_id": user.id}).one())
        fast = query.one_or_none(db.session, user_id=user.id)
        seen: list[str] = []

        def spy(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", spy)
        try:  # with a listener it runs through SQLAlchemy, which tells the listener
            counted = query.one_or_none(db.session, user_id=user.id)
        finally:
            event.remove(db.engine, "before_cursor_execute", spy)
        missing = query.one_or_none(db.session, user_id=user.id + 1000)
        fresh = prepared.Prepared(
            query.statement, query.example
        )  # learns the driver's types, then not
        first, again = (fresh.one_or_none(db.session, user_id=user.id) for _ in range(2))
    assert fast == orm and counted == orm and len(seen) == 1 and missing is None
    assert first == orm and again == orm
    kinds = {type(value) for value in fast}
    assert {dict, date, datetime, bool, str, int} <= kinds  # every kind of conversion was needed
    assert date(2027, 1, 15) in fast and line in fast


def test_the_user_it_builds_is_loaded_and_saves_changes(app, create_user) -> None:  # noqa: ANN001
    user = create_user()
    with app.test_request_context("/"):
        loaded = security.load_user(user.get_id())
        state = inspect(loaded)
        assert state.persistent and not state.modified and loaded in db.session
        assert (loaded.email, loaded.role, loaded.active) == (user.email, user.role, True)
        loaded.display_name = "Renamed"
        db.session.commit()
    with app.test_request_context("/"):
        assert db.session.get(User, user.id).display_name == "Renamed"
        assert security.load_user(f"{user.id}:not-the-token") is None
        assert security.load_user(f"{user.id + 1000}:{user.session_token}") is None
        assert security.load_user("x:y") is None


def test_a_user_already_in_the_session_is_the_one_returned(app, create_user) -> None:  # noqa: ANN001
    user = create_user()
    with app.test_request_context("/"):
        first = db.session.get(User, user.id)
        assert security.load_user(user.get_id()) is first


def test_a_driver_error_is_raised_as_sqlalchemys(app) -> None:  # noqa: ANN001
    with app.test_request_context("/"):
        connection = db.session.connection()
        with pytest.raises(DBAPIError) as raised:  # the error pages and the pool know these
            prepared.execute(connection, "SELECT * FROM no_such_table", (), "all")
        assert raised.value.statement == "SELECT * FROM no_such_table"
        db.session.rollback()


def test_an_attempt_loads_as_the_orm_would(app, trainee, course, create_user) -> None:  # noqa: ANN001
    client, user = trainee
    url = start(client)
    attempt_id = int(url.rsplit("/", 1)[1])
    stranger = create_user()
    with app.test_request_context("/"):
        owner = db.session.get(User, user.id)
        played = scenarios.load(owner, attempt_id)
        step, attempt = played.attempt.current_step, played.attempt
        assert (played.answered, attempt.status, attempt.user_id) == (0, "in-progress", user.id)
        assert played.version.title and "source" not in played.version.__dict__  # deferred
        assert "basics-one" in played.version.source  # loads when first used
        attempt.current_step = "changed here, not saved"
        with db.session.no_autoflush:  # a locked load sees the row as stored, as populate_existing
            again = scenarios.load(owner, attempt_id, lock=True)
        assert again.attempt is attempt and attempt.current_step == step
        assert not inspect(attempt).modified
        with pytest.raises(NotFound):  # another trainee's attempt
            scenarios.load(db.session.get(User, stranger.id), attempt_id)
