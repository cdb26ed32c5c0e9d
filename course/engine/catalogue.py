"""What the engine knows about the course: competencies with their parameters, and modules."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

# Bump whenever the rules change what a history means: stored states made by another version are
# replayed, and each judged attempt records the version that judged it. 2.1: placement under the
# learner's own base rate, practice past the material, re-reading the failed module. 2.2: a failed
# refresher's scenario adds no retry of its own; practice past mastery for the least certain. 2.3:
# the failed module read again before every retry. 2.4: an answer is evidence at the square of its
# weight.
ENGINE_VERSION = "2.4"
KINDS = ("core", "refresher", "case-study", "capstone")


def _check(ok: bool, message: str) -> None:
    """Raise ValueError with message unless ok."""
    if not ok:
        raise ValueError(message)


@dataclass(frozen=True)
class Params:
    """Bayesian Knowledge Tracing parameters of one competency."""

    prior: float = 0.15
    learn: float = 0.20
    guess: float = 0.20
    slip: float = 0.10
    forget: float = 0.01
    threshold: float = 0.95
    placement: float = 0.90  # P(mastered) after the placement check at which a module is skipped

    def validate(self) -> Params:
        """Check every probability is in range and that mastery predicts success."""
        for name in ("prior", "learn", "forget"):
            _check(0.0 <= getattr(self, name) <= 1.0, f"{name} must be in [0, 1]")
        _check(self.forget < 1.0, "forget must be below 1")
        for name in ("guess", "slip"):
            _check(0.0 < getattr(self, name) < 1.0, f"{name} must be in (0, 1)")
        _check(self.guess + self.slip < 1.0, "guess + slip must be below 1")
        _check(0.0 < self.threshold <= 1.0, "threshold must be in (0, 1]")
        _check(0.0 < self.placement <= 1.0, "placement must be in (0, 1]")
        return self

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Params:
        """Build from a mapping; missing keys take the defaults."""
        return cls(**{k: float(v) for k, v in data.items()}).validate()


@dataclass(frozen=True)
class CompetencySpec:
    """A competency the course teaches and the parameters of its learner model."""

    id: str
    name: str
    params: Params = field(default_factory=Params)
    track: str = ""

    def validate(self) -> CompetencySpec:
        """Check the id, name and parameters."""
        _check(bool(self.id) and bool(self.name), "competency needs an id and a name")
        self.params.validate()
        return self


@dataclass(frozen=True)
class Prereq:
    """One prerequisite: a module completed, or a competency at a mastery level."""

    module: str | None = None
    competency: str | None = None
    mastery: float | None = None

    def validate(self) -> Prereq:
        """Check exactly one of module or competency (with its mastery) is given."""
        _check((self.module is None) != (self.competency is None), "prereq: module xor competency")
        if self.competency is not None:
            _check(self.mastery is not None and 0.0 < self.mastery <= 1.0, "mastery in (0, 1]")
        else:
            _check(self.mastery is None, "a module prerequisite takes no mastery")
        return self


@dataclass(frozen=True)
class ModuleSpec:
    """A module: what it teaches (competency, weight) and what must come first."""

    id: str
    title: str
    track: str
    kind: str = "core"
    level: int = 1
    competencies: tuple[tuple[str, float], ...] = ()
    prerequisites: tuple[Prereq, ...] = ()
    has_quiz: bool = True
    max_attempts: int = 0  # the quiz's attempts to pass (0: no limit)
    cooldown_hours: float = 0.0  # the wait after a failed attempt

    def validate(self) -> ModuleSpec:
        """Check kind, weights and prerequisites."""
        _check(bool(self.id) and bool(self.title), "module needs an id and a title")
        _check(self.kind in KINDS, f"module {self.id}: kind must be one of {KINDS}")
        _check(bool(self.competencies), f"module {self.id}: teaches no competency")
        for comp, weight in self.competencies:
            _check(0.0 < weight <= 1.0, f"module {self.id}: weight of {comp} not in (0, 1]")
        for prereq in self.prerequisites:
            prereq.validate()
        _check(self.max_attempts >= 0 and self.cooldown_hours >= 0, f"{self.id}: bad retake rule")
        return self

    def weight(self, competency: str) -> float:
        """Return the weight with which this module teaches competency (0 if not)."""
        return dict(self.competencies).get(competency, 0.0)


@dataclass(frozen=True)
class Catalogue:
    """Competencies, modules in catalogue order, and the track order."""

    competencies: tuple[CompetencySpec, ...]
    modules: tuple[ModuleSpec, ...]
    tracks: tuple[str, ...] = ()

    def validate(self) -> Catalogue:
        """Check ids are unique, references resolve and prerequisites have no cycle."""
        comp_ids = [c.id for c in self.competencies]
        module_ids = [m.id for m in self.modules]
        _check(len(set(comp_ids)) == len(comp_ids), "duplicate competency id")
        _check(len(set(module_ids)) == len(module_ids), "duplicate module id")
        for comp in self.competencies:
            comp.validate()
        for module in self.modules:
            module.validate()
            _check_references(module, set(comp_ids), set(module_ids))
        _check_acyclic(self.modules)
        return self

    def with_params(self, params: Mapping[str, Params]) -> Catalogue:
        """Return a copy whose competencies take the given parameters."""
        comps = tuple(replace(c, params=params.get(c.id, c.params)) for c in self.competencies)
        return replace(self, competencies=comps)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Catalogue:
        """Build from the dict made by to_json."""
        comps = tuple(
            CompetencySpec(c["id"], c["name"], Params.from_json(c.get("params", {})), c["track"])
            for c in data["competencies"]
        )
        return cls(
            comps, tuple(_module_from_json(m) for m in data["modules"]), tuple(data["tracks"])
        )

    def params_hash(self) -> str:
        """Return a short hash of everything that shapes a judgement, with the engine version."""
        payload = json.dumps([ENGINE_VERSION, self.to_json()], sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()[:16]


def _module_from_json(data: Mapping[str, Any]) -> ModuleSpec:
    """Build one module from its dict."""
    return ModuleSpec(
        id=data["id"],
        title=data["title"],
        track=data["track"],
        kind=data.get("kind", "core"),
        level=int(data.get("level", 1)),
        competencies=tuple((c, float(w)) for c, w in data["competencies"]),
        prerequisites=tuple(Prereq(**p) for p in data.get("prerequisites", ())),
        has_quiz=bool(data.get("has_quiz", True)),
        max_attempts=int(data.get("max_attempts", 0)),
        cooldown_hours=float(data.get("cooldown_hours", 0.0)),
    )


def _check_references(module: ModuleSpec, comps: set[str], modules: set[str]) -> None:
    """Check every competency and prerequisite a module names exists."""
    for comp, _ in module.competencies:
        _check(comp in comps, f"module {module.id}: unknown competency {comp}")
    for prereq in module.prerequisites:
        _check(prereq.module is None or prereq.module in modules, f"{module.id}: unknown prereq")
        _check(
            prereq.competency is None or prereq.competency in comps, f"{module.id}: unknown prereq"
        )


def _check_acyclic(modules: tuple[ModuleSpec, ...]) -> None:
    """Check module prerequisites form no cycle (depth-first search)."""
    edges = {m.id: [p.module for p in m.prerequisites if p.module] for m in modules}
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        _check(state.get(node) != 1, f"prerequisite cycle through {node}")
        if state.get(node) == 2:
            return
        state[node] = 1
        for nxt in edges[node]:
            visit(nxt)
        state[node] = 2

    for node in edges:
        visit(node)
