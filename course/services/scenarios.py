"""Scenario attempts: start or resume, answer one step at a time, finish and score."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ScalarSelect, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from course import content, engine, xapi
from course.content.model import Evidence
from course.extensions import db
from course.models import Answer, Attempt, Quiz, QuizVersion, User
from course.models.types import utcnow
from course.prepared import Carried, Prepared, attach, columns_of, end_read
from course.services import ServiceError, learning, statements
from course.services import catalogue as catalogue_service
from course.services.catalogue import Course

SCORING_RULE = "weighted-share-v1: best 1, acceptable 0.5, poor 0, times weight"


class RetakeRefused(ServiceError):
    """The quiz's retake rule does not allow another attempt now."""


@dataclass(frozen=True)
class Played:
    """An attempt with its quiz as parsed from the version it was started on."""

    attempt: Attempt
    quiz: content.Quiz
    version: QuizVersion
    answered: int = 0  # answers given so far, counted when the attempt was loaded

    @property
    def step(self) -> content.Step | None:
        """Return the step the trainee is at (None once finished)."""
        if self.attempt.current_step is None:
            return None
        return self.quiz.step(self.attempt.current_step)


def load(user: User, attempt_id: int, lock: bool = False) -> Played:
    """Return the user's own attempt with its quiz; anyone else's is not found. With lock, the
    attempt's row is locked to the end of the transaction (answering takes it so)."""
    query, attempt_keys, version_keys = _load_query(lock)
    row = query.one_or_none(db.session, attempt_id=attempt_id, user_id=user.id)
    if row is None:
        raise NotFound()
    split = len(attempt_keys)
    attempt_row = dict(zip(attempt_keys, row[:split], strict=True))
    version_row = dict(zip(version_keys, row[split:-1], strict=True))
    # with lock, see what the transaction before us wrote, even in an attempt already loaded
    attempt = attach(db.session, Attempt, attempt_row, refresh=lock)
    version = attach(db.session, QuizVersion, version_row)
    return Played(attempt, catalogue_service.parsed_quiz(version), version, row[-1])


def _answered() -> ScalarSelect:
    """How many steps of the attempt in the enclosing query are answered."""
    return select(func.count(Answer.id)).where(Answer.attempt_id == Attempt.id).scalar_subquery()


@cache
def _load_query(lock: bool) -> tuple[Prepared, tuple[str, ...], tuple[str, ...]]:
    """Build load()'s query once per process, to run as driver SQL (course.prepared): each
    step's page, each answer and each results page runs it. The quiz version comes without its
    YAML source (the process has the quiz parsed). Returns the query and the attributes of the
    attempt's columns and then the version's, which the row carries in that order, before the
    count of answered steps."""
    attempt_columns, attempt_keys = columns_of(Attempt)
    version_columns, version_keys = columns_of(QuizVersion, leave=("source",))
    query = (
        select(*attempt_columns, *version_columns, _answered())
        .join_from(Attempt, QuizVersion, QuizVersion.id == Attempt.quiz_version_id)
        .where(Attempt.id == bindparam("attempt_id"), Attempt.user_id == bindparam("user_id"))
    )
    if lock:
        query = query.with_for_update(of=Attempt.__table__)
    return Prepared(query, {"attempt_id": 0, "user_id": 0}), attempt_keys, version_keys


def attempts_for(user: User, quiz_id: int) -> list[Attempt]:
    """Return the user's attempts at a quiz, oldest first."""
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user.id, Attempt.quiz_id == quiz_id)
            .order_by(Attempt.number)
        )
    )


def start(user: User, quiz_slug: str, course: Course) -> int:
    """Resume the user's unfinished attempt at a quiz, or start one if the module is open and
    the retake rule allows; return the attempt's id. (The id, not the attempt: after the commit
    the attempt would be read again, in a transaction of its own, only to give its id.)"""
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == quiz_slug, ~Quiz.retired))
    version = catalogue_service.quiz_version(quiz_slug)
    if quiz is None or version is None:
        raise NotFound()
    if quiz.module_slug and course.module(quiz.module_slug):
        learning.ensure_open(user, quiz.module_slug, course)
    previous = attempts_for(user, quiz.id)
    unfinished = next((a for a in previous if a.status == "in-progress"), None)
    if unfinished is not None:
        end_read(db.session())  # resumed: nothing written
        return unfinished.id
    check_retake(version, previous)
    attempt = Attempt(
        user_id=user.id,
        quiz_id=quiz.id,
        quiz_version_id=version.id,
        seed=secrets.randbelow(2**31),
        number=len(previous) + 1,
        current_step=catalogue_service.parsed_quiz(version).start,
    )
    db.session.add(attempt)
    try:
        db.session.flush()
        attempt_id = attempt.id
        db.session.commit()
    except IntegrityError:  # a double click started it twice: keep the first
        db.session.rollback()
        started = next(a for a in attempts_for(user, quiz.id) if a.status == "in-progress")
        attempt_id = started.id
        end_read(db.session())
    return attempt_id


def retake_block(version: QuizVersion, previous: list[Attempt]) -> str | None:
    """Say why no new attempt may start now, or None if one may."""
    finished = [a for a in previous if a.status == "finished"]
    if any(a.passed for a in finished):
        return None  # the limit is on attempts to pass; once passed, replays serve as review
    if version.max_attempts and len(finished) >= version.max_attempts:
        return f"You have used all {version.max_attempts} attempts at this quiz."
    if finished and not finished[-1].passed and version.cooldown_hours:
        ready = finished[-1].finished_at + timedelta(hours=version.cooldown_hours)
        if ready > utcnow():
            return f"You can try again after {ready:%d %b %H:%M} UTC."
    return None


def check_retake(version: QuizVersion, previous: list[Attempt]) -> None:
    """Refuse a new attempt that the quiz's retake rule forbids."""
    reason = retake_block(version, previous)
    if reason:
        raise RetakeRefused(reason)


def answer(
    user: User,
    attempt_id: int,
    step_id: str,
    response: object,
    course: Course,
    played: Played | None = None,
) -> tuple[Played, int | None]:
    """Record the answer to the current step once and return its position; a replayed or stale
    answer records nothing (None). `played` is the attempt as load(lock=True) gave it, if the
    caller has it already."""
    played = played or load(user, attempt_id, lock=True)
    attempt = played.attempt
    if attempt.status != "in-progress" or attempt.current_step != step_id:
        release()
        return played, None  # replayed, double-clicked, or an old page: nothing to record
    graded = content.grade(played.step, response)  # InvalidResponse for a bad response
    row = Answer(
        attempt_id=attempt.id,
        position=len(attempt.answers),
        step_id=step_id,
        response=_plain(response),
        rating=graded.rating,
        value=graded.value,
        evidence=[asdict(e) for e in graded.evidence],
        shown=shown(played.step, attempt),
    )
    attempt.answers.append(row)
    attempt.current_step = content.resolve(
        played.quiz, graded_answers(attempt.answers, graded.next)
    )
    earlier = _earlier(attempt)
    repeat = (step_id, _key(response)) in earlier.answers
    quiz_ref, now = _quiz_ref(played, course), utcnow()
    statements.answered(user.id, quiz_ref, played.quiz.step(step_id), response, graded, now)
    learning.add_event(
        user.id,
        "choice-made",
        course,
        _observations(played, graded, repeat, _source(played, earlier)),
        module_slug=played.quiz.module,
        attempt_id=attempt.id,
        at=now,
        data={"step": step_id, "rating": graded.rating, "value": graded.value},
    )
    if isinstance(played.quiz.step(attempt.current_step), content.Ending):
        _finish(user, played, course, earlier, quiz_ref)
    position = row.position  # read before the commit expires it
    db.session.commit()
    return played, position


def release() -> None:
    """End a transaction that locked an attempt (load(lock=True)) and recorded nothing: a
    replayed or stale answer. It commits, so the connection keeps its prepared statements
    (course.prepared.end_read)."""
    end_read(db.session())


def shown(step: content.Step, attempt: Attempt) -> list:
    """Return what the trainee saw, in order: choice ids, option indexes or ordering items."""
    if isinstance(step, content.Decision):
        return [step.choices[i].id for i in content.shown_order(step, attempt.seed)]
    if step.type == "ordering":
        return list(content.shuffled_items(step, attempt.seed or attempt.id))
    return list(content.shown_order(step, attempt.seed))


@dataclass(frozen=True)
class Earlier:
    """What the trainee did in earlier attempts at the quiz, read in one query."""

    answers: set[tuple[str, str]]  # (step, response) of every earlier answer
    passed: bool  # an earlier attempt passed: a new one is a review


def _earlier(attempt: Attempt) -> Earlier:
    rows = db.session.execute(
        select(Answer.step_id, Answer.response, Attempt.passed)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(
            Attempt.user_id == attempt.user_id,
            Attempt.quiz_id == attempt.quiz_id,
            Attempt.number < attempt.number,
        )
    ).all()
    return Earlier({(step_id, _key(r)) for step_id, r, _ in rows}, any(p for *_, p in rows))


def _source(played: Played, earlier: Earlier) -> str:
    """Say what kind of evidence an attempt gives: placement, scenario, or review (a replay)."""
    if played.quiz.placement:
        return "placement"
    return "review" if earlier.passed else "scenario"


def _key(response: object) -> str:
    """Return a comparable form of a stored or fresh response."""
    return json.dumps(_plain(response))


def _observations(
    played: Played, graded: content.Graded, repeat: bool, source: str
) -> tuple[engine.Observation, ...]:
    now = utcnow()
    return engine.per_step(
        [
            engine.Observation(
                competency=e.competency,
                rating=e.rating,
                weight=e.weight,
                source=source,
                module_id=played.quiz.module,
                at=now,
                repeat=repeat,
            )
            for e in graded.evidence
        ]
    )


def graded_answers(answers: list[Answer], final_step: str | None) -> list[content.Graded]:
    """Rebuild the graded steps of stored answers (graded when they were made)."""
    following = [a.step_id for a in answers[1:]] + [final_step or ""]
    return [
        content.Graded(a.rating, a.value, tuple(Evidence(**e) for e in a.evidence), "", nxt)
        for a, nxt in zip(answers, following, strict=True)
    ]


def _quiz_ref(played: Played, course: Course) -> xapi.QuizRef:
    attempt = played.attempt
    return statements.quiz_ref(
        played.quiz, played.version.number, attempt.id, attempt.number, course
    )


def _finish(
    user: User,
    played: Played,
    course: Course,
    earlier: Earlier,
    quiz_ref: xapi.QuizRef,
) -> None:
    attempt, quiz = played.attempt, played.quiz
    result = content.score(quiz, graded_answers(attempt.answers, attempt.current_step))
    now = utcnow()
    attempt.status, attempt.finished_at = "finished", now
    attempt.score, attempt.passed, attempt.outcome = result.score, result.passed, result.outcome
    attempt.per_competency = result.per_competency
    attempt.judged_by = {
        "pass_mark": quiz.pass_mark,
        "scoring": SCORING_RULE,
        "quiz_version": played.version.number,
        "engine_version": engine.ENGINE_VERSION,
        "params_hash": course.params_hash,
    }
    statements.finished(user.id, quiz_ref, result, quiz.pass_mark, attempt.started_at, now)
    if quiz.placement:
        learning.add_event(
            user.id,
            "placement-finished",
            course,
            [engine.PlacementFinished(at=now)],
            attempt_id=attempt.id,
            data={"score": result.score},
        )
        return
    kind = "quiz-passed" if result.passed else "quiz-failed"
    learning.add_event(
        user.id,
        kind,
        course,
        [
            engine.QuizFinished(
                module_id=quiz.module,
                passed=result.passed,
                score=result.score,
                per_competency=result.per_competency,
                at=now,
                fresh=_fresh(attempt, earlier),
            )
        ],
        module_slug=quiz.module,
        attempt_id=attempt.id,
        data={"score": result.score, "pass_mark": quiz.pass_mark},
    )


def _fresh(attempt: Attempt, earlier: Earlier) -> bool:
    """Say whether an attempt gave any answer the trainee had not given before to that step."""
    return any((a.step_id, _key(a.response)) not in earlier.answers for a in attempt.answers)


def _plain(response: object) -> object:
    return list(response) if isinstance(response, tuple) else response


def history(user: User) -> list[tuple[Attempt, QuizVersion, Quiz]]:
    """Return every attempt of the user, newest first, with its quiz, in one query."""
    return list(
        db.session.execute(
            select(Attempt, QuizVersion, Quiz)
            .join(QuizVersion, QuizVersion.id == Attempt.quiz_version_id)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Attempt.user_id == user.id)
            .order_by(Attempt.id.desc())
        ).all()
    )


@dataclass(frozen=True)
class QuizIntro:
    """What the quiz start page shows: the quiz, the trainee's attempts, whether one may start."""

    slug: str
    version: QuizVersion
    module: catalogue_service.ModuleInfo | None
    attempts: list[Attempt]
    unfinished: Attempt | None
    blocked: str | None
    steps: int


def intro(user: User, slug: str, course: Course) -> QuizIntro:
    """Describe a quiz to a trainee about to start or resume it."""
    version = catalogue_service.quiz_version(slug)
    if version is None:
        raise NotFound()
    previous = attempts_for(user, version.quiz_id)
    quiz = catalogue_service.parsed_quiz(version)
    module = course.module(quiz.module) if quiz.module else None
    status = learning.module_status(user, module.slug, course) if module else None
    locked = f"Locked: {status.why}." if status and status.status == "locked" else None
    return QuizIntro(
        slug,
        version,
        module,
        previous,
        next((a for a in previous if a.status == "in-progress"), None),
        locked or retake_block(version, previous),
        sum(not isinstance(s, content.Ending | content.Gate) for s in quiz.steps),
    )


@dataclass(frozen=True)
class ReviewItem:
    """One answered step, its judgement and feedback, and the best answer."""

    position: int
    step: content.Step
    prompt_html: str
    answer: str
    rating: str
    feedback_html: str
    best: str
    best_feedback_html: str
    is_best: bool
    seen: tuple[Seen, ...] = ()


@dataclass(frozen=True)
class Seen:
    """One choice or option as the trainee saw it, in the order shown, and how it is rated."""

    text: str
    rating: str  # best / acceptable / poor; for checks, best (correct) or poor
    picked: bool


def review(played: Played) -> list[ReviewItem]:
    """Return every answered step of an attempt with its feedback and the best answer."""
    return [_review_item(played.quiz, row) for row in played.attempt.answers]


def reviewed_answer(played: Played, position: int) -> ReviewItem:
    """Return one answered step (404 if not answered yet)."""
    answers = played.attempt.answers
    if not 0 <= position < len(answers):
        raise NotFound()
    return _review_item(played.quiz, answers[position])


def _review_item(quiz: content.Quiz, row: Answer) -> ReviewItem:
    step = quiz.step(row.step_id)
    response = tuple(row.response) if isinstance(row.response, list) else row.response
    graded = content.grade(step, response)
    best = content.best_choice(step)
    md = catalogue_service.markdown_html
    prompt = step.situation if isinstance(step, content.Decision) else step.prompt
    return ReviewItem(
        row.position,
        step,
        md(prompt),
        _describe(step, response),
        row.rating,
        md(graded.feedback),
        _describe_best(best),
        md(_best_feedback(best)),
        row.rating == "best",
        _seen(step, row, response),
    )


def _seen(step: content.Step, row: Answer, response: object) -> tuple[Seen, ...]:
    """Return the step's choices (or options) in the order this trainee saw them."""
    if isinstance(step, content.Decision):
        by_id = {c.id: c for c in step.choices}
        order = [i for i in (row.shown or [c.id for c in step.choices]) if i in by_id]
        return tuple(Seen(by_id[i].text, by_id[i].rating, i == response) for i in order)
    if step.type == "ordering":
        return ()
    picked = set(response) if isinstance(response, tuple | list) else {response}
    order = row.shown or list(range(len(step.options)))
    return tuple(
        Seen(step.options[i].text, "best" if step.options[i].correct else "poor", i in picked)
        for i in order
        if 0 <= i < len(step.options)
    )


def answer_text(quiz: content.Quiz, row: Answer) -> str:
    """Say what the trainee answered at a step, in the words they saw."""
    response = tuple(row.response) if isinstance(row.response, list) else row.response
    return _describe(quiz.step(row.step_id), response)


def _describe(step: content.Step, response: object) -> str:
    if isinstance(step, content.Decision):
        return next(c.text for c in step.choices if c.id == response)
    if step.type == "single":
        return step.options[response].text
    if step.type == "multiple":
        return "; ".join(step.options[i].text for i in response)
    return " → ".join(step.items[i] for i in response)


def _describe_best(best: object) -> str:
    if isinstance(best, content.Choice):
        return best.text
    if best and isinstance(best[0], content.Option):
        return "; ".join(option.text for option in best)
    return " → ".join(best)


def _best_feedback(best: object) -> str:
    if isinstance(best, content.Choice):
        return best.feedback
    if best and isinstance(best[0], content.Option):
        return " ".join(option.feedback for option in best if option.feedback)
    return ""


@dataclass(frozen=True)
class Unfinished:
    """The newest attempt left part-way, as My path offers to resume it, and how many more
    attempts are in progress."""

    attempt_id: int
    title: str
    started_at: datetime
    answered: int
    others: int = 0


# The user's unfinished attempts, read alongside the user on a page that offers to resume one
# (security.load_user), taken once by unfinished(): they save My path a query.
_carried = Carried("unfinished")


def carry_unfinished(user_id: int, row: Sequence[Any]) -> None:
    """Keep unfinished()'s figures, just read alongside the user, for the request's call."""
    _carried.keep(user_id, row)


def forget_unfinished() -> None:
    """Drop carried figures: the next unfinished() reads them again."""
    _carried.forget()


def unfinished(user: User) -> Unfinished | None:
    """Return the user's newest attempt still in progress, with how many more are, or None; in
    one query, or none when the user's own query carried the figures."""
    row = _carried.take(user.id) or _unfinished_query().one_or_none(db.session, user_id=user.id)
    count, attempt_id, title, started_at, answered = row or (0, None, None, None, 0)
    if not count:
        return None
    return Unfinished(attempt_id, title, started_at, answered, count - 1)


@cache
def unfinished_columns() -> tuple[ScalarSelect, ...]:
    """unfinished()'s figures for the user bound as `user_id`, as columns another query can
    carry: how many attempts are in progress, and the newest one's id, title, start and answered
    steps (NULL when there is none)."""
    mine = (Attempt.user_id == bindparam("user_id"), Attempt.status == "in-progress")
    # correlate(None): inside the selects of the attempt below, this stays a query of its own
    newest = select(func.max(Attempt.id)).where(*mine).correlate(None).scalar_subquery()
    return (
        select(func.count(Attempt.id)).where(*mine).correlate(None).scalar_subquery(),
        newest,
        select(QuizVersion.title)
        .join(Attempt, Attempt.quiz_version_id == QuizVersion.id)
        .where(Attempt.id == newest)
        .correlate(None)
        .scalar_subquery(),
        select(Attempt.started_at).where(Attempt.id == newest).correlate(None).scalar_subquery(),
        select(func.count(Answer.id))
        .where(Answer.attempt_id == newest)
        .correlate(None)
        .scalar_subquery(),
    )


@cache
def _unfinished_query() -> Prepared:
    """Build unfinished()'s query once per process, to run as driver SQL (course.prepared)."""
    return Prepared(select(*unfinished_columns()), {"user_id": 0})
