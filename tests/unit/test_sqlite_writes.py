"""Writers on SQLite wait for the write lock by polling, not in SQLite's sleeping busy handler."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from course.sqlite import BUSY_TIMEOUT_MS, begin_immediate


def _connect(path: Path) -> sqlite3.Connection:
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return raw


def test_a_waiting_writer_gets_the_lock_soon_after_it_is_released(tmp_path: Path) -> None:
    holder, waiter = _connect(tmp_path / "db"), _connect(tmp_path / "db")
    holder.execute("CREATE TABLE t (n INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Event()
    released_at: list[float] = []

    def release() -> None:
        time.sleep(0.35)  # SQLite's handler sleeps 100 ms from 228 ms: it would wake at 428
        holder.execute("INSERT INTO t VALUES (1)")
        holder.execute("COMMIT")
        released_at.append(time.perf_counter())
        released.set()

    threading.Thread(target=release).start()
    begin_immediate(waiter)
    got = time.perf_counter()
    assert released.wait(1)
    # SQLite's busy handler would have slept in steps of up to 100 ms after the release; polling
    # notices within a few milliseconds (a generous bound: the machine may be busy).
    assert got - released_at[0] < 0.05
    assert waiter.execute("SELECT count(*) FROM t").fetchone() == (1,)  # it sees the commit
    waiter.execute("INSERT INTO t VALUES (2)")
    waiter.execute("COMMIT")
    # the busy timeout for everything else is back
    assert waiter.execute("PRAGMA busy_timeout").fetchone() == (BUSY_TIMEOUT_MS,)


def test_a_writer_gives_up_after_the_timeout_as_sqlite_would(tmp_path: Path) -> None:
    holder, waiter = _connect(tmp_path / "db"), _connect(tmp_path / "db")
    holder.execute("BEGIN IMMEDIATE")
    started = time.perf_counter()
    with pytest.raises(OperationalError, match="locked"):
        begin_immediate(waiter, timeout=0.2)
    assert 0.2 <= time.perf_counter() - started < 2
    assert waiter.execute("PRAGMA busy_timeout").fetchone() == (BUSY_TIMEOUT_MS,)
    holder.execute("ROLLBACK")
    begin_immediate(waiter)  # free again: taken at once
    waiter.execute("ROLLBACK")
