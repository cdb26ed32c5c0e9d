"""A learner's state: what the engine has concluded from that learner's events so far."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from course.engine.catalogue import ENGINE_VERSION


def _iso(at: datetime | None) -> str | None:
    """Format a time for JSON."""
    return None if at is None else at.isoformat()


def _time(text: str | None) -> datetime | None:
    """Parse a time written by _iso."""
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True)
class CompetencyState:
    """P(mastered) right after the last update, when that was, whether it was ever mastered, how
    many observations it has had, and the summed weight of its good (best-rated) answers."""

    p: float
    at: datetime | None = None
    mastered: bool = False
    evidence: int = 0
    good: float = 0.0
    recent: float = 0.0  # the recent record: a weighted moving average of graded values

    def validate(self) -> CompetencyState:
        """Check p is a probability."""
        if not 0.0 <= self.p <= 1.0:
            raise ValueError("p must be in [0, 1]")
        return self

    def to_json(self) -> list[Any]:
        """Return a compact JSON list."""
        return [self.p, _iso(self.at), self.mastered, self.evidence, self.good, self.recent]

    @classmethod
    def from_json(cls, data: list[Any]) -> CompetencyState:
        """Build from the list made by to_json."""
        return cls(data[0], _time(data[1]), data[2], data[3], data[4], data[5])


@dataclass(frozen=True)
class QuizResult:
    """The last attempt at a module's quiz, and when it was first passed."""

    passed: bool
    at: datetime
    score: float
    weakest: str | None = None
    attempts: int = 1
    passed_at: datetime | None = None

    def to_json(self) -> list[Any]:
        """Return a compact JSON list."""
        return [
            self.passed,
            _iso(self.at),
            self.score,
            self.weakest,
            self.attempts,
            _iso(self.passed_at),
        ]

    @classmethod
    def from_json(cls, data: list[Any]) -> QuizResult:
        """Build from the list made by to_json."""
        return cls(
            data[0], datetime.fromisoformat(data[1]), data[2], data[3], data[4], _time(data[5])
        )


@dataclass(frozen=True)
class Remediation:
    """A pending retry after a failed quiz: first the refresher for the weakest competency (when
    there is one), then the failed module read again, then the retry. `stage` says which comes
    next: "refresher", "retry" (the refresher was read, or there is none: the re-read is next) or
    "reread" (the failed module was read again: the retry itself). It stays pending until the quiz
    is passed or its attempts are spent."""

    module_id: str
    competency: str
    refresher: str | None
    at: datetime
    score: float
    stage: str = "refresher"

    def to_json(self) -> list[Any]:
        """Return a compact JSON list."""
        return [
            self.module_id,
            self.competency,
            self.refresher,
            _iso(self.at),
            self.score,
            self.stage,
        ]

    @classmethod
    def from_json(cls, data: list[Any]) -> Remediation:
        """Build from the list made by to_json."""
        return cls(data[0], data[1], data[2], datetime.fromisoformat(data[3]), data[4], data[5])


@dataclass(frozen=True)
class LearnerState:
    """Everything the engine keeps about one learner; the fields are never mutated."""

    competencies: Mapping[str, CompetencyState] = field(default_factory=dict)
    opened: Mapping[str, datetime] = field(default_factory=dict)
    completed: Mapping[str, datetime] = field(default_factory=dict)
    quizzes: Mapping[str, QuizResult] = field(default_factory=dict)
    remediations: tuple[Remediation, ...] = ()  # pending retries, the most recent last
    placement_at: datetime | None = None
    placement_skipped: tuple[str, ...] = ()
    last_review_at: datetime | None = None
    events: int = 0
    last_at: datetime | None = None
    engine_version: str = ENGINE_VERSION
    params_hash: str = ""

    @property
    def remediation(self) -> Remediation | None:
        """Return the most recent pending retry, if any."""
        return self.remediations[-1] if self.remediations else None

    def validate(self) -> LearnerState:
        """Check every competency state."""
        for comp in self.competencies.values():
            comp.validate()
        return self

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "competencies": {k: v.to_json() for k, v in self.competencies.items()},
            "opened": {k: v.isoformat() for k, v in self.opened.items()},
            "completed": {k: v.isoformat() for k, v in self.completed.items()},
            "quizzes": {k: v.to_json() for k, v in self.quizzes.items()},
            "remediations": [r.to_json() for r in self.remediations],
            "placement_at": _iso(self.placement_at),
            "placement_skipped": list(self.placement_skipped),
            "last_review_at": _iso(self.last_review_at),
            "events": self.events,
            "last_at": _iso(self.last_at),
            "engine_version": self.engine_version,
            "params_hash": self.params_hash,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LearnerState:
        """Build from the dict made by to_json."""
        parse = datetime.fromisoformat
        return cls(
            competencies={k: CompetencyState.from_json(v) for k, v in data["competencies"].items()},
            opened={k: parse(v) for k, v in data["opened"].items()},
            completed={k: parse(v) for k, v in data["completed"].items()},
            quizzes={k: QuizResult.from_json(v) for k, v in data["quizzes"].items()},
            remediations=tuple(Remediation.from_json(r) for r in data["remediations"]),
            placement_at=_time(data["placement_at"]),
            placement_skipped=tuple(data["placement_skipped"]),
            last_review_at=_time(data["last_review_at"]),
            events=data["events"],
            last_at=_time(data["last_at"]),
            engine_version=data["engine_version"],
            params_hash=data["params_hash"],
        )
