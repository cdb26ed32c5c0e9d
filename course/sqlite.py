"""SQLite settings for several workers: WAL, a busy timeout, foreign keys, BEGIN IMMEDIATE for
transactions that may write and a deferred BEGIN for requests that only read."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event

BUSY_TIMEOUT_MS = 10_000
# Set per request: a GET never writes (a test holds every GET route to that), so its transaction
# can begin deferred and read alongside a writer instead of queueing behind it.
READ_ONLY: ContextVar[bool] = ContextVar("read_only", default=False)


def tune(engine: Engine) -> None:
    """Install the SQLite hooks on an engine; other databases are left alone."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_course_tuned", False):
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    engine._course_tuned = True  # type: ignore[attr-defined]


def _on_connect(dbapi_connection: Any, _record: object) -> None:
    # Let SQLAlchemy, not pysqlite, decide when a transaction begins (SQLAlchemy's pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_begin(connection: Any) -> None:
    # A read that later writes would fail at once with "database is locked" under a deferred BEGIN.
    connection.exec_driver_sql("BEGIN" if READ_ONLY.get() else "BEGIN IMMEDIATE")
