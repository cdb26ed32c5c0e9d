"""SQLite settings for several workers: WAL, a busy timeout, foreign keys, BEGIN IMMEDIATE for
transactions that may write and a deferred BEGIN for requests that only read.

A request that may write (any method but GET and HEAD) still reads its session's user under a
deferred BEGIN: `start_writing`, called when its view is about to run, ends that read and takes the
write lock. So the write lock is held for the view's work only, not for loading the user, the CSRF
check and the guard, and a request the guard or the CSRF check refuses never takes it."""

from __future__ import annotations

import sqlite3
import time
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from course import prepared

BUSY_TIMEOUT_MS = 10_000
# A writer waiting for the write lock polls for it at most this often (seconds). SQLite's own busy
# handler sleeps 1, 2, 5, 10, ... up to 100 ms between tries, so a lock held for 2 ms could cost a
# waiter 25-100 ms: under several workers that sleep, not the work, made the slow tail of writes.
POLL_MAX = 0.002
# Set per request: a GET never writes (a test holds every GET route to that), so its transaction
# can begin deferred and read alongside a writer instead of queueing behind it. Other requests
# read deferred too until their view starts (start_writing).
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
    if READ_ONLY.get():
        prepared.execute(connection, "BEGIN")  # on the DBAPI cursor, unless counted
    else:
        begin_immediate(connection.connection.driver_connection)


def start_writing(session: Session) -> None:
    """From here on the current request may write: end its read transaction, if one is open on
    SQLite, and take the write lock (begin_immediate). Objects already loaded stay loaded: they
    were read a moment ago, as if the request had started then. Without an open transaction the
    next one simply begins IMMEDIATE. Other databases are left alone."""
    if not READ_ONLY.get():
        return
    READ_ONLY.set(False)
    if not session.in_transaction():
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if raw.in_transaction:  # a deferred read: nothing was written, so nothing is lost
        raw.execute("COMMIT")
    begin_immediate(raw)


def begin_immediate(raw: sqlite3.Connection, timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
    """Take the write lock, polling for it every few hundred microseconds (at most POLL_MAX)
    while another connection holds it; after `timeout` seconds give up as SQLite would
    ("database is locked"). Reads keep the busy timeout: only this wait is polled."""
    deadline = time.monotonic() + timeout
    pause = 0.0002
    raw.execute("PRAGMA busy_timeout=0")  # fail at once and poll, instead of sleeping long
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
                if time.monotonic() >= deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None, error) from error
            time.sleep(pause)
            pause = min(POLL_MAX, pause * 2)
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)
