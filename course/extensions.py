"""Flask extensions, created unbound and initialised in create_app."""

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, create_engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, which a GET on PostgreSQL points at the read engine (see
    init_app) for the one transaction it reads in: every statement of that transaction then
    runs on the read engine's connection, and the next transaction on the app's engine."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any):  # noqa: ANN201
        if bind is None:
            reads = self.info.get(READS)
            if reads is not None and reads[0] is self._transaction:
                return reads[1]
        return super().get_bind(mapper, clause, bind, **kwargs)


READS = "course.reads"  # the session's reading transaction and the engine it reads on
db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
LIMITED_BLUEPRINTS = frozenset({"auth", "api"})  # the only routes with rate limits


def _limit_only_where_limits_apply(app: Flask) -> None:
    """Run the limiter's hooks (before, after and teardown of each request) only for the
    blueprints that have limits. Flask-Limiter runs them for every request, and a request
    filter is consulted only inside, after the view's limits are worked out: 0.035 ms of every
    page's CPU (bench/request_parts.py), for pages no limit applies to."""
    registries = (
        (app.before_request_funcs, False),
        (app.after_request_funcs, True),  # these hooks take the response and hand it on
        (app.teardown_request_funcs, False),
    )
    for registry, passes_response in registries:
        hooks = registry.get(None, [])
        for index, hook in enumerate(hooks):
            owner = hook.args[0] if isinstance(hook, partial) and hook.args else None
            if getattr(hook, "__self__", owner) is limiter:
                hooks[index] = _where_limited(hook, passes_response)


def _where_limited(hook: Callable[..., Any], passes_response: bool) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        if request.blueprint in LIMITED_BLUEPRINTS:
            return hook(*args)
        return args[0] if passes_response else None

    run.__qualname__ = f"limited only: {getattr(hook, '__qualname__', 'limiter headers')}"
    return run


def init_app(app: Flask) -> None:
    """Bind every extension to the app."""
    from course import pool, sqlite

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)
    _limit_only_where_limits_apply(app)
    with app.app_context():
        sqlite.tune(db.engine)
        reads = _read_engine(app, db.engine)
        for engine in (db.engine, reads):
            if engine is not None:
                pool.ping_when_idle(engine)

    @app.before_request
    def _begin_reading() -> None:
        # Every request reads deferred until its view starts; one that may write takes the write
        # lock then (sqlite.start_writing, the last before_request hook: see course.web.register).
        sqlite.READ_ONLY.set(True)
        if (
            request.method in ("GET", "HEAD")
            and request.endpoint not in (None, "static")
            and reads is not None
            and not db.session().in_transaction()  # (a test's own context may hold one)
        ):
            # A GET never writes (tests/web/test_reads.py), so on PostgreSQL it reads in
            # autocommit, as Django does by default: no BEGIN and no ROLLBACK round trips. Each
            # statement sees the latest committed data; the pages do not need one snapshot.
            # The event exports stream rows after the view returns, in a new transaction of their
            # own (stream_with_context), so their server-side cursor gets a transaction.
            session = db.session()
            session.connection(bind_arguments={"bind": reads})
            session.info[READS] = (session._transaction, reads)


def _read_engine(app: Flask, engine: Engine) -> Engine | None:
    """On PostgreSQL, a second engine beside the app's, for the GET requests: its connections stay
    in autocommit and are read-only, so a GET cannot write (PostgreSQL refuses it). Switching a
    pooled connection to autocommit for a GET and back at its return cost 0.06 ms of CPU a
    request (a fifth of the floor's database work); a pool of its own is never switched. Each
    process then holds at most one more connection. None on SQLite, where reads take a deferred
    BEGIN instead (course.sqlite)."""
    if engine.dialect.name != "postgresql":
        return None
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.pop("connect_args", {}))
    connect_args["options"] = (
        f"{connect_args.get('options', '')} -c default_transaction_read_only=on".strip()
    )
    reads = create_engine(
        engine.url, isolation_level="AUTOCOMMIT", connect_args=connect_args, **options
    )
    app.extensions[READS] = reads
    return reads


def engines() -> tuple[Engine, ...]:
    """The current app's engines: its own, and on PostgreSQL the read engine of the GETs."""
    reads = current_app.extensions.get(READS)
    return (db.engine,) if reads is None else (db.engine, reads)


def dispose_engines() -> None:
    """Close the pooled connections of the current app's engines."""
    for engine in engines():
        engine.dispose()
