"""A read that every request makes, compiled once per database and run as driver SQL.

The session's user is read on every request (security.load_user), with the content revision and
the trainee's figures in the same row. Through the ORM that one-row select cost about 0.3 ms of
CPU on top of the connection itself, most of it SQLAlchemy's per-execution work (compiled-cache
lookup, parameter processing, result metadata, ORM row loading), not the database's. Here the
statement is compiled once per dialect and run on the connection's DBAPI cursor, and its row is
converted by the same result processors SQLAlchemy would apply, so every type (dates, JSON,
booleans, enums) reads as it would through the ORM. When anything listens for cursor executions
(the tests that count queries do), it runs through `Connection.exec_driver_sql` instead, which
tells them. A driver error goes through SQLAlchemy's own error handling, so it is raised, and a
lost connection invalidated, exactly as if SQLAlchemy had run the statement."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Dialect, Select
from sqlalchemy.orm import Session, make_transient_to_detached


class Prepared:
    """A Core select, compiled for each dialect it meets, and its row's result processors."""

    def __init__(self, statement: Select, example: Mapping[str, Any]) -> None:
        """`example` gives every bound parameter a value of the right type: it renders the
        statement's literal parts (SQLAlchemy binds some, such as a separator, only at execution)
        and is overridden at each call."""
        self.statement = statement
        self.example = dict(example)
        self._compiled: dict[Dialect, tuple[str, tuple[str, ...] | None, dict, list]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict, list]:
        found = self._compiled.get(dialect)
        if found is None:
            state = self.statement.compile(dialect=dialect).construct_expanded_state(self.example)
            processors: list[Callable[[Any], Any] | None] = [
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in self.statement.selected_columns
            ]
            positions = tuple(state.positiontup or ()) if dialect.positional else None
            found = (state.statement, positions, dict(state.parameters), processors)
            self._compiled[dialect] = found
        return found

    def one_or_none(self, session: Session, **params: Any) -> tuple | None:
        """Run the statement on the session's connection; return its one row, converted, or
        None when there is no row."""
        rows = self._run(session, params, many=False)
        return rows[0] if rows else None

    def all(self, session: Session, **params: Any) -> list[tuple]:
        """Run the statement on the session's connection; return every row, converted."""
        return self._run(session, params, many=True)

    def _run(self, session: Session, params: dict[str, Any], many: bool) -> list[tuple]:
        connection = session.connection()
        sql, positions, defaults, processors = self._for(connection.dialect)
        values = defaults | params
        bound = tuple(values[name] for name in positions) if positions is not None else values
        rows = execute(connection, sql, bound, "all" if many else "one")
        return [
            tuple(
                value if process is None or value is None else process(value)
                for process, value in zip(processors, row, strict=True)
            )
            for row in rows
        ]


def execute(connection: Connection, sql: str, params: Any = (), fetch: str = "none") -> list:
    """Run driver SQL and return its rows (`fetch`: "none", "one" at most, or "all"): on the
    DBAPI cursor itself, or through SQLAlchemy when something listens for cursor executions. A
    driver error is handed to SQLAlchemy's own handling, as if it had run the statement: the error
    is raised as SQLAlchemy's (a lost database still answers 503) and a dead connection is
    invalidated with the pool, so the next request connects afresh."""
    dispatch = connection.dispatch
    if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
        result = connection.exec_driver_sql(sql, params)
        try:
            return _fetch(result, fetch)
        finally:
            result.close()
    cursor = None
    try:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(sql, params)
        rows = _fetch(cursor, fetch)
        cursor.close()
    except Exception as error:  # noqa: BLE001 - SQLAlchemy's handler raises it, wrapped
        connection._handle_dbapi_exception(error, sql, params, cursor, None)
    return rows


def _fetch(cursor: Any, fetch: str) -> list:
    if fetch == "all":
        return list(cursor.fetchall())
    if fetch == "one":
        row = cursor.fetchone()
        return [] if row is None else [row]
    return []


def attach(session: Session, model: type, values: Mapping[str, Any]) -> Any:
    """Return the persistent object for a row of `model`'s own columns read some other way: the
    one already in the session if there is one (as an ORM query would), else a new object marked
    as loaded, with no attribute changed, so that it behaves as one the ORM loaded."""
    mapper = model.__mapper__  # type: ignore[attr-defined]
    key = mapper.identity_key_from_primary_key(
        [values[mapper.get_property_by_column(c).key] for c in mapper.primary_key]
    )
    found = session.identity_map.get(key)
    if found is not None:
        return found
    instance = model(**values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance
