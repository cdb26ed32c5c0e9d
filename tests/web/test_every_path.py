"""Simulated trainees follow My path's next step through the services, on the shipped course.

Weak, average and strong answerers (and pure guessers) play the real quiz files under the real
retake limits and locks. Every step My path recommends must be one the platform accepts, and no
trainee may be sent round the same step again and again.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from course import content
from course.extensions import db
from course.models import Quiz, Role, User
from course.services import ServiceError, catalogue, importer, learning, scenarios

ROOT = Path(__file__).resolve().parents[2]
STRATEGIES = {"weak": 0.25, "average": 0.55, "strong": 0.9, "guesser": None}
# Trainees per strategy: CI runs 4 x 5 on SQLite and 4 x 3 on PostgreSQL (.ci/run);
# `PATH_TRAINEES=75` plays 300 (docs/engine.md). Each strategy's trainees are split over PARTS
# tests (so that test workers share them out), but the strong ones, whose share completing the
# course is checked, play in one.
TRAINEES = int(os.environ.get("PATH_TRAINEES", "5"))
PARTS = 2


def parts_of(name: str) -> int:
    """How many tests share a strategy's trainees."""
    return 1 if name == "strong" else PARTS


CASES = [(name, part) for name in STRATEGIES for part in range(parts_of(name))]
MAX_ACTIONS = 160
REPEATS = 6  # the same recommendation this many times in a row is a loop


def answer_for(step: content.Step, skill: float | None, rng: random.Random) -> object:
    """Answer a step: the best answer with probability skill, otherwise another one."""
    good = rng.random() < skill if skill is not None else None
    if isinstance(step, content.Decision):
        best = [c.id for c in step.choices if c.rating == "best"]
        other = [c.id for c in step.choices if c.rating != "best"] or best
        pool = [c.id for c in step.choices] if good is None else (best if good else other)
        return rng.choice(pool)
    if step.type == "ordering":
        order = list(range(len(step.items)))
        if good is False or (good is None and rng.random() < 0.5):
            order.reverse()
        return tuple(order)
    right = [i for i, o in enumerate(step.options) if o.correct]
    wrong = [i for i, o in enumerate(step.options) if not o.correct]
    if step.type == "multiple":
        return tuple(right) if good or (good is None and rng.random() < 0.3) else tuple(wrong[:1])
    pick = right if good or (good is None and rng.random() < 1 / len(step.options)) else wrong
    return rng.choice(pick)


def play(user: User, slug: str, course, skill: float | None, rng: random.Random) -> None:  # noqa: ANN001
    """Start (or resume) a quiz and answer every step to its ending."""
    attempt_id = scenarios.start(user, slug, course)
    while True:
        played = scenarios.load(user, attempt_id)
        step = played.step
        if step is None or isinstance(step, content.Ending):
            return
        scenarios.answer(user, attempt_id, step.id, answer_for(step, skill, rng), course)


def follow(user: User, course, skill: float | None, rng: random.Random) -> dict:  # noqa: ANN001
    """Follow the recommendation until the course is complete or nothing is left; report."""
    seen: list[tuple] = []
    for _ in range(MAX_ACTIONS):
        path = learning.my_path(user, course)
        rec = path.recommendation
        if rec is None:
            end = "complete" if path.completion.complete else "stuck"
            return {"end": end, "steps": seen, "completion": path.completion}
        key = (rec.kind, rec.module_id, rec.reason.code)
        seen.append(key)
        if len(seen) >= REPEATS and len(set(seen[-REPEATS:])) == 1:
            return {"end": "loop", "steps": seen}
        act(user, rec, course, skill, rng)
    return {"end": "no end", "steps": seen}


def act(user: User, rec, course, skill: float | None, rng: random.Random) -> None:  # noqa: ANN001
    """Do what My path offers for a recommendation, as a trainee would from its buttons."""
    if rec.kind == "placement":
        return play(user, course.placement_slug, course, skill, rng)
    assert rec.kind != "wait", "the shipped course has no cooldowns"
    info = course.module(rec.module_id)
    if rec.kind in ("retry", "review"):
        return play(user, info.quiz_slug, course, skill, rng)  # the page's one button
    assert learning.module_page(user, info.slug, course) is not None
    learning.complete_module(user, info.slug, course)
    if not info.quiz_slug:
        return None
    # "Mark as read and start the scenario" leads to the module's quiz (a refresher's own too)
    if scenarios.intro(user, info.quiz_slug, course).blocked is None:
        play(user, info.quiz_slug, course, skill, rng)
    return None


@pytest.fixture
def shipped(app):  # noqa: ANN001, ANN201
    with app.app_context():
        importer.import_folder(ROOT)
        course = catalogue.current()
        db.session.commit()  # end the read transaction: the test opens its own context
    return course


def trainees(n: int) -> list[User]:
    """Create n trainees cheaply (nobody logs in here)."""
    users = [
        User(
            email=f"sim{i}@example.org",
            username=f"sim{i}",
            display_name=f"Sim {i}",
            password_hash="-",
            role=Role.TRAINEE,
        )
        for i in range(n)
    ]
    db.session.add_all(users)
    db.session.commit()
    return users


@pytest.mark.parametrize(("name", "part"), CASES)
def test_every_recommendation_is_accepted_and_no_path_loops(app, shipped, name, part) -> None:  # noqa: ANN001
    """Every parts_of(name)-th trainee of one answer strategy from the part-th; trainee n plays
    seed n."""
    ends: Counter = Counter()
    problems = []
    mine = [k for k in range(TRAINEES) if k % parts_of(name) == part]
    with app.app_context():
        users = trainees(len(mine))
        for k, user in zip(mine, users, strict=True):
            n = list(STRATEGIES).index(name) + k * len(STRATEGIES)
            rng = random.Random(n)
            try:
                outcome = follow(user, shipped, STRATEGIES[name], rng)
            except ServiceError as refused:  # Locked, RetakeRefused: a dead end
                problems.append(f"{name} trainee {n} was refused: {refused}")
                continue
            ends[outcome["end"]] += 1
            if outcome["end"] in ("loop", "no end"):
                problems.append(f"{name} trainee {n}: {outcome['end']}: {outcome['steps'][-8:]}")
            elif outcome["end"] == "stuck" and not stopped_by_spent_goal(shipped, outcome):
                problems.append(f"{name} trainee {n} stopped with nothing spent: {outcome}")
    assert problems == [], problems
    assert sum(ends.values()) == len(mine), ends
    if name == "strong":
        assert ends["complete"] >= TRAINEES * 0.8, ends


def stopped_by_spent_goal(course, outcome: dict) -> bool:  # noqa: ANN001
    """Say whether a path stopped short because a capstone's attempts were all used."""
    capstones = {m.slug for m in course.modules if m.kind == "capstone"}
    return bool(capstones & set(outcome["completion"].spent))


def test_a_trainee_who_fails_every_attempt_is_not_stranded(app, shipped):  # noqa: ANN001
    with app.app_context():
        user = trainees(1)[0]
        outcome = follow(user, shipped, 0.0, random.Random(7))
        kinds = Counter(kind for kind, _, _ in outcome["steps"])
        assert outcome["end"] in ("complete", "stuck")
        assert kinds["remediation"] >= 1
        spent = learning.my_path(user, shipped).completion.spent
        # each retry is led to by reading the failed module again (engine 2.3)
        assert ("remediation", spent[0], "remediation") in outcome["steps"]
        quiz = db.session.scalar(select(Quiz).where(Quiz.module_slug == spent[0]))
        assert quiz is not None and len(scenarios.attempts_for(user, quiz.id)) >= 3
