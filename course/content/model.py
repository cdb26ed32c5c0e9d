"""Plain, frozen values for the course content: tracks, competencies, modules and quizzes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

RATINGS = ("best", "acceptable", "poor")
RATING_VALUES = {"best": 1.0, "acceptable": 0.5, "poor": 0.0}
KINDS = ("core", "refresher", "case-study", "capstone")
LEVELS = (1, 2, 3)
FEEDBACK_MODES = ("immediate", "end")
OUTCOMES = ("success", "partial", "failure")
CHECK_TYPES = ("single", "multiple", "ordering")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, where it is and how to fix it."""

    path: str
    line: int
    message: str
    fix: str
    severity: str = "error"  # or "warning": reported, but it does not stop an import

    @property
    def is_error(self) -> bool:
        """Tell whether the problem stops the content from being imported."""
        return self.severity == "error"

    def __str__(self) -> str:
        label = "" if self.is_error else "warning: "
        return f"{self.path}:{self.line}: {label}{self.message} - {self.fix}"


@dataclass(frozen=True)
class Track:
    """A group of competencies shown together in the catalogue."""

    id: str
    name: str
    description: str


@dataclass(frozen=True)
class EngineParams:
    """Knowledge-tracing parameters of one competency (defaults from docs/authoring.md)."""

    prior: float = 0.15
    learn: float = 0.20
    guess: float = 0.20
    slip: float = 0.10
    forget: float = 0.01
    threshold: float = 0.95


@dataclass(frozen=True)
class Competency:
    """A skill the course teaches and the engine tracks."""

    id: str
    name: str
    track: str
    description: str
    params: EngineParams = field(default_factory=EngineParams)


@dataclass(frozen=True)
class Prerequisite:
    """A module to complete first, or a competency to master to a level first."""

    module: str | None = None
    competency: str | None = None
    mastery: float | None = None


@dataclass(frozen=True)
class Module:
    """One Markdown module with its front matter."""

    id: str
    title: str
    track: str
    level: int
    minutes: int
    kind: str
    summary: str
    objectives: tuple[str, ...]
    competencies: tuple[tuple[str, float], ...]
    prerequisites: tuple[Prerequisite, ...]
    body: str
    path: str
    sha256: str


@dataclass(frozen=True)
class Evidence:
    """What an answer says about one competency."""

    competency: str
    rating: str
    weight: float


@dataclass(frozen=True)
class Choice:
    """One answer at a decision point."""

    id: str
    text: str
    rating: str
    feedback: str
    evidence: tuple[Evidence, ...]
    next: str


@dataclass(frozen=True)
class Decision:
    """A decision point: a situation and the choices open to the trainee."""

    type: ClassVar[str] = "decision"

    id: str
    situation: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Option:
    """One option of a single- or multiple-choice knowledge check."""

    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class Check:
    """A knowledge check: single choice, multiple choice or ordering."""

    id: str
    type: str
    prompt: str
    competency: str
    weight: float
    options: tuple[Option, ...]
    items: tuple[str, ...]
    feedback: str
    next: str


@dataclass(frozen=True)
class Ending:
    """Where a path through a quiz ends."""

    type: ClassVar[str] = "ending"

    id: str
    outcome: str
    title: str
    text: str


@dataclass(frozen=True)
class Gate:
    """Sends the trainee to one of two endings by whether the path so far passes the quiz."""

    type: ClassVar[str] = "gate"

    id: str
    pass_to: str
    fail_to: str


Step = Decision | Check | Ending | Gate


@dataclass(frozen=True)
class Quiz:
    """A scenario quiz: a graph of steps from `start` to an ending."""

    id: str
    module: str | None
    title: str
    pass_mark: float
    feedback: str
    max_attempts: int
    cooldown_hours: float
    start: str
    steps: tuple[Step, ...]
    placement: bool
    path: str
    sha256: str

    @cached_property
    def _steps_by_id(self) -> dict[str, Step]:
        return {step.id: step for step in self.steps}

    def step(self, step_id: str) -> Step:
        """Return the step with this id (KeyError if there is none)."""
        return self._steps_by_id[step_id]


@dataclass(frozen=True)
class Catalogue:
    """Everything in a content folder, with lookups by id."""

    tracks: tuple[Track, ...]
    competencies: tuple[Competency, ...]
    modules: tuple[Module, ...]
    quizzes: tuple[Quiz, ...]  # every quiz, the placement check included
    placement: Quiz | None

    @cached_property
    def _tracks(self) -> dict[str, Track]:
        return {item.id: item for item in self.tracks}

    @cached_property
    def _competencies(self) -> dict[str, Competency]:
        return {item.id: item for item in self.competencies}

    @cached_property
    def _modules(self) -> dict[str, Module]:
        return {item.id: item for item in self.modules}

    @cached_property
    def _quizzes(self) -> dict[str, Quiz]:
        return {item.id: item for item in self.quizzes}

    @cached_property
    def _quizzes_by_module(self) -> dict[str, Quiz]:
        return {item.module: item for item in reversed(self.quizzes) if item.module}

    def track(self, track_id: str) -> Track | None:
        """Return the track with this id, or None."""
        return self._tracks.get(track_id)

    def competency(self, competency_id: str) -> Competency | None:
        """Return the competency with this id, or None."""
        return self._competencies.get(competency_id)

    def module(self, module_id: str) -> Module | None:
        """Return the module with this id, or None."""
        return self._modules.get(module_id)

    def quiz(self, quiz_id: str) -> Quiz | None:
        """Return the quiz with this id, or None."""
        return self._quizzes.get(quiz_id)

    def quiz_for(self, module_id: str) -> Quiz | None:
        """Return the (first) quiz that belongs to this module, or None."""
        return self._quizzes_by_module.get(module_id)
