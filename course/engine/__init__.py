"""The progress engine: a learner model per competency, and the policy that picks what comes next.

Pure Python (standard library only): no Flask, no database, no course.content. See docs/engine.md.
"""

from course.engine.catalogue import (
    ENGINE_VERSION,
    Catalogue,
    CompetencySpec,
    ModuleSpec,
    Params,
    Prereq,
)
from course.engine.engine import Engine
from course.engine.events import (
    Event,
    ModuleCompleted,
    ModuleOpened,
    Observation,
    PlacementFinished,
    QuizFinished,
    event_from_json,
    event_to_json,
    per_step,
)
from course.engine.explain import Reason
from course.engine.fit import CompetencyFit, FitReport
from course.engine.policy import CohortRules, Completion, ModuleStatus, Recommendation
from course.engine.state import CompetencyState, LearnerState, QuizResult, Remediation

__all__ = [
    "ENGINE_VERSION",
    "Catalogue",
    "CohortRules",
    "CompetencyFit",
    "CompetencySpec",
    "CompetencyState",
    "Completion",
    "Engine",
    "Event",
    "FitReport",
    "LearnerState",
    "ModuleCompleted",
    "ModuleOpened",
    "ModuleSpec",
    "ModuleStatus",
    "Observation",
    "Params",
    "PlacementFinished",
    "Prereq",
    "QuizFinished",
    "QuizResult",
    "Reason",
    "Recommendation",
    "Remediation",
    "event_from_json",
    "event_to_json",
    "per_step",
]
