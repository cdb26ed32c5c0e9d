"""The audit trail: every administrative and authoring change, recorded with the change itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from course.extensions import db
from course.models import AuditEntry, Cohort, User

COMMAND_LINE = "command line"
PAGE_SIZE = 50


def record(
    actor: User | None,
    action: str,
    target: User | Cohort | tuple[str, str, str],
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Add an entry to the session; the caller's commit writes it with the change, or neither.

    target is a user, a cohort, or (type, id, label) for anything else; actor None is the
    command line."""
    kind, key, label = _target(target)
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else COMMAND_LINE,
        action=action,
        target_type=kind,
        target_id=key,
        target_label=label[:200],
        before=_plain(before),
        after=_plain(after),
    )
    db.session.add(entry)
    return entry


def _target(target: User | Cohort | tuple[str, str, str]) -> tuple[str, str, str]:
    if isinstance(target, User):
        return "user", str(target.id), f"{target.display_name} <{target.email}>"
    if isinstance(target, Cohort):
        return "cohort", str(target.id), target.name
    return target


def _plain(values: dict | None) -> dict | None:
    """Make values JSON-safe (dates as ISO text, enums as their value)."""
    if values is None:
        return None
    return {k: _value(v) for k, v in values.items()}


def _value(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return getattr(value, "value", value)


@dataclass(frozen=True)
class Filters:
    """What an administrator narrows the trail to; empty fields do not filter."""

    action: str = ""
    actor: str = ""
    target: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def entries(filters: Filters, page: int = 1) -> AuditPage:
    """Return a page of entries, newest first, matching the filters (two queries)."""
    query = select(AuditEntry)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor:
        query = query.where(func.lower(AuditEntry.actor_name).contains(filters.actor.lower()))
    if filters.target:
        query = query.where(func.lower(AuditEntry.target_label).contains(filters.target.lower()))
    if filters.since:
        query = query.where(AuditEntry.at >= datetime.combine(filters.since, time(), UTC))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), UTC)
        query = query.where(AuditEntry.at < end)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return AuditPage(list(rows), total, page, pages)


def actions() -> list[str]:
    """Return every action recorded so far, for the filter's choices."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by("action")))
