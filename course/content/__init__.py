"""Course content: the module and quiz formats, parser, validator, renderer and grading.

Pure Python: nothing here imports Flask or SQLAlchemy.
"""

from course.content.grading import (
    GRADERS,
    Graded,
    InvalidResponse,
    QuizScore,
    best_choice,
    grade,
    resolve,
    score,
    shown_order,
    shuffled_items,
)
from course.content.graph import Graph, layout
from course.content.model import (
    Catalogue,
    Check,
    Choice,
    Competency,
    Decision,
    Ending,
    EngineParams,
    Evidence,
    Gate,
    Module,
    Option,
    Prerequisite,
    Problem,
    Quiz,
    Step,
    Track,
)
from course.content.parser import Parsed, parse, parse_quiz
from course.content.render import Heading, Rendered, render
from course.content.validator import check, validate

__all__ = [
    "GRADERS",
    "Catalogue",
    "Check",
    "Choice",
    "Competency",
    "Decision",
    "Ending",
    "EngineParams",
    "Evidence",
    "Gate",
    "Graded",
    "Graph",
    "Heading",
    "InvalidResponse",
    "Module",
    "Option",
    "Parsed",
    "Prerequisite",
    "Problem",
    "Quiz",
    "QuizScore",
    "Rendered",
    "Step",
    "Track",
    "best_choice",
    "check",
    "grade",
    "layout",
    "parse",
    "parse_quiz",
    "render",
    "resolve",
    "score",
    "shown_order",
    "shuffled_items",
    "validate",
]
