"""Reviews falling due: found by a sweep over every trainee, since time, not an event, makes them.

Each review episode (a competency once mastered, decayed and rested, until it is practised again)
gets one 'review due' statement. Its id is derived from the episode, so the sweep can run at any
time, as often as wanted and in several processes: an episode already queued is skipped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from course import engine, xapi
from course.engine import policy
from course.extensions import db
from course.models import LearnerState, OutboxMessage, Role, User
from course.services import catalogue, learning, outbox, statements
from course.services.catalogue import Course


def sweep(course: Course, now: datetime) -> int:
    """Queue 'review due' for each review episode not queued yet; return how many were."""
    if not statements.enabled():
        return 0
    due = {
        user_id: found for user_id, state in _states(course) if (found := _due(course, state, now))
    }
    db.session.commit()  # end the reading transaction before writing trainee by trainee
    return sum(_queue(user_id, events) for user_id, events in due.items())


def _states(course: Course) -> list[tuple[int, engine.LearnerState]]:
    """Return every active trainee's engine state (replayed where the content changed since)."""
    rows = db.session.scalars(
        select(LearnerState)
        .join(User, User.id == LearnerState.user_id)
        .where(User.role == Role.TRAINEE, User.active)
    ).all()
    return [
        (
            row.user_id,
            engine.LearnerState.from_json(row.state)
            if learning.is_current(row, course)
            else learning.state(row.user_id, course),
        )
        for row in rows
    ]


def _due(course: Course, state: engine.LearnerState, now: datetime) -> list[xapi.ReviewDue]:
    snap = policy.snapshot(course.engine, state, now, None)
    return [
        xapi.ReviewDue(
            competency,
            course.competency_names.get(competency, competency),
            snap.mastery[competency],
            snap.threshold(competency),
            state.competencies[competency].at,
            _module(course, policy.review_teacher(snap, competency)),
            now,
        )
        for competency in policy.review_due(snap)
    ]


def _module(course: Course, slug: str | None) -> xapi.ModuleRef | None:
    info = course.module(slug) if slug else None
    version = catalogue.module_version(slug) if info else None
    return xapi.ModuleRef(info.slug, info.title, version.number) if version else None


def _queue(user_id: int, events: list[xapi.ReviewDue]) -> int:
    """Queue the trainee's new episodes in one short transaction; return how many."""
    home, who = statements.platform(), statements.learner(user_id)
    fresh = {xapi.review_id(home, who, event): event for event in events}
    known = set(
        db.session.scalars(
            select(OutboxMessage.message_id).where(OutboxMessage.message_id.in_(list(fresh)))
        )
    )
    queued = 0
    for statement_id, event in fresh.items():
        if statement_id in known:
            continue
        try:
            with db.session.begin_nested():  # another sweep may queue the same episode first
                outbox.add(
                    statements.TOPIC, statement_id, xapi.build(home, who, event, statement_id)
                )
            queued += 1
        except IntegrityError:
            pass
    db.session.commit()
    return queued
