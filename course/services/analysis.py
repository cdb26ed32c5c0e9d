"""Item analysis of a scenario: how each decision point and check performs, by cohort and version.

Read in five queries whatever the number of attempts; the figures are computed by plain
functions (`analyse`) that the tests check against a hand-computed example.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from course import content
from course.extensions import db
from course.models import Answer, Attempt, Cohort, CohortMember, Quiz, QuizVersion
from course.services import catalogue

MIN_ANSWERS = 5  # fewer answers than this: no flags
TOO_EASY = 0.90
TOO_HARD = 0.20
GROUP = 0.27  # the upper and lower groups, by rest-of-attempt score (Kelley's 27%)

RULES = {
    "facility": "the share of the trainees answering the step who chose its best answer",
    "discrimination": (
        "the point-biserial correlation between choosing the best answer (1 or 0) and the "
        "rest-of-attempt score (the mean value of the attempt's other answers: best 1, "
        "acceptable 0.5, poor 0); attempts with no other answer are left out"
    ),
    "too easy": f"facility at or above {TOO_EASY:.0%}",
    "too hard": f"facility at or below {TOO_HARD:.0%}",
    "negative": "discrimination below 0: trainees who do well elsewhere choose the best answer "
    "less often than those who do badly",
    "strong distractor": (
        f"a choice other than the best picked by a larger share of the upper {GROUP:.0%} of "
        f"attempts (by rest-of-attempt score, at least one, ties at the edge included) than of "
        f"the lower {GROUP:.0%}"
    ),
    "unused": "a choice other than the best that nobody picked",
    "minimum": f"flags are raised only on steps answered at least {MIN_ANSWERS} times",
}


@dataclass(frozen=True)
class AttemptRow:
    id: int
    status: str
    current_step: str | None
    started_at: datetime
    score: float | None = None
    passed: bool | None = None


@dataclass(frozen=True)
class AnswerRow:
    attempt_id: int
    position: int
    step_id: str
    response: object
    rating: str
    value: float
    answered_at: datetime


@dataclass
class ChoiceFigures:
    """One answer of a step: how often chosen, overall and by the upper and lower groups."""

    key: str
    label: str
    rating: str
    count: int = 0
    share: float = 0.0  # of the answers to this step
    of_attempts: float = 0.0  # of all attempts: the share of paths through this branch
    upper: float | None = None
    lower: float | None = None

    @property
    def strong_distractor(self) -> bool:
        return (
            self.rating != "best"
            and self.upper is not None
            and self.lower is not None
            and self.upper > self.lower
        )

    @property
    def unused(self) -> bool:
        return self.rating != "best" and self.count == 0


@dataclass
class StepFigures:
    """The figures of one decision point or knowledge check."""

    step: content.Step
    answered: int = 0
    reached: float = 0.0  # share of attempts that answered it
    facility: float | None = None
    discrimination: float | None = None
    median_seconds: float | None = None
    stopped: int = 0  # unfinished attempts now standing at this step
    choices: list[ChoiceFigures] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        if self.answered < MIN_ANSWERS or self.facility is None:
            return []
        found = []
        if self.facility >= TOO_EASY:
            found.append("too easy")
        if self.facility <= TOO_HARD:
            found.append("too hard")
        if self.discrimination is not None and self.discrimination < 0:
            found.append("negative discrimination")
        found += [f"strong distractor {c.key}" for c in self.choices if c.strong_distractor]
        return found


@dataclass(frozen=True)
class Analysis:
    """A quiz version's item analysis, with what the filters can choose from."""

    quiz: Quiz
    version: QuizVersion
    parsed: content.Quiz
    versions: list[tuple[int, int]]  # (number, attempts)
    cohorts: list[Cohort]
    cohort_id: int | None
    attempts: int
    finished: int
    steps: list[StepFigures]
    stopped_at_start: int
    passed: int = 0
    mean_score: float | None = None


def quiz_analysis(file: object, cohort_id: int | None, number: int | None) -> Analysis:
    """Analyse a quiz file's version (default: the newest) for a cohort (default: everyone)."""
    quiz = _quiz(file)
    versions = list(
        db.session.scalars(
            select(QuizVersion)
            .where(QuizVersion.quiz_id == quiz.id)
            .order_by(QuizVersion.number.desc())
        )
    )
    version = next((v for v in versions if number in (None, v.number)), None)
    if version is None:
        raise NotFound()
    cohorts = list(db.session.scalars(select(Cohort).order_by(Cohort.name)))
    if cohort_id is not None and cohort_id not in {c.id for c in cohorts}:
        raise NotFound()
    attempts, answers = _records(version, cohort_id)
    parsed = catalogue.parsed_quiz(version)
    steps, at_start = analyse(parsed, attempts, answers)
    scores = [a.score for a in attempts if a.status == "finished" and a.score is not None]
    return Analysis(
        quiz,
        version,
        parsed,
        [(v.number, v.id) for v in versions],
        cohorts,
        cohort_id,
        len(attempts),
        sum(a.status == "finished" for a in attempts),
        steps,
        at_start,
        sum(bool(a.passed) for a in attempts if a.status == "finished"),
        statistics.fmean(scores) if scores else None,
    )


def _quiz(file: object) -> Quiz:
    name = file.name  # type: ignore[attr-defined]
    where = Quiz.placement.is_(True) if name == "placement" else Quiz.module_slug == name
    quiz = db.session.scalars(
        select(Quiz).where(where).order_by(Quiz.retired, Quiz.id.desc())
    ).first()
    if quiz is None:
        raise NotFound()
    return quiz


def _records(version: QuizVersion, cohort_id: int | None) -> tuple[list, list]:
    """Read the version's attempts and their answers (two queries)."""
    chosen = select(Attempt.id).where(Attempt.quiz_version_id == version.id)
    if cohort_id is not None:
        members = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)
        chosen = chosen.where(Attempt.user_id.in_(members))
    attempts = [
        AttemptRow(*row)
        for row in db.session.execute(
            select(
                Attempt.id,
                Attempt.status,
                Attempt.current_step,
                Attempt.started_at,
                Attempt.score,
                Attempt.passed,
            )
            .where(Attempt.id.in_(chosen))
            .order_by(Attempt.id)
        )
    ]
    answers = [
        AnswerRow(*row)
        for row in db.session.execute(
            select(
                Answer.attempt_id,
                Answer.position,
                Answer.step_id,
                Answer.response,
                Answer.rating,
                Answer.value,
                Answer.answered_at,
            )
            .where(Answer.attempt_id.in_(chosen))
            .order_by(Answer.attempt_id, Answer.position)
        )
    ]
    return attempts, answers


def analyse(
    quiz: content.Quiz, attempts: list[AttemptRow], answers: list[AnswerRow]
) -> tuple[list[StepFigures], int]:
    """Compute every step's figures; also return how many unfinished attempts have no answer."""
    by_attempt: dict[int, list[AnswerRow]] = defaultdict(list)
    for row in answers:
        by_attempt[row.attempt_id].append(row)
    started = {a.id: a.started_at for a in attempts}
    stopped = Counter(
        a.current_step for a in attempts if a.status != "finished" and by_attempt.get(a.id)
    )
    at_start = sum(1 for a in attempts if a.status != "finished" and not by_attempt.get(a.id))
    per_step: dict[str, list[tuple[AnswerRow, float | None, float]]] = defaultdict(list)
    for attempt_id, rows in by_attempt.items():
        total = sum(r.value for r in rows)
        previous = started.get(attempt_id)
        for row in rows:
            rest = (total - row.value) / (len(rows) - 1) if len(rows) > 1 else None
            seconds = (row.answered_at - previous).total_seconds() if previous else 0.0
            per_step[row.step_id].append((row, rest, seconds))
            previous = row.answered_at
    figures = []
    for step in quiz.steps:
        if isinstance(step, content.Ending | content.Gate):
            continue
        figure = _figures(step, per_step.get(step.id, []), len(attempts))
        figure.stopped = stopped.get(step.id, 0)
        figures.append(figure)
    return figures, at_start


def _figures(step: content.Step, rows: list, attempts: int) -> StepFigures:
    figure = StepFigures(step, len(rows))
    if not rows:
        figure.choices = [ChoiceFigures(k, label, r) for k, label, r in _choices(step)]
        return figure
    best = [1.0 if row.rating == "best" else 0.0 for row, _, _ in rows]
    figure.reached = len(rows) / attempts if attempts else 0.0
    figure.facility = sum(best) / len(rows)
    scored = [(b, rest) for b, (_, rest, _) in zip(best, rows, strict=True) if rest is not None]
    figure.discrimination = point_biserial(scored)
    figure.median_seconds = statistics.median(seconds for _, _, seconds in rows)
    figure.choices = _choice_figures(step, rows, attempts)
    return figure


def point_biserial(pairs: list[tuple[float, float]]) -> float | None:
    """Return the point-biserial correlation of (0/1, score) pairs; None if undefined."""
    if len(pairs) < 2:
        return None
    ones = [y for x, y in pairs if x == 1.0]
    zeros = [y for x, y in pairs if x != 1.0]
    if not ones or not zeros:
        return None
    spread = statistics.pstdev(y for _, y in pairs)
    if spread == 0:
        return None
    p = len(ones) / len(pairs)
    return (statistics.fmean(ones) - statistics.fmean(zeros)) / spread * math.sqrt(p * (1 - p))


def _choices(step: content.Step) -> list[tuple[str, str, str]]:
    """Return (key, label, rating) of each answer a step offers."""
    if isinstance(step, content.Decision):
        return [(c.id, c.text, c.rating) for c in step.choices]
    if step.type in ("single", "multiple"):
        return [
            (str(n), o.text, "best" if o.correct else "poor") for n, o in enumerate(step.options)
        ]
    return [("right", "The right order", "best"), ("wrong", "Any other order", "poor")]


def _keys(step: content.Step, row: AnswerRow) -> list[str]:
    """Return the answer keys a response picks (several for a multiple-choice check)."""
    if isinstance(step, content.Decision):
        return [str(row.response)]
    if step.type in ("single", "multiple"):
        picked = row.response if isinstance(row.response, list) else [row.response]
        return [str(n) for n in picked]
    return ["right" if row.rating == "best" else "wrong"]


def _choice_figures(step: content.Step, rows: list, attempts: int) -> list[ChoiceFigures]:
    figures = {k: ChoiceFigures(k, label, r) for k, label, r in _choices(step)}
    for row, _, _ in rows:
        for key in _keys(step, row):
            if key in figures:
                figures[key].count += 1
    upper, lower = _groups(rows)
    size = len(upper)
    for figure in figures.values():
        figure.share = figure.count / len(rows)
        figure.of_attempts = figure.count / attempts if attempts else 0.0
        if size:
            figure.upper = _share_choosing(step, upper, figure.key)
            figure.lower = _share_choosing(step, lower, figure.key)
    return list(figures.values())


def _groups(rows: list) -> tuple[list[AnswerRow], list[AnswerRow]]:
    """Return the upper and lower 27% of the answers by rest-of-attempt score (at least one
    each; answers tied with the last one in are in too). Empty under two scored answers."""
    rests = sorted(rest for _, rest, _ in rows if rest is not None)
    if len(rests) < 2:
        return [], []
    size = max(1, round(GROUP * len(rests)))
    top, bottom = rests[-size], rests[size - 1]
    upper = [row for row, rest, _ in rows if rest is not None and rest >= top]
    lower = [row for row, rest, _ in rows if rest is not None and rest <= bottom]
    return upper, lower


def _share_choosing(step: content.Step, rows: list[AnswerRow], key: str) -> float:
    return sum(key in _keys(step, row) for row in rows) / len(rows)
