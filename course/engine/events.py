"""Learner events: the recorded source of truth that the engine folds into a state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# What a rating says about mastery (not the quiz score, where acceptable earns half): a master
# usually picks the best choice, so an acceptable one is read as a quarter of a good answer - weak
# evidence against mastery - and a run of acceptable answers can never add up to mastery.
RATINGS = {"best": 1.0, "acceptable": 0.25, "poor": 0.0}
SOURCES = ("scenario", "placement", "review")


def _check(ok: bool, message: str) -> None:
    """Raise ValueError with message unless ok."""
    if not ok:
        raise ValueError(message)


def check_utc(at: datetime) -> datetime:
    """Return at if it is timezone-aware UTC, else raise ValueError."""
    _check(at.tzinfo is not None and at.utcoffset() == timedelta(0), "times must be aware UTC")
    return at


@dataclass(frozen=True, kw_only=True)
class ModuleOpened:
    """A trainee opened a module."""

    module_id: str
    at: datetime

    def validate(self) -> ModuleOpened:
        """Check the time is aware UTC."""
        check_utc(self.at)
        return self


@dataclass(frozen=True, kw_only=True)
class ModuleCompleted:
    """A trainee finished reading a module: a learning opportunity for what it teaches."""

    module_id: str
    at: datetime

    def validate(self) -> ModuleCompleted:
        """Check the time is aware UTC."""
        check_utc(self.at)
        return self


@dataclass(frozen=True, kw_only=True)
class Observation:
    """Graded evidence on one competency: a rating (or a value in [0, 1]) with a weight."""

    competency: str
    at: datetime
    rating: str | None = None
    value: float | None = None
    weight: float = 1.0
    source: str = "scenario"
    module_id: str | None = None
    repeat: bool = False  # the same answer to the same item as in an earlier attempt

    def validate(self) -> Observation:
        """Check rating xor value, the weight and the source."""
        check_utc(self.at)
        _check((self.rating is None) != (self.value is None), "give a rating or a value")
        _check(self.rating is None or self.rating in RATINGS, f"unknown rating {self.rating}")
        _check(self.value is None or 0.0 <= self.value <= 1.0, "value must be in [0, 1]")
        _check(0.0 < self.weight <= 1.0, "weight must be in (0, 1]")
        _check(self.source in SOURCES, f"source must be one of {SOURCES}")
        return self

    def score(self) -> float:
        """Return the graded value: best 1, acceptable 0.25, poor 0, or the value given."""
        return RATINGS[self.rating] if self.rating is not None else float(self.value or 0.0)

    def evidence(self) -> float:
        """Return the chance that the answer reflects this competency: the square of its weight.

        A weight says how much a step is about a competency. Most steps are mainly about one
        (weight 1) and tag others at 0.3-0.6, whose answer then largely mirrors the main one, so
        read at their weight those tags made estimates over-confident (engine 2.4; docs/engine.md,
        round 9e). A weight of 1 is unchanged.
        """
        return self.weight * self.weight


@dataclass(frozen=True, kw_only=True)
class QuizFinished:
    """A trainee finished a module's scenario quiz; per_competency holds the share scored."""

    module_id: str
    at: datetime
    passed: bool
    score: float
    per_competency: Mapping[str, float] = field(default_factory=dict)
    fresh: bool = True  # False when every answer repeated an earlier attempt's answer

    def validate(self) -> QuizFinished:
        """Check the time and that scores are shares."""
        check_utc(self.at)
        _check(0.0 <= self.score <= 1.0, "score must be in [0, 1]")
        _check(all(0.0 <= v <= 1.0 for v in self.per_competency.values()), "shares in [0, 1]")
        return self


@dataclass(frozen=True, kw_only=True)
class PlacementFinished:
    """The placement check is over (its answers came as placement observations)."""

    at: datetime

    def validate(self) -> PlacementFinished:
        """Check the time is aware UTC."""
        check_utc(self.at)
        return self


def per_step(observations: Sequence[Observation]) -> tuple[Observation, ...]:
    """Merge the evidence of one answered step into one observation per competency.

    The engine credits learning once per observation, so a step that names a competency twice
    must not teach it twice: the merged value is the weight-averaged one, the weight the largest.
    """
    groups: dict[str, list[Observation]] = {}
    for ob in observations:
        groups.setdefault(ob.competency, []).append(ob)
    return tuple(_merge(group) for group in groups.values())


def _merge(group: list[Observation]) -> Observation:
    if len(group) == 1:
        return group[0]
    total = sum(ob.weight for ob in group)
    value = sum(ob.score() * ob.weight for ob in group) / total
    first = group[0]
    return Observation(
        competency=first.competency,
        at=first.at,
        value=value,
        weight=max(ob.weight for ob in group),
        source=first.source,
        module_id=first.module_id,
        repeat=first.repeat,
    )


Event = ModuleOpened | ModuleCompleted | Observation | QuizFinished | PlacementFinished

EVENT_TYPES: dict[str, type] = {
    "module-opened": ModuleOpened,
    "module-completed": ModuleCompleted,
    "observation": Observation,
    "quiz-finished": QuizFinished,
    "placement-finished": PlacementFinished,
}
_TYPE_NAMES = {cls: name for name, cls in EVENT_TYPES.items()}


def event_to_json(event: Event) -> dict[str, Any]:
    """Return a JSON-serialisable dict with a "type" key."""
    data: dict[str, Any] = {"type": _TYPE_NAMES[type(event)]}
    for name in event.__dataclass_fields__:
        value = getattr(event, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else _plain(value)
    return data


def event_from_json(data: Mapping[str, Any]) -> Event:
    """Build an event from the dict made by event_to_json, and validate it."""
    fields = {k: v for k, v in data.items() if k != "type"}
    fields["at"] = datetime.fromisoformat(fields["at"])
    return EVENT_TYPES[data["type"]](**fields).validate()


def _plain(value: Any) -> Any:
    """Turn mappings into plain dicts so json can write them."""
    return dict(value) if isinstance(value, Mapping) else value
