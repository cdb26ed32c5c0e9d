"""Reasons: the structured why of a recommendation, and the one sentence a trainee reads."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Reason:
    """A reason code and its data (ids, shares in [0, 1], ISO dates): JSON-serialisable."""

    code: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> Reason:
        """Check the code is one this module can explain."""
        if self.code not in TEXTS:
            raise ValueError(f"unknown reason code {self.code}")
        return self

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {"code": self.code, "data": dict(self.data)}


def pct(p: float) -> str:
    """Format a probability as a whole percent, rounded down so 94.9% never reads 95%."""
    return f"{math.floor(p * 100 + 1e-9)}%"


def when(at: str | date | datetime | None, now: datetime) -> str:
    """Format a day as "3 Nov", with the year when it is not the current one."""
    if at is None:
        return "an earlier date"
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    day = at.date() if isinstance(at, datetime) else at
    text = f"{day.day} {day:%b}"
    return text if day.year == now.year else f"{text} {day.year}"


class Names:
    """Looks up display names of competencies and modules."""

    def __init__(self, competencies: Mapping[str, str], modules: Mapping[str, str]) -> None:
        """Keep the id -> name maps."""
        self.competencies = competencies
        self.modules = modules

    def comp(self, competency_id: str) -> str:
        """Return a competency's name."""
        return self.competencies.get(competency_id, competency_id)

    def module(self, module_id: str | None) -> str:
        """Return a module's title."""
        return self.modules.get(module_id or "", module_id or "the module")


def _placement(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain the placement check."""
    return "Start with the placement check: it finds what you already know so you can skip it."


def _pinned(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain a pinned module, or the module that opens the way to it."""
    if d.get("for") and d["for"] != d["module"]:
        return (
            f"Your cohort has pinned {n.module(d['for'])} for everyone to take now, and "
            f"{n.module(d['module'])} opens the way to it."
        )
    return f"Your cohort has pinned {n.module(d['module'])} for everyone to take now."


def _remediation(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain a refresher (or a re-read of the failed module) after a failed quiz."""
    head = (
        f"{n.comp(d['competency'])} was your weakest area in {n.module(d['failed'])} on "
        f"{when(d['failed_at'], now)} ({pct(d['share'])}): "
    )
    if d["module"] != d["failed"]:
        return f"{head}{n.module(d['module'])} refreshes it before you retry."
    refresher = d.get("refresher")
    if refresher == d["module"]:
        return f"{head}read {n.module(d['module'])} again before you retry; it teaches it most."
    if refresher:
        return (
            f"{head}you have read {n.module(refresher)}; read {n.module(d['module'])} again, "
            "then retry it."
        )
    return f"{head}read {n.module(d['module'])} again, then retry it."


def _retry(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain a retry of a failed quiz."""
    refresher = d.get("refresher")
    start = f"You have read {n.module(refresher)}: retry" if refresher else "Retry"
    if refresher == d["module"]:
        start = "You have read it again: retry"
    return (
        f"{start} {n.module(d['module'])}, which you did not pass on {when(d['failed_at'], now)} "
        f"(weakest: {n.comp(d['competency'])})."
    )


def _wait(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain why there is nothing to do until a retry opens."""
    ready = datetime.fromisoformat(d["ready_at"])
    return (
        f"You can retry {n.module(d['module'])} from {when(ready, now)} at {ready:%H:%M} UTC; "
        "nothing else is open to you until then."
    )


def _required(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain a module the cohort requires."""
    due = f" by {when(d['target_date'], now)}" if d.get("target_date") else ""
    if d.get("for") and d["for"] != d["module"]:
        return (
            f"{n.module(d['for'])} is required for your cohort{due}, and "
            f"{n.module(d['module'])} opens the way to it."
        )
    return f"{n.module(d['module'])} is required for your cohort{due}."


def _review(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain a review of a decayed competency."""
    return (
        f"{n.comp(d['competency'])} mastery has decayed to {pct(d['mastery'])} < "
        f"{pct(d['threshold'])} since you last practised it on {when(d['last_at'], now)}: "
        f"{n.module(d['module'])} reviews it."
    )


def _gain(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain the module with the largest expected gain."""
    head = (
        f"{n.comp(d['competency'])} mastery {pct(d['mastery'])} < {pct(d['threshold'])}: "
        f"{n.module(d['module'])} teaches it"
    )
    return (
        f"{head}; {_prereq_text(d['prerequisites'], n, now)}."
        if d["prerequisites"]
        else (f"{head} best of the modules open to you.")
    )


def _practice(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain practising a competency again."""
    return (
        f"{n.comp(d['competency'])} mastery {pct(d['mastery'])} < {pct(d['threshold'])}: "
        f"practise it again with {n.module(d['module'])}."
    )


def _consolidate(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain practising a competency called mastered but not yet certain."""
    return (
        f"{n.comp(d['competency'])} is mastered at {pct(d['mastery'])}, the least certain of "
        f"your competencies: practise it again with {n.module(d['module'])}."
    )


def _capstone(d: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Explain a capstone, or the module that opens the way to one."""
    if d.get("for") and d["for"] != d["module"]:
        return (
            f"{n.module(d['for'])} is still to do: it is a track's final scenario, and "
            f"{n.module(d['module'])} opens the way to it."
        )
    return (
        f"{n.module(d['module'])} is a track's final scenario: it proves under pressure what the "
        "track taught, and the course is complete when every capstone is passed."
    )


def _prereq_text(prereqs: list[Mapping[str, Any]], n: Names, now: datetime) -> str:
    """Say how each prerequisite was met."""
    return " and ".join(_one_prereq(p, n, now) for p in prereqs)


def _one_prereq(p: Mapping[str, Any], n: Names, now: datetime) -> str:
    """Say how one prerequisite was met."""
    if p.get("competency"):
        return f"you reached {pct(p['mastery'])} in {n.comp(p['competency'])}"
    if p["how"] == "spent":
        return f"you used every attempt at its prerequisite {n.module(p['module'])}"
    verb = {"placement": "placed out of", "completed": "completed"}.get(p["how"], "passed")
    return f"you {verb} its prerequisite {n.module(p['module'])} on {when(p['at'], now)}"


TEXTS: dict[str, Callable[[Mapping[str, Any], Names, datetime], str]] = {
    "placement": _placement,
    "pinned": _pinned,
    "remediation": _remediation,
    "retry": _retry,
    "wait": _wait,
    "required": _required,
    "review": _review,
    "gain": _gain,
    "practice": _practice,
    "consolidate": _consolidate,
    "capstone": _capstone,
}


def explain(reason: Reason, names: Names, now: datetime) -> str:
    """Return the one sentence a trainee reads for a reason."""
    return TEXTS[reason.code](reason.data, names, now)
