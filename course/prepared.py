"""The hottest reads, compiled once per database and run as driver SQL.

The session's user is read on every request (security.load_user), with the content revision and
the trainee's figures in the same row; each step's page and answer reads its attempt, and My
path the unfinished attempts (services.scenarios). Through the ORM the user's one-row select cost
about 0.3 ms of CPU on top of the connection itself, most of it SQLAlchemy's per-execution work
(compiled-cache lookup, parameter processing, result metadata, ORM row loading), not the
database's. Here a statement is compiled once per dialect and run on the connection's DBAPI
cursor, and its rows are converted by the same result processors SQLAlchemy would apply, so every
type (dates, JSON, booleans, enums, floats) reads as it would through the ORM. When anything
listens for cursor executions (the tests that count queries do), it runs through
`Connection.exec_driver_sql` instead, which tells them. A driver error goes through SQLAlchemy's
own error handling, so it is raised, and a lost connection invalidated, exactly as if SQLAlchemy
had run the statement."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Dialect, Select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value


class Prepared:
    """A Core select, compiled for each dialect it meets, and its row's result processors."""

    def __init__(self, statement: Select, example: Mapping[str, Any]) -> None:
        """`example` gives every bound parameter a value of the right type: it renders the
        statement's literal parts (SQLAlchemy binds some, such as a separator, only at execution)
        and is overridden at each call."""
        self.statement = statement
        self.example = dict(example)
        self._compiled: dict[Dialect, tuple[str, tuple[str, ...] | None, dict]] = {}
        self._processors: dict[Dialect, list[Callable[[Any], Any] | None]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict]:
        found = self._compiled.get(dialect)
        if found is None:
            state = self.statement.compile(dialect=dialect).construct_expanded_state(self.example)
            positions = tuple(state.positiontup or ()) if dialect.positional else None
            found = (state.statement, positions, dict(state.parameters))
            self._compiled[dialect] = found
        return found

    def _converters(self, dialect: Dialect, types: list) -> list[Callable[[Any], Any] | None]:
        """Each column's result processor, as SQLAlchemy picks it: by the column's type and the
        type code the driver reported for it (PostgreSQL's numeric processors need that code)."""
        found = self._processors.get(dialect)
        if found is None:
            found = self._processors[dialect] = [
                column.type.dialect_impl(dialect).result_processor(dialect, code)
                for column, code in zip(self.statement.selected_columns, types, strict=True)
            ]
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
        if session.autoflush:  # as an ORM query would: pending changes first (cheap when none)
            session.flush()
        connection = session.connection()
        sql, positions, defaults = self._for(connection.dialect)
        values = defaults | params
        bound = tuple(values[name] for name in positions) if positions is not None else values
        described = connection.dialect in self._processors  # the types are needed once
        rows, types = execute(connection, sql, bound, "all" if many else "one", not described)
        if not rows:
            return []
        processors = self._converters(connection.dialect, types)
        return [
            tuple(
                value if process is None or value is None else process(value)
                for process, value in zip(processors, row, strict=True)
            )
            for row in rows
        ]


def execute(
    connection: Connection, sql: str, params: Any = (), fetch: str = "none", describe: bool = True
) -> tuple[list, list]:
    """Run driver SQL; return its rows (`fetch`: "none", "one" at most, or "all") and, with
    `describe`, the type code the driver gives each column (psycopg builds the whole description
    to tell them, 0.08 ms for a wide row, so a statement whose converters are known skips it;
    otherwise an empty list). It runs on the DBAPI cursor itself, or through SQLAlchemy
    when something listens for cursor executions. A driver error is handed to SQLAlchemy's own
    handling, as if it had run the statement: the error is raised as SQLAlchemy's (a lost
    database still answers 503) and a dead connection is invalidated with the pool, so the next
    request connects afresh."""
    dispatch = connection.dispatch
    if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
        result = connection.exec_driver_sql(sql, params)
        try:
            return _fetch(result.cursor, fetch, describe)
        finally:
            result.close()
    cursor = None
    try:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(sql, params)
        found = _fetch(cursor, fetch, describe)
        cursor.close()
    except Exception as error:  # noqa: BLE001 - SQLAlchemy's handler raises it, wrapped
        connection._handle_dbapi_exception(error, sql, params, cursor, None)
    return found


def _fetch(cursor: Any, fetch: str, describe: bool) -> tuple[list, list]:
    if cursor is None:  # SQLAlchemy closes the cursor of a statement that returns no rows
        return [], []
    types = [column[1] for column in cursor.description or ()] if describe else []
    if fetch == "all":
        return list(cursor.fetchall()), types
    if fetch == "one":
        row = cursor.fetchone()
        return ([] if row is None else [row]), types
    return [], types


def columns_of(model: type, leave: tuple[str, ...] = ()) -> tuple[list, tuple[str, ...]]:
    """The columns of `model`'s table (all but the attributes named in `leave`), and the
    attribute each one loads, in the same order: a select of a model's own row, for attach()."""
    mapper = model.__mapper__  # type: ignore[attr-defined]
    pairs = [(c, mapper.get_property_by_column(c).key) for c in model.__table__.columns]  # type: ignore[attr-defined]
    kept = [(column, key) for column, key in pairs if key not in leave]
    return [column for column, _ in kept], tuple(key for _, key in kept)


def attach(session: Session, model: type, values: Mapping[str, Any], refresh: bool = False) -> Any:
    """Return the persistent object for a row of `model`'s own columns read some other way: the
    one already in the session if there is one (as an ORM query would; with `refresh`, given the
    values just read, as `populate_existing` would), else a new object marked as loaded, with no
    attribute changed, so that it behaves as one the ORM loaded. Attributes not in `values` load
    when first used, as deferred columns do."""
    mapper = model.__mapper__  # type: ignore[attr-defined]
    key = mapper.identity_key_from_primary_key(
        [values[mapper.get_property_by_column(c).key] for c in mapper.primary_key]
    )
    found = session.identity_map.get(key)
    if found is not None:
        if refresh:  # drop what the object holds, then take the row's values as loaded
            session.expire(found)
            for name, value in values.items():
                set_committed_value(found, name, value)
        return found
    instance = mapper.class_manager.new_instance()  # as the ORM's loading does: no __init__,
    instance.__dict__.update(values)  # and the values placed as loaded, without change events
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


def end_read(session: Session) -> None:
    """End a transaction that wrote nothing (it read, perhaps locking rows) with COMMIT, keeping
    what it loaded. A ROLLBACK does the same to the data, but psycopg forgets every statement it
    prepared on the connection at a ROLLBACK, so the server plans each again, and the user's
    query alone takes 0.55 ms to plan against 0.02 ms for a prepared one's cached plan (EXPLAIN
    ANALYZE, PostgreSQL 15). Objects read a moment ago are not expired: they hold what the
    transaction saw, as if the request had started now."""
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


class Carried:
    """Figures a request read alongside its user (security.load_user), kept for the one call
    that needs them later in the same request, so that call runs no query of its own. Taken
    once: a second call reads afresh. Forgotten at the start of every request, so they never
    outlive the request that read them."""

    def __init__(self, name: str) -> None:
        self._kept: ContextVar[tuple[int, Sequence[Any]] | None] = ContextVar(name, default=None)

    def keep(self, user_id: int, row: Sequence[Any]) -> None:
        """Keep the figures just read for `user_id`."""
        self._kept.set((user_id, row))

    def forget(self) -> None:
        """Drop the kept figures."""
        self._kept.set(None)

    def take(self, user_id: int) -> Sequence[Any] | None:
        """Return the figures kept for `user_id` and drop them, or None when there are none."""
        kept = self._kept.get()
        if kept is None or kept[0] != user_id:
            return None
        self._kept.set(None)
        return kept[1]
