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
from tests.conftest import csrf_token, post_form, transactions
from tests.web.test_learn import answer, play, start


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
    url = start(client)  # an attempt in progress, for the query that carries it (My path)
    answer(client, url, "first", choice="a")
    for resume in (False, True):
        with app.test_request_context("/"):
            query, *_ = security._user_query(resume)
            orm = tuple(db.session.execute(query.statement, {"user_id": user.id}).one())
            fast = query.one_or_none(db.session, user_id=user.id)
            seen: list[str] = []

            def spy(*args: object) -> None:
                seen.append(str(args[2]))  # noqa: B023 - used before the loop goes on

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
        assert {dict, date, datetime, bool, str, int} <= kinds  # every kind of conversion needed
        assert date(2027, 1, 15) in fast and line in fast
        if resume:  # in progress: one attempt, its id, title, start and one step answered
            assert fast[-5:-3] == (1, int(url.rsplit("/", 1)[1])) and fast[-1] == 1
            assert fast[-3] == "Scenario for basics-one" and isinstance(fast[-2], datetime)


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


def test_an_answer_that_records_nothing_commits_and_keeps_the_prepared_statements(
    app,  # noqa: ANN001
    trainee,  # noqa: ANN001
    course,  # noqa: ANN001
) -> None:
    """A replayed answer, or a resumed attempt, locked or read rows and wrote nothing: it ends
    with COMMIT, not ROLLBACK, because at a ROLLBACK psycopg forgets every statement it prepared
    on the connection and the server plans each again. On PostgreSQL the user's query, run at
    every request, is still prepared after a run of replayed answers."""
    client, _ = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    url = start(client)
    assert answer(client, url, "first", choice="a").status_code == 302
    token = csrf_token(client, url)
    used: list[object] = []

    def checkin(dbapi_connection: object, _record: object) -> None:
        used.append(dbapi_connection)

    with app.app_context():
        engine = db.engine
    event.listen(engine.pool, "checkin", checkin)
    try:
        with transactions(app, statements=False) as ends:
            for _ in range(12):  # the step is "second" now
                replayed = client.post(
                    url, data={"step": "first", "choice": "a", "csrf_token": token}
                )
                assert replayed.status_code == 302
                assert replayed.headers["Location"].endswith(url)
            resumed = client.post(
                "/learn/quizzes/basics-one-quiz/start", data={"csrf_token": token}
            )
            assert resumed.headers["Location"].endswith(url)  # the unfinished attempt
    finally:
        event.remove(engine.pool, "checkin", checkin)
    assert ends == ["COMMIT"] * 13
    if engine.dialect.name == "postgresql":
        raw = used[-1]
        statements = [row[0] for row in raw.execute("SELECT statement FROM pg_prepared_statements")]
        raw.commit()
        assert any("FROM user_account" in statement for statement in statements), statements
    with app.app_context():
        played = scenarios.load(db.session.get(User, trainee[1].id), int(url.rsplit("/", 1)[1]))
        assert (played.answered, played.attempt.current_step) == (1, "second")


def test_starting_a_scenario_ends_at_its_commit(app, trainee, course) -> None:  # noqa: ANN001
    """A started attempt's page address needs only its id: nothing is read after the commit (it
    used to read the expired attempt again, in a transaction of its own that was rolled back)."""
    client, _ = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    token = csrf_token(client, "/learn/quizzes/basics-one-quiz")
    with transactions(app) as seen:
        started = client.post("/learn/quizzes/basics-one-quiz/start", data={"csrf_token": token})
    assert started.status_code == 302 and "/learn/attempts/" in started.headers["Location"]
    assert "INSERT" in seen and "ROLLBACK" not in seen and seen[-1] == "COMMIT", seen


def test_a_start_that_loses_a_double_click_race_returns_the_first_attempt(
    app,  # noqa: ANN001
    trainee,  # noqa: ANN001
    course,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
) -> None:
    """Two starts at once both see no attempt; the second one's insert breaks the unique number,
    and it returns the attempt the first one started, with nothing rolled back after."""
    client, user = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    first = int(start(client).rsplit("/", 1)[1])
    looks = [scenarios.attempts_for, lambda *_: []]  # the first look finds nothing
    monkeypatch.setattr(scenarios, "attempts_for", lambda *args: looks.pop()(*args))
    with app.test_request_context("/"), transactions(app, statements=False) as ends:
        again = scenarios.start(db.session.get(User, user.id), "basics-one-quiz", course)
    assert again == first
    assert ends == ["ROLLBACK", "COMMIT"]  # the failed insert, then the read of the first
