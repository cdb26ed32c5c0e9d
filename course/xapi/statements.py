"""Statements built from learning events: plain dataclasses in, xAPI 1.0.3 JSON out."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from course.xapi import vocabulary as v

Json = dict[str, Any]


@dataclass(frozen=True)
class Platform:
    """Who makes the statements: the platform's home page names its accounts and activities."""

    home_page: str
    name: str = "Course Platform"
    language: str = "en-US"
    identify_by_email: bool = False  # mbox instead of the account: only when configured

    @property
    def home(self) -> str:
        return self.home_page.rstrip("/")

    def activity_id(self, *parts: str) -> str:
        """Return a stable activity IRI: the same for every version of the content."""
        return "/".join([self.home, "xapi", "activities", *(quote(p, safe="") for p in parts)])

    def extension(self, name: str) -> str:
        return v.extension(self.home, name)


@dataclass(frozen=True)
class CohortRef:
    id: int
    name: str


@dataclass(frozen=True)
class Learner:
    """The actor: an account on the platform, by its stable id (never the email unless told)."""

    key: str
    email: str = ""
    cohorts: tuple[CohortRef, ...] = ()


@dataclass(frozen=True)
class ModuleRef:
    slug: str
    title: str
    version: int


@dataclass(frozen=True)
class QuizRef:
    """A quiz as one attempt took it: the version, the attempt, the module it belongs to."""

    slug: str
    title: str
    version: int
    module: str | None
    module_title: str
    placement: bool
    attempt_id: int
    attempt_number: int


@dataclass(frozen=True)
class Interaction:
    """A step as xAPI describes an interaction: choices by id and the correct response."""

    step_id: str
    kind: str  # "choice" or "sequencing"
    prompt: str
    choices: tuple[tuple[str, str], ...]  # (id, text)
    correct: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceItem:
    competency: str
    rating: str
    weight: float


@dataclass(frozen=True)
class ModuleExperienced:
    """One reading of a module, with its reading time."""

    module: ModuleRef
    seconds: int
    at: datetime


@dataclass(frozen=True)
class ModuleCompleted:
    """The first time a trainee marked a module as read."""

    module: ModuleRef
    at: datetime


@dataclass(frozen=True)
class Answered:
    """One step of a scenario answered: the response, its rating and the evidence it gave."""

    quiz: QuizRef
    interaction: Interaction
    response: tuple[str, ...]
    rating: str
    value: float
    evidence: tuple[EvidenceItem, ...]
    at: datetime


@dataclass(frozen=True)
class QuizFinished:
    """A scenario (passed or failed) or the placement check (completed) finished."""

    quiz: QuizRef
    score: float
    pass_mark: float
    passed: bool
    outcome: str | None
    per_competency: tuple[tuple[str, float], ...]
    seconds: int
    at: datetime


@dataclass(frozen=True)
class MasteryChanged:
    """The engine first called a competency mastered, or stopped calling it so."""

    competency: str
    name: str
    mastered: bool
    estimate: float
    threshold: float
    cause: str  # "evidence" (an answer moved it) or "forgetting" (time did)
    engine_version: str
    params_hash: str
    at: datetime


@dataclass(frozen=True)
class ReviewDue:
    """A competency once mastered has decayed enough, and rested long enough, to review: found
    by a sweep, once per episode (an episode ends when the competency is practised again)."""

    competency: str
    name: str
    estimate: float
    threshold: float
    last_practised: datetime
    module: ModuleRef | None  # the module the path sends the trainee to for the review
    at: datetime


Event = ModuleExperienced | ModuleCompleted | Answered | QuizFinished | MasteryChanged | ReviewDue


def timestamp(at: datetime) -> str:
    """Format a time as xAPI wants it: ISO 8601 in UTC, milliseconds, 'Z'."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: statements need a time zone")
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def registration(platform: Platform, attempt_id: int) -> str:
    """Return the registration of an attempt: a UUID derived from it, the same every time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{platform.home}/attempts/{attempt_id}"))


def review_id(platform: Platform, learner: Learner, event: ReviewDue) -> str:
    """Return the statement id of a review episode: the same every time the sweep finds it."""
    episode = f"{learner.key}/{event.competency}/{timestamp(event.last_practised)}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{platform.home}/review-due/{episode}"))


def build(platform: Platform, learner: Learner, event: Event, statement_id: str) -> Json:
    """Return the statement for one event, with the id it keeps for ever."""
    verb, obj, result, context = BUILDERS[type(event)](platform, event)
    statement: Json = {
        "id": str(uuid.UUID(statement_id)),
        "actor": actor(platform, learner),
        "verb": verb.to_json(platform.language),
        "object": obj,
        "timestamp": timestamp(event.at),
        "version": v.XAPI_VERSION,
        "context": _context(platform, learner, context),
    }
    if result:
        statement["result"] = result
    return statement


def actor(platform: Platform, learner: Learner) -> Json:
    """Return the agent: an account on the platform, or the mailbox when so configured."""
    if platform.identify_by_email and learner.email:
        return {"objectType": "Agent", "mbox": f"mailto:{learner.email}"}
    return {"objectType": "Agent", "account": {"homePage": platform.home, "name": learner.key}}


def activity(platform: Platform, kind: str, name: str, *parts: str, **definition: Any) -> Json:
    """Return an activity with its type and English name."""
    return {
        "objectType": "Activity",
        "id": platform.activity_id(*parts),
        "definition": {"type": kind, "name": {platform.language: name}, **definition},
    }


def _context(platform: Platform, learner: Learner, extra: Json) -> Json:
    course = activity(platform, v.COURSE, platform.name, "course")
    cohorts = [
        activity(platform, v.cohort_type(platform.home), c.name, "cohort", str(c.id))
        for c in learner.cohorts
    ]
    activities = {**extra.pop("contextActivities", {})}
    activities["grouping"] = [*activities.get("grouping", []), course, *cohorts]
    return {
        "platform": platform.name,
        "language": platform.language,
        **extra,
        "contextActivities": activities,
    }


def _module(platform: Platform, module: ModuleRef) -> Json:
    return activity(platform, v.MODULE, module.title, "module", module.slug)


def _module_context(platform: Platform, module: ModuleRef) -> Json:
    return {"extensions": {platform.extension("content-version"): module.version}}


Parts = tuple[v.Verb, Json, Json, Json]


def _experienced(platform: Platform, event: ModuleExperienced) -> Parts:
    result = {"duration": f"PT{max(event.seconds, 0)}S"}
    return (
        v.EXPERIENCED,
        _module(platform, event.module),
        result,
        _module_context(platform, event.module),
    )


def _completed(platform: Platform, event: ModuleCompleted) -> Parts:
    return (
        v.COMPLETED,
        _module(platform, event.module),
        {"completion": True},
        _module_context(platform, event.module),
    )


def _quiz(platform: Platform, quiz: QuizRef) -> Json:
    return activity(platform, v.ASSESSMENT, quiz.title, "scenario", quiz.slug)


def _quiz_context(platform: Platform, quiz: QuizRef, parents: list[Json]) -> Json:
    activities: Json = {"parent": parents} if parents else {}
    if quiz.module:
        module = activity(platform, v.MODULE, quiz.module_title, "module", quiz.module)
        activities["grouping"] = [module]
    return {
        "registration": registration(platform, quiz.attempt_id),
        "contextActivities": activities,
        "extensions": {
            platform.extension("content-version"): quiz.version,
            platform.extension("attempt"): quiz.attempt_number,
        },
    }


def _competency_iri(platform: Platform, competency: str) -> str:
    return platform.activity_id("competency", competency)


def _answered(platform: Platform, event: Answered) -> Parts:
    step = event.interaction
    lang = platform.language
    definition = {
        "description": {lang: step.prompt},
        "interactionType": step.kind,
        "correctResponsesPattern": ["[,]".join(step.correct)],
        "choices": [{"id": i, "description": {lang: text}} for i, text in step.choices],
    }
    obj = activity(
        platform,
        v.INTERACTION,
        f"{event.quiz.title}: {step.step_id}",
        "scenario",
        event.quiz.slug,
        "step",
        step.step_id,
        **definition,
    )
    result = {
        "response": "[,]".join(event.response),
        "success": event.rating == "best",
        "score": {"scaled": round(event.value, 4)},
        "extensions": {
            platform.extension("rating"): event.rating,
            platform.extension("evidence"): [
                {
                    "competency": _competency_iri(platform, e.competency),
                    "rating": e.rating,
                    "weight": e.weight,
                }
                for e in event.evidence
            ],
        },
    }
    context = _quiz_context(platform, event.quiz, [_quiz(platform, event.quiz)])
    return v.ANSWERED, obj, result, context


def _finished(platform: Platform, event: QuizFinished) -> Parts:
    quiz = event.quiz
    score = min(max(event.score, 0.0), 1.0)
    result: Json = {
        "score": {"scaled": round(score, 4), "raw": round(score * 100, 2), "min": 0, "max": 100},
        "completion": True,
        "duration": f"PT{max(event.seconds, 0)}S",
        "extensions": {
            platform.extension("per-competency"): [
                {"competency": _competency_iri(platform, c), "score": round(s, 4)}
                for c, s in event.per_competency
            ],
        },
    }
    if event.outcome:
        result["extensions"][platform.extension("outcome")] = event.outcome
    if quiz.placement:
        verb = v.COMPLETED
    else:
        verb = v.PASSED if event.passed else v.FAILED
        result["success"] = event.passed
        result["extensions"][platform.extension("pass-mark")] = event.pass_mark
    return verb, _quiz(platform, quiz), result, _quiz_context(platform, quiz, [])


def _mastery(platform: Platform, event: MasteryChanged) -> Parts:
    verb = v.MASTERED if event.mastered else v.own_verbs(platform.home)["lost-mastery"]
    obj = activity(platform, v.OBJECTIVE, event.name, "competency", event.competency)
    result = {
        "success": event.mastered,
        "score": {"scaled": round(min(max(event.estimate, 0.0), 1.0), 4)},
        "extensions": {
            platform.extension("estimate"): round(event.estimate, 6),
            platform.extension("threshold"): event.threshold,
            platform.extension("cause"): event.cause,
        },
    }
    context = {
        "extensions": {
            platform.extension("engine-version"): event.engine_version,
            platform.extension("params-hash"): event.params_hash,
        }
    }
    return verb, obj, result, context


def _review(platform: Platform, event: ReviewDue) -> Parts:
    verb = v.own_verbs(platform.home)["review-due"]
    obj = activity(platform, v.OBJECTIVE, event.name, "competency", event.competency)
    result = {
        "score": {"scaled": round(min(max(event.estimate, 0.0), 1.0), 4)},
        "extensions": {
            platform.extension("estimate"): round(event.estimate, 6),
            platform.extension("threshold"): event.threshold,
            platform.extension("last-practised"): timestamp(event.last_practised),
        },
    }
    context: Json = {}
    if event.module:
        context = {
            "contextActivities": {"other": [_module(platform, event.module)]},
            "extensions": {platform.extension("content-version"): event.module.version},
        }
    return verb, obj, result, context


BUILDERS: dict[type, Callable[[Platform, Any], Parts]] = {
    ModuleExperienced: _experienced,
    ModuleCompleted: _completed,
    Answered: _answered,
    QuizFinished: _finished,
    MasteryChanged: _mastery,
    ReviewDue: _review,
}
