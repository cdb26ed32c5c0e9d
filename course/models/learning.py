"""Learning records: events, attempts and their answers, module progress, learner state."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.extensions import db
from course.models.types import UTCDateTime, utcnow


class Event(db.Model):
    """Something a trainee did, in the one table the engine and the reports read."""

    __tablename__ = "learning_event"
    __table_args__ = (Index("ix_learning_event_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    module_slug: Mapped[str | None] = mapped_column(String(80))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attempt(db.Model):
    """One run through a quiz version by one trainee."""

    __tablename__ = "attempt"
    __table_args__ = (UniqueConstraint("user_id", "quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    quiz_version_id: Mapped[int] = mapped_column(ForeignKey("quiz_version.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="in-progress")  # or "finished"
    current_step: Mapped[str | None] = mapped_column(String(80))
    seed: Mapped[int | None] = mapped_column(BigInteger)  # orders choices; None: file order
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None]
    passed: Mapped[bool | None]
    outcome: Mapped[str | None] = mapped_column(String(20))
    per_competency: Mapped[dict[str, float] | None] = mapped_column(JSON)
    # The rule that judged this attempt (pass mark, scoring, engine version and parameters).
    judged_by: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="attempt", order_by="Answer.position", cascade="all, delete-orphan"
    )


class Answer(db.Model):
    """The trainee's response at one step of an attempt, graded when it was made."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        UniqueConstraint("attempt_id", "step_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    position: Mapped[int]
    step_id: Mapped[str] = mapped_column(String(80))
    response: Mapped[Any] = mapped_column(JSON)
    rating: Mapped[str] = mapped_column(String(20))
    value: Mapped[float]
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    shown: Mapped[list[Any] | None] = mapped_column(JSON)  # choice ids / option indexes, as seen
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")


class ModuleProgress(db.Model):
    """Where a trainee stands with one module: opened, completed, time spent."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    module_slug: Mapped[str] = mapped_column(String(80))
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[int] = mapped_column(default=0)


class LearnerState(db.Model):
    """The engine's state for one trainee, updated in the transaction of each event."""

    __tablename__ = "learner_state"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    engine_version: Mapped[str] = mapped_column(String(40))
    params_hash: Mapped[str] = mapped_column(String(64))
    last_event_id: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CohortRule(db.Model):
    """An administrator's rule for a cohort: a module required or pinned for its trainees."""

    __tablename__ = "cohort_rule"
    __table_args__ = (UniqueConstraint("cohort_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # required | pinned
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JudgingRules(db.Model):
    """The engine's whole input (parameters, thresholds, weights, prerequisites) under one hash.

    Learner states and attempts store the hash; this row keeps what it stands for, so a judgement
    can always be traced to the numbers that made it.
    """

    __tablename__ = "judging_rules"

    params_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    engine_version: Mapped[str] = mapped_column(String(40))
    catalogue: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LearnerSummary(db.Model):
    """What cohort pages show of one trainee, stored in the transaction of each learning event
    (and of each change to their cohorts' rules), so that a cohort page reads one row per trainee
    instead of replaying the engine for every trainee on every request. Mastery, the next step and
    the notes are as of `at`; a row whose hashes differ from the course's is recomputed on read."""

    __tablename__ = "learner_summary"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    engine_version: Mapped[str] = mapped_column(String(40))
    params_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The engine's estimates at `at` (a list in the course's competency order), the competencies
    # whose record does not yet back theirs (pages fade them to the moment they are read), and the
    # notes behind "needs attention" (struggling, spent): one JSON value, decoded once per read.
    snapshot: Mapped[dict] = mapped_column(JSON)
    modules_done: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    passed: Mapped[int] = mapped_column(default=0)
    last_active: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_kind: Mapped[str | None] = mapped_column(String(20))  # None: nothing left to do
    next_module: Mapped[str | None] = mapped_column(String(80))
    done: Mapped[list[str]] = mapped_column(JSON, default=list)
    complete: Mapped[bool] = mapped_column(default=False)


class LearnerWeek(db.Model):
    """A trainee's figures at their last event in one week (weeks start on Monday, UTC): the cohort
    trends read these instead of replaying every trainee's history per request."""

    __tablename__ = "learner_week"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    mastery: Mapped[dict[str, float]] = mapped_column(JSON)
    modules: Mapped[int] = mapped_column(default=0)
    complete: Mapped[bool] = mapped_column(default=False)
