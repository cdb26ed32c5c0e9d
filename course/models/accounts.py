"""Accounts: users, their roles, and cohorts."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Date, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.extensions import db
from course.models.types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    TRAINEE = "trainee"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"trainee": "Trainee", "instructor": "Instructor", "admin": "Administrator"}[self]


ROLE_TYPE = Enum(
    Role,
    name="role",
    values_callable=lambda e: [m.value for m in e],
    native_enum=False,
    length=16,
    validate_strings=True,
)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    rank: Mapped[str] = mapped_column(String(60), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(ROLE_TYPE, default=Role.TRAINEE)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the id kept in the session cookie: rotating it logs every browser out.
    session_token: Mapped[str] = mapped_column(
        String(32), default=lambda: secrets.token_hex(16), server_default=""
    )

    memberships: Mapped[list[CohortMember]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Invalidate every session of this account (password changed, reset, deactivated)."""
        self.session_token = secrets.token_hex(16)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class Cohort(db.Model):
    __tablename__ = "cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[CohortMember]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )
    rules: Mapped[list[CohortRule]] = relationship(  # noqa: F821 - defined in models.learning
        cascade="all, delete-orphan", order_by="CohortRule.id"
    )


class CohortMember(db.Model):
    """A user's place in a cohort: as a trainee in it, or as an instructor responsible for it."""

    __tablename__ = "cohort_member"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")


class LoginFailure(db.Model):
    """A failed password check, by account or by address: shared by every server process."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(db.Model):
    """A personal access token for the JSON API: only its SHA-256 is stored, with an expiry and
    a role no wider than its owner's."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))  # shown in the list, to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
