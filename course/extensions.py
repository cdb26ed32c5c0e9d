"""Flask extensions, created unbound and initialised in create_app."""

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
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


db = SQLAlchemy(model_class=Base)
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
        pool.ping_when_idle(db.engine)
        autocommit_reads = db.engine.dialect.name == "postgresql"  # decided once, not per request

    @app.before_request
    def _begin_reading() -> None:
        # Every request reads deferred until its view starts; one that may write takes the write
        # lock then (sqlite.start_writing, the last before_request hook: see course.web.register).
        sqlite.READ_ONLY.set(True)
        if (
            request.method in ("GET", "HEAD")
            and request.endpoint not in (None, "static")
            and autocommit_reads
            and not db.session().in_transaction()  # (a test's own context may hold one)
        ):
            # A GET never writes (tests/web/test_reads.py), so on PostgreSQL it reads in
            # autocommit, as Django does by default: no BEGIN and no ROLLBACK round trips. Each
            # statement sees the latest committed data; the pages do not need one snapshot.
            # The event exports stream rows after the view returns, in a new session of their
            # own (stream_with_context), so their server-side cursor gets a transaction.
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
