"""What staff may see through the API: administrators every cohort and trainee; instructors the
cohorts they are members of as instructors, and those cohorts' trainees."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from werkzeug.exceptions import NotFound

from course.extensions import db
from course.models import Cohort, CohortMember, Event, Role, User


def _visible_cohort_ids(user: User, role: Role) -> Select | None:
    """Return a query of the cohort ids the user may see acting as role (None: all)."""
    if role == Role.ADMIN:
        return None
    return select(CohortMember.cohort_id).where(
        CohortMember.user_id == user.id, CohortMember.role == Role.INSTRUCTOR
    )


def cohorts(user: User, role: Role) -> list[tuple[Cohort, int]]:
    """Return the cohorts the user may see, by name, each with its number of trainees."""
    trainees = (
        select(func.count(CohortMember.id))
        .where(CohortMember.cohort_id == Cohort.id, CohortMember.role == Role.TRAINEE)
        .scalar_subquery()
    )
    query = select(Cohort, trainees).order_by(Cohort.name)
    visible = _visible_cohort_ids(user, role)
    if visible is not None:
        query = query.where(Cohort.id.in_(visible))
    return [(cohort, count) for cohort, count in db.session.execute(query)]


def cohort(user: User, role: Role, cohort_id: int) -> Cohort:
    """Return a cohort the user may see; any other is not found."""
    query = select(Cohort).where(Cohort.id == cohort_id)
    visible = _visible_cohort_ids(user, role)
    if visible is not None:
        query = query.where(Cohort.id.in_(visible))
    found = db.session.scalar(query)
    if found is None:
        raise NotFound()
    return found


def _visible_trainees(user: User, role: Role) -> Select | None:
    visible = _visible_cohort_ids(user, role)
    if visible is None:
        return None
    return select(CohortMember.user_id).where(
        CohortMember.cohort_id.in_(visible), CohortMember.role == Role.TRAINEE
    )


def trainee(user: User, role: Role, trainee_id: int) -> User:
    """Return a trainee the user may see; anyone else is not found."""
    query = select(User).where(User.id == trainee_id, User.role == Role.TRAINEE)
    visible = _visible_trainees(user, role)
    if visible is not None:
        query = query.where(User.id.in_(visible))
    found = db.session.scalar(query)
    if found is None:
        raise NotFound()
    return found


def events(user: User, role: Role, after: int, limit: int) -> tuple[list[Event], int | None]:
    """Return trainees' events with ids above the cursor, oldest first, and the next cursor
    (None when there are no more)."""
    query = (
        select(Event)
        .join(User, User.id == Event.user_id)
        .where(Event.id > after, User.role == Role.TRAINEE)
        .order_by(Event.id)
        .limit(limit + 1)
    )
    visible = _visible_trainees(user, role)
    if visible is not None:
        query = query.where(Event.user_id.in_(visible))
    rows = list(db.session.scalars(query))
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)
