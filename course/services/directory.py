"""Read and manage the directory of users and cohorts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from course.extensions import db
from course.models import Cohort, CohortMember, Role, User
from course.services import ServiceError


@dataclass(frozen=True)
class Summary:
    users_by_role: dict[str, int]
    cohorts: int


def summary() -> Summary:
    """Count users per role and cohorts, in two queries."""
    rows = db.session.execute(select(User.role, func.count()).group_by(User.role)).all()
    return Summary(
        {role.value: n for role, n in rows},
        db.session.scalar(select(func.count()).select_from(Cohort)) or 0,
    )


def users() -> list[User]:
    """Return every user with their cohorts loaded, by name."""
    return list(
        db.session.scalars(
            select(User)
            .options(selectinload(User.memberships).selectinload(CohortMember.cohort))
            .order_by(User.display_name)
        )
    )


def cohorts() -> list[Cohort]:
    """Return every cohort with its members loaded, by name."""
    return list(
        db.session.scalars(
            select(Cohort)
            .options(selectinload(Cohort.members).selectinload(CohortMember.user))
            .order_by(Cohort.name)
        )
    )


def toggle_active(user_id: int, acting_user_id: int) -> User:
    """Deactivate an active account or reactivate a deactivated one."""
    user = db.get_or_404(User, user_id)
    if user.id == acting_user_id:
        raise ServiceError("You cannot deactivate your own account.")
    if user.role is Role.ADMIN and user.active and _active_admins() == 1:
        raise ServiceError("This is the last active administrator.")
    user.active = not user.active
    db.session.commit()
    return user


def _active_admins() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
        )
        or 0
    )
