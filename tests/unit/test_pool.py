"""Idle connections are checked before use and replaced when dead; busy ones are not pinged."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from course import pool


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    seen: list[object] = []
    real = pool.ping

    def counted(dbapi_connection: object) -> None:
        seen.append(dbapi_connection)
        real(dbapi_connection)

    monkeypatch.setattr(pool, "ping", counted)
    return seen


def test_a_connection_used_a_moment_ago_is_not_pinged(tmp_path: Path, pings: list) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/db.sqlite")
    pool.ping_when_idle(engine, idle_seconds=60)
    for _ in range(3):
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    assert pings == []
    engine.dispose()


def test_an_idle_connection_that_died_is_replaced(tmp_path: Path, pings: list) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/db.sqlite", pool_size=1)
    pool.ping_when_idle(engine, idle_seconds=0.05)
    with engine.connect() as connection:
        dead = connection.connection.driver_connection
    dead.close()  # the server went away while the connection sat in the pool
    time.sleep(0.1)
    with engine.connect() as connection:  # without the ping this would fail
        assert connection.execute(text("SELECT 1")).scalar() == 1
        assert connection.connection.driver_connection is not dead
    assert pings == [dead]
    engine.dispose()


def test_a_pinged_connection_is_left_outside_a_transaction(app, pings: list) -> None:  # noqa: ANN001
    """On PostgreSQL the ping's query opens a transaction: left open, a GET could not switch
    the connection to autocommit (course.extensions)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1)
    pool.ping_when_idle(engine, idle_seconds=0.05)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    time.sleep(0.1)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    assert len(pings) == 1
    engine.dispose()
