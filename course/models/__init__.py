"""Database rows, one file per family."""

from course.models.accounts import ApiToken, Cohort, CohortMember, LoginFailure, Role, User
from course.models.audit import AuditEntry, PasswordToken
from course.models.content import ContentSet, Draft, Module, ModuleVersion, Quiz, QuizVersion
from course.models.learning import (
    Answer,
    Attempt,
    CohortRule,
    Event,
    JudgingRules,
    LearnerState,
    LearnerSummary,
    LearnerWeek,
    ModuleProgress,
)
from course.models.outbox import OutboxMessage

__all__ = [
    "Answer",
    "ApiToken",
    "AuditEntry",
    "Attempt",
    "Cohort",
    "CohortMember",
    "CohortRule",
    "ContentSet",
    "Draft",
    "Event",
    "JudgingRules",
    "LearnerState",
    "LearnerSummary",
    "LearnerWeek",
    "LoginFailure",
    "Module",
    "ModuleProgress",
    "ModuleVersion",
    "OutboxMessage",
    "PasswordToken",
    "Quiz",
    "QuizVersion",
    "Role",
    "User",
]
