"""The one outbox: messages for other systems, queued in the transaction of the event they tell
of, each with an id fixed at that moment, and delivered at least once, marked sent only on the
receiver's acknowledgement. Receivers deduplicate by the id, so nothing is lost or doubled.

Several senders may run at once: each claims a batch in a short transaction (FOR UPDATE SKIP
LOCKED on PostgreSQL; on SQLite the BEGIN IMMEDIATE write lock serialises claims), stamps it
with its token and a lease, commits, sends outside any transaction, then settles what it claimed.
A sender that dies leaves its batch to be claimed again once the lease ends.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any

from sqlalchemy import case, func, select, update

from course.extensions import db
from course.models import OutboxMessage
from course.models.types import utcnow


def add(topic: str, message_id: str, payload: dict[str, Any]) -> None:
    """Queue a message in the caller's transaction (the caller commits with its event)."""
    db.session.add(OutboxMessage(topic=topic, message_id=message_id, payload=payload))


@dataclass(frozen=True)
class Message:
    """A claimed message, detached from the session while it is sent."""

    id: int
    message_id: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Delivery:
    """What the receiver said about a batch: the rows it acknowledged, and why the rest failed."""

    sent: tuple[int, ...] = ()
    failed: dict[int, str] = field(default_factory=dict)

    def __add__(self, other: Delivery) -> Delivery:
        return Delivery(self.sent + other.sent, {**self.failed, **other.failed})


Send = Callable[[list[Message]], Delivery]


@dataclass(frozen=True)
class Backoff:
    """Wait first seconds after a first failure, doubling each time up to most seconds."""

    first: float = 5.0
    most: float = 3600.0

    def after(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.first * 2 ** max(attempts - 1, 0), self.most))


@dataclass
class Report:
    """What one run of the sender did."""

    sent: int = 0
    failed: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)


def claim(topic: str, limit: int, lease: timedelta, token: str) -> list[Message]:
    """Take up to limit due messages, oldest first, for this sender until the lease ends."""
    now = utcnow()
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.topic == topic,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_try_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.claimed_by, row.next_try_at = token, now + lease
    messages = [Message(r.id, r.message_id, r.payload, r.attempts) for r in rows]
    db.session.commit()
    return messages


def settle(messages: list[Message], delivery: Delivery, token: str, backoff: Backoff) -> None:
    """Mark acknowledged messages sent; put failed ones back with a back-off and the error."""
    now = utcnow()
    if delivery.sent:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(delivery.sent), OutboxMessage.sent_at.is_(None))
            .values(sent_at=now, claimed_by=None)
        )
    attempts = {m.id: m.attempts for m in messages}
    for row_id, error in delivery.failed.items():
        tries = attempts[row_id] + 1
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == token)
            .values(
                attempts=tries,
                next_try_at=now + backoff.after(tries),
                claimed_by=None,
                last_error=error[:2000],
                last_error_at=now,
            )
        )
    db.session.commit()


def deliver(
    topic: str,
    send: Send,
    *,
    batch_size: int = 50,
    lease: timedelta = timedelta(minutes=2),
    backoff: Backoff | None = None,
    max_batches: int | None = None,
) -> Report:
    """Send due messages in batches until none is due, or a batch fails (the receiver is
    likely down: the back-off decides when to try again)."""
    token = secrets.token_hex(8)
    report = Report()
    while max_batches is None or report.batches < max_batches:
        messages = claim(topic, batch_size, lease, token)
        if not messages:
            break
        delivery = send(messages)
        settle(messages, delivery, token, backoff or Backoff())
        report.batches += 1
        report.sent += len(delivery.sent)
        report.failed += len(delivery.failed)
        report.errors.extend(sorted(set(delivery.failed.values())))
        if delivery.failed:
            break
    return report


@dataclass(frozen=True)
class Queue:
    """The state of one topic's queue, for the administrators' page."""

    pending: int
    failed: int  # pending messages that failed at least once
    sent: int
    oldest_pending: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    next_try_at: datetime | None


def queue(topic: str) -> Queue:
    """Count pending, failed and sent messages, and find the latest error, in two queries."""
    unsent = OutboxMessage.sent_at.is_(None)
    pending, failed, sent, oldest, next_try = db.session.execute(
        select(
            func.count(case((unsent, 1))),
            func.count(case((unsent & (OutboxMessage.attempts > 0), 1))),
            func.count(OutboxMessage.sent_at),
            func.min(case((unsent, OutboxMessage.created_at))),
            func.min(case((unsent, OutboxMessage.next_try_at))),
        ).where(OutboxMessage.topic == topic)
    ).one()
    last = db.session.execute(
        select(OutboxMessage.last_error, OutboxMessage.last_error_at)
        .where(OutboxMessage.topic == topic, OutboxMessage.last_error_at.is_not(None))
        .order_by(OutboxMessage.last_error_at.desc())
        .limit(1)
    ).one_or_none()
    return Queue(pending, failed, sent, oldest, *(last or (None, None)), next_try)


def export(topic: str, out: IO[str], *, include_sent: bool = False) -> int:
    """Write the topic's messages (unsent only, unless told) as JSON lines, oldest first."""
    count = 0
    for payload in _payloads(topic, include_sent):
        out.write(json.dumps(payload, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def _payloads(topic: str, include_sent: bool) -> Iterator[dict[str, Any]]:
    query = select(OutboxMessage.payload).where(OutboxMessage.topic == topic)
    if not include_sent:
        query = query.where(OutboxMessage.sent_at.is_(None))
    yield from db.session.scalars(query.order_by(OutboxMessage.id).execution_options(yield_per=500))
