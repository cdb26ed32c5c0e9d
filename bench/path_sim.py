"""Simulated trainees playing the shipped quiz files under the platform's own rules.

A learner has a hidden truth per competency and answers the real decision points and checks
through the real grader; the platform's locks (the engine's path statuses, which the web layer
enforces) and retake limits (counted here from the attempts, as `services.scenarios` does) apply.
Three ways through the course are compared: the adaptive engine, the catalogue once, and the
catalogue twice. See bench/engine_eval.py for the report.

Visits are counted alike in every way: a visit is one module opened to work on, that is its read
and the scenario the platform starts after it (the reader's "Mark as read and start the scenario"
leads to the module's quiz), or a retry, or a review replay. So a re-read of a failed module and the
retry it leads to are one visit, in the fixed ways and on the adaptive path alike; so are a
refresher's read and its own scenario (the retry of the failed quiz is then the next visit).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shipped_course import Shipped

from course import content, engine
from course.content import lint
from course.engine.engine import PLACEMENT_MAIN

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ACTION = timedelta(minutes=25)
SESSION = 3  # actions a day
KINDS = ("fits-model", "gradual", "experienced", "weak", "gaming")


# Learners


@dataclass
class Learner:
    """A simulated trainee: hidden mastery per competency and how it answers."""

    kind: str
    rng: random.Random
    competencies: tuple[str, ...]
    learn: float = 0.2
    known: dict[str, bool] = field(default_factory=dict)
    theta: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        start = {"experienced": 0.7, "weak": 0.03}.get(self.kind, 0.12)
        for comp in self.competencies:
            self.known[comp] = self.kind != "gaming" and self.rng.random() < start
            self.theta[comp] = self.rng.gauss(-1.4, 0.4)
        if self.kind == "weak":
            self.learn = 0.07

    def forget(self, days: float) -> None:
        """Let time pass: held competencies are lost at the rate the engine assumes (forget x
        (1 - prior) a day, about 0.85% a day); abilities sink a little."""
        for comp in self.competencies:
            if self.kind == "gradual":
                self.theta[comp] -= 0.01 * days
            elif self.known[comp] and self.rng.random() < 1 - (1 - 0.0085) ** days:
                self.known[comp] = False

    def mastered(self, comp: str) -> bool:
        """Return the hidden truth: does the learner hold this competency now?"""
        if self.kind == "gradual":
            return _sigmoid(self.theta[comp]) >= 0.8
        return self.known[comp]

    def p_best(self, comp: str) -> float:
        """Return the chance of choosing the best answer on an item of this competency."""
        if self.kind == "gradual":
            return _sigmoid(self.theta[comp])
        if self.mastered(comp):
            return 0.85
        return 0.15 if self.kind == "weak" else -1.0  # -1: a blind guess among the choices

    def practise(self, comp: str, weight: float) -> None:
        """One learning opportunity (a module read, or an answered step with its feedback)."""
        if self.kind == "gaming":
            return
        if self.kind == "gradual":
            self.theta[comp] += 0.28 * weight
        elif not self.known[comp] and self.rng.random() < self.learn * weight:
            self.known[comp] = True

    def answer(self, step: content.Step, seed: int) -> object:
        """Answer a decision point or a check."""
        if self.kind == "gaming":
            return _surface(step)
        comp = _main_competency(step)
        p = self.p_best(comp)
        good = self.rng.random() < p if p >= 0 else None
        if isinstance(step, content.Decision):
            return self._choose(step, good)
        return self._check(step, good)

    def _choose(self, step: content.Decision, good: bool | None) -> str:
        if good is None:
            return self.rng.choice(step.choices).id
        pool = [c for c in step.choices if (c.rating == "best") == good]
        if not good:  # a slip usually lands on a defensible choice
            acceptable = [c for c in pool if c.rating == "acceptable"]
            pool = acceptable if acceptable and self.rng.random() < 0.6 else pool
        return self.rng.choice(pool or step.choices).id

    def _check(self, step: content.Check, good: bool | None) -> object:
        if good is None:
            good = self.rng.random() < {"single": 1 / max(len(step.options), 1)}.get(
                step.type, 0.15
            )
        if step.type == "ordering":
            order = tuple(range(len(step.items)))
            return order if good else order[::-1]
        right = [i for i, o in enumerate(step.options) if o.correct]
        wrong = [i for i, o in enumerate(step.options) if not o.correct]
        if step.type == "multiple":
            return tuple(right) if good or not wrong else (wrong[0],)
        return right[0] if good or not wrong else self.rng.choice(wrong)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-1.7 * x))


def _main_competency(step: content.Step) -> str:
    if isinstance(step, content.Decision):
        evidence = step.choices[0].evidence
        return max(evidence, key=lambda e: e.weight).competency
    return step.competency


def _surface(step: content.Step) -> object:
    """The test-wise answer: the longest choice or option (the shown order is shuffled)."""
    return lint.strategies(lint.cue_stats([]))["always the longest"](step)


# The platform


@dataclass
class Run:
    """One learner on one path: the engine state, the platform's records, and the measures."""

    course: Shipped
    engine: engine.Engine
    learner: Learner
    rng: random.Random
    state: engine.LearnerState
    now: datetime = START
    actions: int = 0
    visits: int = 0
    attempts: dict[str, int] = field(default_factory=dict)
    passed: set[str] = field(default_factory=set)
    declared: dict[str, bool] = field(default_factory=dict)  # first mastery call -> truly held?
    dead_ends: list[str] = field(default_factory=list)
    placement: tuple[set[str], set[str]] | None = None  # (truly known, skipped) modules
    answered: set[tuple[str, str, str]] = field(default_factory=set)  # (quiz, step, response)
    fresh: bool = True

    def tick(self) -> None:
        """Advance the clock by one action; a session ends after a few."""
        self.actions += 1
        self.now += ACTION
        if self.actions % SESSION == 0:
            day = (self.now + timedelta(days=1)).date()
            self.now = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
            self.learner.forget(1.0)

    def apply(self, event: engine.Event) -> None:
        """Fold an event into the state and note the first mastery call per competency."""
        self.state = self.engine.apply(self.state, event)
        mastery = self.engine.mastery(self.state, self.now)
        for comp, p in mastery.items():
            if comp not in self.declared and p >= self.engine.params(comp).threshold:
                self.declared[comp] = self.learner.mastered(comp)

    def locked(self, module_id: str) -> bool:
        """Say whether the platform refuses work on a module (the web layer asks the engine)."""
        path = self.engine.path(self.state, self.now)
        return next(s for s in path if s.module_id == module_id).status == "locked"

    def can_start(self, module_id: str) -> bool:
        """Say whether the platform starts an attempt at a module's quiz now."""
        quiz = self.course.quizzes.get(module_id)
        if quiz is None or self.locked(module_id):
            return False
        used = self.attempts.get(module_id, 0)
        return module_id in self.passed or not quiz.max_attempts or used < quiz.max_attempts

    def read(self, module_id: str) -> None:
        """Read a module: the learner learns, the platform records it."""
        if self.locked(module_id):
            self.dead_ends.append(f"read {module_id} (locked)")
            return
        module = self.engine.modules[module_id]
        for comp, weight in module.competencies:
            self.learner.practise(comp, weight)
        self.apply(engine.ModuleOpened(module_id=module_id, at=self.now))
        self.apply(engine.ModuleCompleted(module_id=module_id, at=self.now))

    def play(self, module_id: str) -> bool:
        """Play a module's quiz to its ending through the grader; return whether it passed."""
        if not self.can_start(module_id):
            self.dead_ends.append(f"play {module_id} (refused)")
            return False
        quiz = self.course.quizzes[module_id]
        source = "review" if module_id in self.passed else "scenario"
        result = self._walk(quiz, source)
        self.attempts[module_id] = self.attempts.get(module_id, 0) + 1
        self.apply(
            engine.QuizFinished(
                module_id=module_id,
                at=self.now,
                passed=result.passed,
                score=result.score,
                per_competency=result.per_competency,
                fresh=self.fresh,
            )
        )
        if result.passed:
            self.passed.add(module_id)
        return result.passed

    def place(self) -> None:
        """Take the placement check (a measurement: it does not teach)."""
        self._walk(self.course.placement, "placement", teach=False)
        self.apply(engine.PlacementFinished(at=self.now))
        known = {  # the modules whose main competencies (as the engine weighs them) are held
            m.id
            for m in self.engine.catalogue.modules
            if m.kind != "capstone"
            and all(self.learner.mastered(c) for c, w in m.competencies if w >= PLACEMENT_MAIN)
        }
        self.placement = (known, set(self.state.placement_skipped))

    def _walk(self, quiz: content.Quiz, source: str, teach: bool = True) -> content.QuizScore:
        seed = self.rng.randrange(2**31)
        graded: list[content.Graded] = []
        step = quiz.step(quiz.start)
        fresh = False
        while not isinstance(step, content.Ending):
            response = self.learner.answer(step, seed)
            done = content.grade(step, response)
            graded.append(done)
            item = (quiz.id, step.id, repr(response))
            repeat = item in self.answered
            self.answered.add(item)
            fresh = fresh or not repeat
            observations = engine.per_step(
                [
                    engine.Observation(
                        competency=e.competency,
                        rating=e.rating,
                        weight=e.weight,
                        source=source,
                        module_id=quiz.module,
                        at=self.now,
                        repeat=repeat,
                    )
                    for e in done.evidence
                ]
            )
            for ob in observations:
                self.apply(ob)
            step = quiz.step(content.resolve(quiz, graded))
        result = content.score(quiz, graded)
        self.fresh = fresh
        if (
            teach and fresh
        ):  # a scenario with its feedback is one opportunity per competency it touched
            for comp in result.per_competency:
                self.learner.practise(comp, self.engine.learning_weight(quiz.module, comp))
        return result

    def true_mastery(self) -> float:
        """Return the share of competencies the learner truly holds now."""
        comps = self.learner.competencies
        return sum(self.learner.mastered(c) for c in comps) / len(comps)


# Ways through the course


def adaptive(run: Run, budget: int, past_completion: bool = False) -> None:
    """Follow the engine's recommendation as My path shows it, until the course is complete (or,
    past_completion, until it has nothing more to offer) or the visits reach the budget."""
    while run.visits < budget and run.actions < 4 * budget:
        rec = run.engine.recommend(run.state, run.now)
        if rec is None:
            if not past_completion:
                return
            run.now += timedelta(days=1)  # practice is spaced: come back tomorrow
            run.learner.forget(1.0)
            if run.engine.recommend(run.state, run.now) is None:
                return
            continue
        if not past_completion and run.engine.completion(run.state, run.now).complete:
            return
        if rec.kind == "placement":
            run.place()
        elif rec.kind == "wait":
            run.now += timedelta(hours=12)
            run.learner.forget(0.5)
            continue
        else:
            run.visits += 1
            _follow(run, rec)
        run.tick()


def _follow(run: Run, rec: engine.Recommendation) -> None:
    """Do what My path's button leads to: a retry or review plays the quiz; anything else opens
    the module, and marking it read leads to its quiz, played when the platform starts it (a
    refresher's own, or the retry of the module just failed and read again)."""
    module_id = rec.module_id
    if rec.kind in ("retry", "review"):
        run.play(module_id)
        return
    run.read(module_id)
    if module_id in run.course.quizzes and run.can_start(module_id):
        run.play(module_id)


def fixed(run: Run, passes: int) -> None:
    """Go through the catalogue in order (refreshers aside), passes times: read, then play the
    quiz, retrying (after re-reading) while the retake rule allows, until it is passed."""
    order = [m.id for m in run.engine.catalogue.modules if m.kind != "refresher"]
    for n in range(passes):
        for module_id in order:
            if run.locked(module_id):
                continue  # a fixed order cannot take what the platform keeps locked
            run.visits += 1
            run.read(module_id)
            if module_id not in run.course.quizzes:
                continue
            again = n > 0 and module_id in run.passed
            while run.can_start(module_id) and (again or module_id not in run.passed):
                if run.play(module_id) or again:
                    break
                run.tick()
                run.visits += 1
                run.read(module_id)
            run.tick()


def new_run(course: Shipped, kind: str, seed: int) -> Run:
    """Return a fresh learner of a kind, with its own random stream, at the start."""
    eng = engine.Engine(course.catalogue, placement=course.placement is not None)
    rng = random.Random(f"{kind}-{seed}")
    comps = tuple(c.id for c in course.catalogue.competencies)
    learner = Learner(kind, random.Random(f"learner-{kind}-{seed}"), comps)
    return Run(course, eng, learner, rng, eng.initial_state())
