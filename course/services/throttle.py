"""Failed password checks, counted per account and per address in the database that every server
process shares, with a back-off that always ends (OWASP ASVS 2.2.1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Delete, Select, bindparam, delete, func, select

from course.extensions import db
from course.models import LoginFailure
from course.models.types import utcnow

WINDOW = timedelta(hours=1)
FREE = {"account": 5, "password": 5, "address": 30}  # failures in the window before back-off
CAP = 100  # failures an hour after which a key waits for the window to move on
LONGEST = timedelta(minutes=15)  # the back-off doubles from 1 s up to this


def account_key(login: str) -> str:
    """Return the key that counts failures against an account, by what was typed to log in."""
    return f"account:{login.strip().lower()[:254]}"


def wait(keys: Iterable[str], now: datetime | None = None) -> int:
    """Return the seconds to wait before another password check for these keys (0: go ahead)."""
    now = now or utcnow()
    rows = db.session.execute(_counts(), {"keys": list(keys), "since": now - WINDOW}).all()
    return max((_wait(key, n, first, last, now) for key, n, first, last in rows), default=0)


@cache
def _counts() -> Select:
    """wait()'s query, built once per process: every login runs it."""
    return (
        select(LoginFailure.key, func.count(), func.min(LoginFailure.at), func.max(LoginFailure.at))
        .where(
            LoginFailure.key.in_(bindparam("keys", expanding=True)),
            LoginFailure.at > bindparam("since"),
        )
        .group_by(LoginFailure.key)
    )


def _wait(key: str, failures: int, first: datetime, last: datetime, now: datetime) -> int:
    free = FREE[key.partition(":")[0]]
    if failures < free:
        return 0
    if failures >= CAP:
        until = first + WINDOW
    else:
        until = last + min(timedelta(seconds=2 ** (failures - free)), LONGEST)
    return max(0, int((until - now).total_seconds() + 0.999))


def failed(keys: Iterable[str]) -> None:
    """Record a failed check under each key, and forget failures older than the window."""
    now = utcnow()
    db.session.add_all(LoginFailure(key=key, at=now) for key in keys)
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - WINDOW))
    db.session.commit()


def succeeded(key: str) -> None:
    """Clear an account's failures once its password has been given right, in the caller's
    transaction: accounts.authenticate commits it with the login's own stamp, so a login ends in
    one commit (on PostgreSQL each commit waits for its WAL flush)."""
    db.session.execute(_clear(), {"key": key})


@cache
def _clear() -> Delete:
    """succeeded()'s statement, built once per process: every right password runs it."""
    return delete(LoginFailure).where(LoginFailure.key == bindparam("key"))
