"""xAPI 1.0.3 statements from the platform's learning events.

Pure (standard library and course.content only): dataclasses in, JSON dicts out. Queueing and
sending live in course.services (statements, outbox, lrs). See docs/xapi.md.
"""

from course.xapi.statements import (
    Answered,
    CohortRef,
    EvidenceItem,
    Interaction,
    Learner,
    MasteryChanged,
    ModuleCompleted,
    ModuleExperienced,
    ModuleRef,
    Platform,
    QuizFinished,
    QuizRef,
    ReviewDue,
    build,
    registration,
    review_id,
    timestamp,
)
from course.xapi.steps import interaction, response
from course.xapi.validate import problems
from course.xapi.vocabulary import XAPI_VERSION

__all__ = [
    "XAPI_VERSION",
    "Answered",
    "CohortRef",
    "EvidenceItem",
    "Interaction",
    "Learner",
    "MasteryChanged",
    "ModuleCompleted",
    "ModuleExperienced",
    "ModuleRef",
    "Platform",
    "QuizFinished",
    "QuizRef",
    "ReviewDue",
    "build",
    "interaction",
    "problems",
    "registration",
    "response",
    "review_id",
    "timestamp",
]
