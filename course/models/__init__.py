"""Database rows, one file per family."""

from course.models.accounts import Cohort, CohortMember, LoginFailure, Role, User
from course.models.content import ContentSet, Draft, Module, ModuleVersion, Quiz, QuizVersion
from course.models.learning import (
    Answer,
    Attempt,
    CohortRule,
    Event,
    JudgingRules,
    LearnerState,
    ModuleProgress,
)

__all__ = [
    "Answer",
    "Attempt",
    "Cohort",
    "CohortMember",
    "CohortRule",
    "ContentSet",
    "Draft",
    "Event",
    "JudgingRules",
    "LearnerState",
    "LoginFailure",
    "Module",
    "ModuleProgress",
    "ModuleVersion",
    "Quiz",
    "QuizVersion",
    "Role",
    "User",
]
