"""Reading a page never writes: no GET route, for any role, runs an INSERT, UPDATE or DELETE."""

from __future__ import annotations

import re

from sqlalchemy import text

from course.extensions import db, engines
from course.models import CohortRule, Role
from course.services import accounts, importer, links
from tests.conftest import listening, post_form
from tests.web.test_learn import play, start

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def test_no_get_writes(app, login, course) -> None:  # noqa: ANN001
    clients = {role: login(role)[0] for role in (Role.TRAINEE, Role.INSTRUCTOR, Role.ADMIN)}
    trainee = clients[Role.TRAINEE]
    post_form(trainee, "/learn/welcome/skip", token_from="/learn/welcome")
    url = start(trainee)
    play(trainee, url)
    attempt_id = int(url.rsplit("/", 1)[1])
    with app.app_context():
        cohort = accounts.create_cohort("Readers", trainees=[])
        cohort.rules.append(CohortRule(module_slug="basics-one", kind="required"))
        db.session.commit()
        cohort_id, rule_id = cohort.id, cohort.rules[0].id
        newcomer = accounts.create_user("new@example.org", "Lt New", Role.TRAINEE, None)
        token = links.issue(newcomer)  # a live set-password link: opening it must not spend it
        db.session.commit()
    values = {
        "slug": "basics-one",
        "attempt_id": attempt_id,
        "position": 0,
        "user_id": 1,
        "cohort_id": cohort_id,
        "rule_id": rule_id,
        "number": 1,
        "token": token,
        "token_id": 1,
        "name": "basics-one",
        "kind": "modules",
    }
    written: list[tuple[str, str]] = []

    def spy(conn, cursor, statement, *args: object) -> None:  # noqa: ANN001
        if WRITES.match(statement):
            written.append((current[0], statement.split("(")[0][:80]))

    current = [""]
    with listening(app, spy):
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            args = {a: values[a] for a in rule.arguments}
            if rule.endpoint in ("learn.quiz", "author.quiz"):
                args["slug"] = "basics-one-quiz"
            for kind in ("modules", "quizzes") if "kind" in args else (None,):
                args.update({"kind": kind} if kind else {})
                path = app.url_map.bind("localhost").build(rule.endpoint, args)
                for role, client in clients.items():
                    current[0] = f"{role.value} GET {path}"
                    assert client.get(path).status_code < 500
    assert written == []


def test_reading_time_comes_from_when_the_page_was_served(trainee, course, query) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    from sqlalchemy import select

    from course.models import ModuleProgress

    client, _ = trainee
    now = int(datetime.now(UTC).timestamp())
    for served in (now - 300, now + 9999, "garbled", now - 86400):
        post_form(
            client,
            "/learn/modules/basics-one/complete",
            {"served": served},
            token_from="/learn/modules/basics-one",
        )
    seconds = query(select(ModuleProgress.seconds))
    assert 300 + 7200 <= seconds <= 300 + 7200 + 5  # 5 min, then 0, 0, then capped at 2 h


def test_on_sqlite_a_reader_does_not_queue_behind_a_writer(app, trainee, course) -> None:  # noqa: ANN001
    import time

    import pytest
    from sqlalchemy import create_engine

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL readers never wait for writers")
    client, _ = trainee
    writer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"]).connect()
    writer.exec_driver_sql("BEGIN IMMEDIATE")  # another process is writing
    try:
        started = time.perf_counter()
        assert client.get("/learn/modules/basics-one").status_code == 200
        assert time.perf_counter() - started < 2  # not the 10 s busy timeout
    finally:
        writer.rollback()
        writer.close()
        writer.engine.dispose()


def test_on_sqlite_a_post_takes_the_write_lock_only_for_its_view(
    app, trainee, course, query
) -> None:  # noqa: ANN001
    """Loading the user and the guard read without the write lock: a POST the guard refuses
    answers while another connection writes; one that reaches its view waits for the lock (it
    does not fail) and records its work."""
    import threading
    import time

    import pytest
    from sqlalchemy import create_engine, select

    from course.models import ModuleProgress
    from tests.conftest import csrf_token

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("only SQLite has one write lock for the whole database")
    client, _ = trainee
    page = "/learn/modules/basics-one"
    token = csrf_token(client, page)
    locked, done = threading.Event(), threading.Event()

    def write_for(seconds: float) -> None:  # another process holds the write lock a while
        writer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"]).connect()
        writer.exec_driver_sql("BEGIN IMMEDIATE")
        locked.set()
        done.wait(seconds)
        writer.rollback()
        writer.close()
        writer.engine.dispose()

    other = threading.Thread(target=write_for, args=(30,))
    other.start()
    try:
        assert locked.wait(5)
        started = time.perf_counter()
        refused = client.post("/admin/cohorts", data={"name": "Mine", "csrf_token": token})
        assert refused.status_code == 403  # a trainee, on an administrator's form
        assert time.perf_counter() - started < 2  # not the 10 s wait for the write lock
    finally:
        done.set()
        other.join()
    locked.clear()
    done.clear()
    other = threading.Thread(target=write_for, args=(0.5,))
    other.start()
    try:
        assert locked.wait(5)
        started = time.perf_counter()
        response = client.post(f"{page}/complete", data={"csrf_token": token})
        waited = time.perf_counter() - started
    finally:
        other.join()
    assert response.status_code == 302
    assert waited >= 0.4  # it waited for the other writer, then wrote
    assert query(select(ModuleProgress.completed_at)) is not None


def test_on_postgresql_pages_read_in_autocommit_and_exports_stream(app, login, course) -> None:  # noqa: ANN001
    """A GET reads in autocommit on PostgreSQL (no BEGIN / ROLLBACK round trips), on the read
    engine's connections; a POST keeps its transaction on the app's engine; the event exports,
    which stream from a server-side cursor (it needs a transaction), run it outside autocommit
    and work on both databases."""
    from course.models import User

    trainee, me = login(Role.TRAINEE)
    admin, _ = login(Role.ADMIN)
    post_form(trainee, "/learn/welcome/skip", token_from="/learn/welcome")
    with app.app_context():
        cohort = accounts.create_cohort("Streamed", trainees=[db.session.get(User, me.id)])
        db.session.commit()
        cohort_id = cohort.id
        found = engines()
    ran: list[tuple[str, object, bool]] = []

    def seen(conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        autocommit = getattr(conn.connection.dbapi_connection, "autocommit", None) is True
        ran.append((statement, conn.engine, autocommit))

    with listening(app, seen):
        assert trainee.get("/learn/modules/basics-one").status_code == 200
        reads, ran[:] = list(ran), []
        post_form(trainee, "/learn/modules/basics-one/complete")
        writes = [(engine, auto) for statement, engine, auto in ran if "INSERT" in statement[:9]]
        ran.clear()
        for export in ("events.csv", "events.jsonl"):
            response = admin.get(f"/progress/cohorts/{cohort_id}/{export}")
            assert response.status_code == 200
            assert "placement-skipped" in response.get_data(as_text=True)
        streamed = [(e, auto) for sql, e, auto in ran if "FROM learning_event JOIN" in sql]
    assert reads and writes and streamed
    if found[0].dialect.name == "postgresql":
        main, readers = found
        assert {(engine, auto) for _, engine, auto in reads} == {(readers, True)}
        assert set(writes) == {(main, False)}
        assert set(streamed) == {(main, False)}
    else:
        assert len(found) == 1


def test_on_postgresql_the_read_engine_cannot_write(app, trainee) -> None:  # noqa: ANN001
    """The GETs' connections are read-only: a write that slipped into a page would fail there,
    not change anything."""
    with app.app_context():
        found = engines()
    if len(found) == 1:
        assert found[0].dialect.name == "sqlite"  # reads begin deferred there (course.sqlite)
        return
    from sqlalchemy.exc import InternalError

    with found[1].connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM user_account")) >= 1
        try:
            conn.execute(text("UPDATE user_account SET display_name = 'changed'"))
        except InternalError as error:
            assert "read-only transaction" in str(error)
        else:
            raise AssertionError("the read engine wrote")
    with found[0].connect() as conn:
        names = conn.scalars(text("SELECT display_name FROM user_account")).all()
    assert "changed" not in names


def test_content_another_server_changes_is_seen_at_the_next_request(app, trainee, course) -> None:  # noqa: ANN001
    """The content revision travels with the user's query (one query fewer a request), and is
    read afresh by every request: a module another server retires is gone at the next one."""
    from sqlalchemy import create_engine

    client, _ = trainee
    assert "Advanced one" in client.get("/learn/modules").get_data(as_text=True)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as connection:  # another server's import retires the module
        connection.exec_driver_sql("UPDATE module SET retired = TRUE WHERE slug = 'advanced-one'")
    other.dispose()
    assert "Advanced one" not in client.get("/learn/modules").get_data(as_text=True)
    assert client.get("/learn/modules/advanced-one").status_code == 404


def test_an_import_within_a_request_is_seen_by_that_request(app, course, tmp_path) -> None:  # noqa: ANN001
    """A revision remembered from the user's query is dropped when content is written, so the
    same request's next catalogue.current() reads the new content."""
    import shutil

    from course.services import catalogue
    from tests.conftest import FIXTURE_COURSE

    changed = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, changed)
    page = changed / "modules" / "basics-one.md"
    page.write_text(page.read_text().replace("title: Basics one", "title: Basics, revised"))
    with app.test_request_context():
        before = catalogue.current()  # cached at this revision
        catalogue.remember_revision(catalogue._revision())  # as the user's query reads it
        importer.import_folder(changed)
        assert catalogue.current() is not before
        assert catalogue.current().module("basics-one").title == "Basics, revised"


def test_a_trainees_figures_come_with_the_user_on_a_read_only(app, trainee, course) -> None:  # noqa: ANN001
    """On a request that only reads, the trainee's figures (state, rules, reading time) are read
    by the user's own query and serve the request's first learner() call; a request that writes
    reads them afresh, inside its own transaction."""
    from course.security import load_user
    from course.services import learning
    from tests.conftest import count_queries

    client, user = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    with app.app_context():
        session_id = f"{user.id}:{db.session.get(type(user), user.id).session_token}"
    for method, queries_then in (("GET", [0, 1]), ("POST", [1, 1])):
        with app.test_request_context("/learn/", method=method):
            assert load_user(session_id) is not None
            used = [count_queries(app, lambda: learning.learner(user.id)) for _ in range(2)]
            assert used == queries_then, method
            assert learning.learner(user.id).skipped_placement


def test_figures_remembered_by_one_request_never_reach_the_next(app, trainee, course) -> None:  # noqa: ANN001
    """Each request starts by dropping what an earlier one read with its user: a POST (which
    does not remember figures) must not pick up figures a GET left unused in the same thread."""
    from course.services import learning
    from tests.conftest import csrf_token

    client, user = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    token = csrf_token(client, "/learn/modules/basics-one")
    unreadable_rules = (True, True, None, None, None, "not a rule", None, 0)
    learning.remember_learner(user.id, unreadable_rules)  # parse_rules would fail on these
    response = client.post("/learn/modules/basics-one/complete", data={"csrf_token": token})
    assert response.status_code == 302
