"""The outbox: messages for other systems, written in the transaction of the event they tell of."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from course.extensions import db
from course.models.types import UTCDateTime, utcnow


class OutboxMessage(db.Model):
    """One message (an xAPI statement, say) with the id it keeps for ever, until acknowledged."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "topic", "sent_at", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Not tried before this time: the back-off after a failure, or the lease of a sender's claim.
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
