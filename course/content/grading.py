"""Grade answers to quiz steps and score a path through a quiz (see docs/authoring.md)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from course.content.model import (
    RATING_VALUES,
    Check,
    Choice,
    Decision,
    Ending,
    Evidence,
    Gate,
    Option,
    Quiz,
    Step,
)

# Floating-point sums of weights may land a hair under the pass mark they meet.
TOLERANCE = 1e-9


class InvalidResponse(ValueError):
    """A response that does not fit the step it answers."""


@dataclass(frozen=True)
class Graded:
    """The judgement of one answer."""

    rating: str
    value: float
    evidence: tuple[Evidence, ...]
    feedback: str
    next: str


@dataclass(frozen=True)
class QuizScore:
    """The result of one path through a quiz."""

    score: float
    passed: bool
    per_competency: dict[str, float]
    outcome: str | None  # the outcome of the ending reached, None if the path stops short


def grade(step: Step, response: object) -> Graded:
    """Grade a response: a choice id, an option index, or a tuple of indexes."""
    grader = GRADERS.get(step.type)
    if grader is None:
        raise InvalidResponse(f"step {step.id!r} ({step.type}) takes no answer")
    return grader(step, response)


def _graded(rating: str, evidence: tuple[Evidence, ...], feedback: str, next_id: str) -> Graded:
    return Graded(rating, RATING_VALUES[rating], evidence, feedback, next_id)


def _check_graded(step: Check, right: bool, feedback: Iterable[str]) -> Graded:
    rating = "best" if right else "poor"
    evidence = (Evidence(step.competency, rating, step.weight),)
    text = "\n\n".join(part for part in (*feedback, step.feedback) if part)
    return _graded(rating, evidence, text, step.next)


def grade_decision(step: Decision, response: object) -> Graded:
    """Grade a decision point answered with a choice id."""
    choice = next((choice for choice in step.choices if choice.id == response), None)
    if choice is None:
        raise InvalidResponse(f"step {step.id!r} has no choice {response!r}")
    return _graded(choice.rating, choice.evidence, choice.feedback, choice.next)


def grade_single(step: Check, response: object) -> Graded:
    """Grade a single-choice check answered with one option index."""
    option = step.options[_index(step, response, len(step.options))]
    return _check_graded(step, option.correct, (option.feedback,))


def grade_multiple(step: Check, response: object) -> Graded:
    """Grade a multiple-choice check: best only when exactly the correct options are chosen."""
    chosen = _indexes(step, response, len(step.options))
    if len(set(chosen)) != len(chosen):
        raise InvalidResponse(f"step {step.id!r}: an option is chosen twice in {response!r}")
    right = set(chosen) == {n for n, option in enumerate(step.options) if option.correct}
    return _check_graded(step, right, (step.options[n].feedback for n in sorted(chosen)))


def grade_ordering(step: Check, response: object) -> Graded:
    """Grade an ordering check answered with the item indexes in the trainee's order."""
    order = _indexes(step, response, len(step.items))
    if sorted(order) != list(range(len(step.items))):
        raise InvalidResponse(f"step {step.id!r}: {response!r} must use every item exactly once")
    return _check_graded(step, order == tuple(range(len(step.items))), ())


def _index(step: Step, value: object, size: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
        raise InvalidResponse(
            f"step {step.id!r} takes an index from 0 to {size - 1}, not {value!r}"
        )
    return value


def _indexes(step: Step, value: object, size: int) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidResponse(f"step {step.id!r} takes a tuple of indexes, not {value!r}")
    return tuple(_index(step, item, size) for item in value)


GRADERS: dict[str, Callable[[Step, object], Graded]] = {
    "decision": grade_decision,
    "single": grade_single,
    "multiple": grade_multiple,
    "ordering": grade_ordering,
}


def resolve(quiz: Quiz, graded_steps: Sequence[Graded]) -> str:
    """Return the step after the last answer, a gate resolved by whether the path so far passes."""
    step_id = graded_steps[-1].next
    step = quiz.step(step_id)
    if not isinstance(step, Gate):
        return step_id
    return step.pass_to if _passes(quiz, graded_steps) else step.fail_to


def _passes(quiz: Quiz, graded_steps: Sequence[Graded]) -> bool:
    share = _share([item for step in graded_steps for item in step.evidence])
    return share + TOLERANCE >= quiz.pass_mark


def score(quiz: Quiz, graded_steps: Iterable[Graded]) -> QuizScore:
    """Score a path: the weighted share of the best possible evidence along it."""
    graded = tuple(graded_steps)
    evidence = [item for step in graded for item in step.evidence]
    share = _share(evidence)
    competencies = dict.fromkeys(item.competency for item in evidence)
    per_competency = {
        name: _share([item for item in evidence if item.competency == name])
        for name in competencies
    }
    passed = share + TOLERANCE >= quiz.pass_mark
    return QuizScore(share, passed, per_competency, _outcome(quiz, graded))


def _share(evidence: Sequence[Evidence]) -> float:
    possible = sum(item.weight for item in evidence)
    earned = sum(RATING_VALUES[item.rating] * item.weight for item in evidence)
    return earned / possible if possible else 0.0


def _outcome(quiz: Quiz, graded: tuple[Graded, ...]) -> str | None:
    if not graded:
        return None
    try:
        last = quiz.step(resolve(quiz, graded))
    except KeyError:
        return None
    return last.outcome if isinstance(last, Ending) else None


def best_choice(step: Step) -> Choice | tuple[Option, ...] | tuple[str, ...]:
    """Return the answer a review page shows: best choice, correct options or ordered items."""
    if isinstance(step, Decision):
        order = sorted(step.choices, key=lambda choice: -RATING_VALUES[choice.rating])
        return order[0]
    if isinstance(step, Check) and step.type == "ordering":
        return step.items
    if isinstance(step, Check):
        return tuple(option for option in step.options if option.correct)
    raise InvalidResponse(f"step {step.id!r} ({step.type}) has no answer")


def shown_order(step: Step, seed: int | None) -> tuple[int, ...]:
    """Return the indexes of a step's choices (or options) in the order one attempt shows them.

    Seeded per attempt and step, so a resumed attempt and its review show the same order; with no
    seed (attempts started before shuffling), the file order.
    """
    size = len(step.choices) if isinstance(step, Decision) else len(step.options)
    order = list(range(size))
    if seed is not None:
        random.Random(f"{seed}:{step.id}:order").shuffle(order)
    return tuple(order)


def shuffled_items(step: Check, seed: int | str) -> tuple[int, ...]:
    """Return an ordering step's item indexes in a seeded shuffle that never shows the answer."""
    order = list(range(len(step.items)))
    random.Random(f"{seed}:{step.id}").shuffle(order)
    if len(order) > 1 and order == sorted(order):
        order = order[1:] + order[:1]  # a shuffle that shows the answer would give it away
    return tuple(order)
