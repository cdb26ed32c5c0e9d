"""A trainee's story: what they did, how their mastery moved, and what comes next.

Read-only, in a fixed number of queries whatever the length of the history: the events, the
attempts with their quizzes, their answers, and the trainee's cohort rules. The mastery curve
replays the recorded events through the course's engine - the same fold that builds the state
My path reads - taking the estimate after each event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from course import engine
from course.extensions import db
from course.models import Attempt, Event, Quiz, QuizVersion, User
from course.models.types import utcnow
from course.services import catalogue, charts, learning, scenarios
from course.services.catalogue import Course

FINISHES = ("quiz-passed", "quiz-failed", "placement-finished")


@dataclass(frozen=True)
class Step:
    """One answered step of an attempt: the step, the answer in the trainee's words, its rating."""

    step_id: str
    answer: str
    rating: str


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: datetime
    kind: str  # reading | attempt | review | placement | placement-skipped | unfinished | other
    title: str
    seconds: int = 0
    first: bool = False
    attempt: Attempt | None = None
    steps: tuple[Step, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Point:
    """The trainee's mastery of every competency just after an event (or now)."""

    at: datetime
    label: str
    mastery: dict[str, float]


@dataclass(frozen=True)
class Story:
    """Everything the trainee's page shows."""

    trainee: User
    competencies: tuple[dict, ...]
    entries: tuple[Entry, ...]
    points: tuple[Point, ...]
    mastery: dict[str, float]
    recommendation: engine.Recommendation | None
    completion: engine.Completion
    rules: engine.CohortRules | None
    seconds: int
    modules_read: int
    attempts: int
    passed: int


def story(trainee: User, course: Course) -> Story:
    """Tell a trainee's story from their recorded events."""
    events = list(
        db.session.scalars(select(Event).where(Event.user_id == trainee.id).order_by(Event.id))
    )
    attempts = _attempts(trainee.id)
    rules = learning.cohort_rules(trainee.id)
    now = utcnow()
    state, points = _replay(events, course, attempts, now)
    skipped = any(e.kind == "placement-skipped" for e in events)
    policy = course.engine_after_skip if skipped else course.engine
    return Story(
        trainee,
        course.competencies,
        _timeline(events, attempts, course),
        points,
        points[-1].mastery,
        policy.recommend(state, now, rules),
        course.engine.completion(state, now, rules),
        rules,
        *_tally(events, attempts),
    )


def _tally(events: list[Event], attempts: dict) -> tuple[int, int, int, int]:
    """Count what the cohort page counts: reading seconds, modules read, attempts finished and
    passed (the placement check is an attempt too)."""
    reads = [e for e in events if e.kind == "module-completed"]
    finished = [
        attempts[e.attempt_id][0] for e in events if e.kind in FINISHES and e.attempt_id in attempts
    ]
    return (
        sum(int(e.data.get("seconds", 0)) for e in reads),
        len({e.module_slug for e in reads}),
        len(finished),
        sum(bool(a.passed) for a in finished),
    )


def _attempts(user_id: int) -> dict[int, tuple[Attempt, str, tuple[Step, ...]]]:
    """Return each attempt of the trainee with its quiz title and answered steps (two queries)."""
    rows = db.session.execute(
        select(Attempt, QuizVersion, Quiz)
        .join(QuizVersion, QuizVersion.id == Attempt.quiz_version_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.user_id == user_id)
        .options(selectinload(Attempt.answers))
        .order_by(Attempt.id)
    ).all()
    found = {}
    for attempt, version, _quiz in rows:
        parsed = catalogue.parsed_quiz(version)
        steps = tuple(
            Step(a.step_id, scenarios.answer_text(parsed, a), a.rating) for a in attempt.answers
        )
        found[attempt.id] = (attempt, version.title, steps)
    return found


def _replay(
    events: list[Event], course: Course, attempts: dict, now: datetime
) -> tuple[engine.LearnerState, tuple[Point, ...]]:
    """Fold the events through the engine, keeping the mastery after each one that changed it,
    from the starting estimate to the estimate now."""
    model = course.engine
    state = model.initial_state()
    start = events[0].at if events else now
    points = [Point(start, "Start", model.mastery(state, start))]
    for event in events:
        for item in event.data.get("engine", ()):
            state = model.apply(state, engine.event_from_json(item))
        mastery = model.mastery(state, event.at)
        if mastery != points[-1].mastery:
            points.append(Point(event.at, _label(event, course, attempts), mastery))
    points.append(Point(now, "Now", model.mastery(state, now)))
    return state, tuple(points)


def _module(course: Course, slug: str | None) -> str:
    info = course.module(slug) if slug else None
    return info.title if info else (slug or "a module")


def _label(event: Event, course: Course, attempts: dict) -> str:
    """Say in a few words what an event was."""
    title = _module(course, event.module_slug)
    if event.kind == "module-completed":
        return f"Read {title}"
    if event.kind == "choice-made":
        return f"Answered {event.data.get('step')} in {title} ({event.data.get('rating')})"
    if event.kind in ("quiz-passed", "quiz-failed"):
        verb = "Passed" if event.kind == "quiz-passed" else "Did not pass"
        return f"{verb} the {title} scenario ({_pct(event.data.get('score'))})"
    if event.kind == "placement-finished":
        return f"Finished the placement check ({_pct(event.data.get('score'))})"
    return event.kind.replace("-", " ").capitalize()


def _pct(share: float | None) -> str:
    return f"{round((share or 0) * 100)}%"


def _timeline(events: list[Event], attempts: dict, course: Course) -> tuple[Entry, ...]:
    """Turn events into timeline entries: readings, attempts with their paths, placement."""
    entries = []
    passed_quizzes: set[int] = set()
    for event in events:
        entry = _entry(event, attempts, course, passed_quizzes)
        if entry is not None:
            entries.append(entry)
    finished = {e.attempt_id for e in events if e.kind in FINISHES}
    for attempt_id, (attempt, title, steps) in attempts.items():
        if attempt_id not in finished and attempt.status != "finished":
            at = max([attempt.started_at, *(a.answered_at for a in attempt.answers)])
            note = f"in progress: {len(steps)} step(s) answered"
            entries.append(Entry(at, "unfinished", title, attempt=attempt, steps=steps, note=note))
    return tuple(sorted(entries, key=lambda e: e.at))


def _entry(event: Event, attempts: dict, course: Course, passed_quizzes: set[int]) -> Entry | None:
    if event.kind == "choice-made":
        return None  # shown as a step of its attempt
    if event.kind == "module-completed":
        return Entry(
            event.at,
            "reading",
            _module(course, event.module_slug),
            int(event.data.get("seconds", 0)),
            bool(event.data.get("first")),
        )
    if event.kind == "placement-skipped":
        return Entry(event.at, "placement-skipped", "Skipped the placement check")
    if event.kind in FINISHES and event.attempt_id in attempts:
        attempt, title, steps = attempts[event.attempt_id]
        kind = "placement" if event.kind == "placement-finished" else "attempt"
        if kind == "attempt" and attempt.quiz_id in passed_quizzes:
            kind = "review"  # a replay of a scenario already passed
        if attempt.passed:
            passed_quizzes.add(attempt.quiz_id)
        return Entry(event.at, kind, title, attempt=attempt, steps=steps)
    return Entry(event.at, "other", _label(event, course, attempts))


def mastery_charts(told: Story, course: Course) -> tuple[charts.Panel, ...]:
    """Lay out the mastery curve as one small chart per track (a few lines each)."""
    xs = [p.at.timestamp() for p in told.points]
    fmt = "%d %b" if xs[-1] - xs[0] > 2 * 86400 else "%d %b %H:%M"
    labels = charts.time_labels(xs[0], xs[-1], fmt)
    return charts.track_panels(
        course.tracks,
        course.competencies,
        lambda c: [p.mastery.get(c, 0.0) for p in told.points],
        xs,
        labels,
    )
