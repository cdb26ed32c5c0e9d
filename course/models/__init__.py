"""Database rows, one file per family."""

from course.models.accounts import Cohort, CohortMember, Role, User

__all__ = ["Cohort", "CohortMember", "Role", "User"]
