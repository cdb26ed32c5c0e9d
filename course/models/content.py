"""Course content as imported: every change is a new, immutable version."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.extensions import db
from course.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from course.models.accounts import User


class ContentSet(db.Model):
    """One import of competencies.yaml: the tracks and competencies, frozen."""

    __tablename__ = "content_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    tracks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    competencies: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Module(db.Model):
    """A module's stable identity; its text lives in versions, the newest being current."""

    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)


class ModuleVersion(db.Model):
    """One version of a module: front matter, Markdown source and the HTML rendered from it."""

    __tablename__ = "module_version"
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    track: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[int]
    minutes: Mapped[int]
    summary: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)  # objectives, competencies, prerequisites
    source: Mapped[str] = mapped_column(Text)  # the whole file, front matter included
    html: Mapped[str] = mapped_column(Text)
    toc: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    words: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    origin: Mapped[str] = mapped_column(String(20), default="import")  # import | browser
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship()
    author: Mapped[User | None] = relationship()


class Quiz(db.Model):
    """A scenario quiz's stable identity; its steps live in versions, the newest being current."""

    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    module_slug: Mapped[str | None] = mapped_column(String(80), index=True)
    placement: Mapped[bool] = mapped_column(default=False)
    retired: Mapped[bool] = mapped_column(default=False)


class QuizVersion(db.Model):
    """One version of a quiz: its YAML source, immutable once written."""

    __tablename__ = "quiz_version"
    __table_args__ = (UniqueConstraint("quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[float]
    feedback: Mapped[str] = mapped_column(String(20))
    max_attempts: Mapped[int]
    cooldown_hours: Mapped[float]
    source: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    origin: Mapped[str] = mapped_column(String(20), default="import")
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    quiz: Mapped[Quiz] = relationship()
    author: Mapped[User | None] = relationship()


class Draft(db.Model):
    """An unpublished edit of one content file, shared by instructors; trainees never see it.

    `revision` goes up with every save: a save or publish must name the revision (and the
    published version) it was based on, so one instructor never overwrites another's work.
    """

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(120), unique=True)  # modules/<id>.md, quizzes/...
    source: Mapped[str] = mapped_column(Text)
    base_number: Mapped[int]  # the published version it started from; 0 for a new file
    revision: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
