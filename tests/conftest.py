"""Fixtures: a migrated database per run, emptied after each test; clients per role."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, make_url, text

from course import create_app
from course.config import test_overrides
from course.extensions import db, dispose_engines, engines, limiter
from course.models import Role, User
from course.services import accounts

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def database_url(tmp: Path) -> str:
    """The database this test process runs against.

    SQLite: a file in this process's temporary folder. PostgreSQL: `TEST_DATABASE_URL`, or under
    pytest-xdist a database of each worker's own beside it (`test_gw0`, ...), created when missing.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp / 'test.sqlite'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def reset_schema() -> None:
    """Drop everything, so each run starts from an empty database."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        dispose_engines()
        Path(db.engine.url.database).unlink(missing_ok=True)


def empty_tables() -> None:
    """Delete every row, keeping the schema, and start every id sequence again at 1. On
    PostgreSQL a DELETE of a test's few rows took 1.5 ms for all the tables, where TRUNCATE took
    47 ms (it makes new files for every table): most of the suite's extra time on PostgreSQL."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))
        if conn.dialect.name == "postgresql":
            conn.execute(text(RESTART_SEQUENCES))


# Every sequence of the schema back to 1, as TRUNCATE ... RESTART IDENTITY would (one round trip).
RESTART_SEQUENCES = """SELECT setval(c.oid::regclass, 1, false) FROM pg_class c
WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"""


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("app")
    app = create_app(test_overrides(database_url(tmp)))
    with app.app_context():
        reset_schema()
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        dispose_engines()


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            empty_tables()
        limiter.reset()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """Run the test inside an app context (test-client requests then share it and its `g`)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # noqa: ANN201
    return app.test_cli_runner()


FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course"


@pytest.fixture
def course(app: Flask):  # noqa: ANN201
    """Import the small test course (3 modules, 2 competencies, a placement check)."""
    from course.services import catalogue, importer

    with app.app_context():
        importer.import_folder(FIXTURE_COURSE)
        return catalogue.current()


@pytest.fixture
def query(app: Flask) -> Callable[..., object]:
    """Run a statement in a fresh app context (requests must not share the test's context)."""

    def run(statement, many: bool = False):  # noqa: ANN001, ANN202
        with app.app_context():
            return list(db.session.scalars(statement)) if many else db.session.scalar(statement)

    return run


_seq = itertools.count(1)


@pytest.fixture
def create_user(app: Flask) -> Callable[..., User]:
    """Return a factory that makes users; each gets PASSWORD unless told otherwise."""

    def make(role: Role | str = Role.TRAINEE, password: str = PASSWORD, **fields: str) -> User:
        n = next(_seq)
        role = Role(role)
        with app.app_context():
            user = accounts.create_user(
                fields.get("email", f"{role.value}{n}@example.org"),
                fields.get("display_name", f"{role.label} {n}"),
                role,
                password,
                fields.get("username"),
            )
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


def count_queries(app: Flask, call: Callable[[], object]) -> int:
    """Return how many SQL statements call() runs."""
    seen: list[str] = []
    with listening(app, lambda *args: seen.append(str(args[2]))):
        call()
    return len(seen)


@contextmanager
def listening(
    app: Flask, hook: Callable[..., object], name: str = "before_cursor_execute"
) -> Iterator[None]:
    """Call `hook` at the engine event `name` on every engine of the app while the block runs
    (on PostgreSQL the GET requests read through an engine of their own)."""
    with app.app_context():
        found = engines()
    for engine in found:
        event.listen(engine, name, hook)
    try:
        yield
    finally:
        for engine in found:
            event.remove(engine, name, hook)


@contextmanager
def transactions(app: Flask, statements: bool = True) -> Iterator[list[str]]:
    """Record, while the block runs, the first word of every SQL statement (unless
    `statements` is false) and "COMMIT" or "ROLLBACK" where each transaction ended."""
    with app.app_context():
        found = engines()
    seen: list[str] = []

    def statement(*args: object) -> None:
        seen.append(str(args[2]).split(None, 1)[0].upper())

    def commit(_connection: object) -> None:
        seen.append("COMMIT")

    def rollback(_connection: object) -> None:
        seen.append("ROLLBACK")

    hooks = [("commit", commit), ("rollback", rollback)]
    if statements:
        hooks.append(("before_cursor_execute", statement))
    for engine in found:
        for name, hook in hooks:
            event.listen(engine, name, hook)
    try:
        yield seen
    finally:
        for engine in found:
            for name, hook in hooks:
                event.remove(engine, name, hook)


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """Fetch a page with a form and return its CSRF token."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return next(g for g in match.groups() if g)


def post_form(
    client: FlaskClient,
    url: str,
    data: dict[str, object] | None = None,
    token_from: str | None = None,
    **kwargs: object,
):  # noqa: ANN201
    """POST a form with a valid CSRF token taken from the page the form is on."""
    token = csrf_token(client, token_from or url)
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def log_in(client: FlaskClient, user: User, password: str = PASSWORD):  # noqa: ANN201
    response = post_form(client, "/login", {"login": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def login(create_user: Callable[..., User], app: Flask) -> Callable[..., tuple[FlaskClient, User]]:
    """Return a factory: a fresh client logged in as a new user of the given role."""

    def make(role: Role | str = Role.TRAINEE, **fields: str) -> tuple[FlaskClient, User]:
        user = create_user(role, **fields)
        client = app.test_client()
        log_in(client, user)
        return client, user

    return make


@pytest.fixture
def trainee(login: Callable[..., tuple[FlaskClient, User]]) -> tuple[FlaskClient, User]:
    return login(Role.TRAINEE)


@pytest.fixture
def instructor(login: Callable[..., tuple[FlaskClient, User]]) -> tuple[FlaskClient, User]:
    return login(Role.INSTRUCTOR)


@pytest.fixture
def admin(login: Callable[..., tuple[FlaskClient, User]]) -> tuple[FlaskClient, User]:
    return login(Role.ADMIN)
