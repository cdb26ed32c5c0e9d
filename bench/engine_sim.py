"""Simulated trainees with known hidden mastery, and the policies that drive them through a course.

S1  BKT-like: one hidden mastered/not state per competency; little learning (x0.1) until the
    competency's prerequisites are truly mastered. Answers follow the engine's evidence model.
S2  logistic ability-and-difficulty learners: P(good) = sigmoid(1.7 (theta - b)); practice raises
    theta. Not BKT, so BKT is not flattered. Hidden "mastered": P(good on an average item) >= 0.8.
S3  S1 plus forgetting over time (the two-state chain toward the prior) and irregular gaps.
S4  S1 with noisy competency tags: a quarter of the steps are tagged with the wrong competency.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from course.engine import (
    Catalogue,
    Engine,
    ModuleCompleted,
    ModuleOpened,
    Observation,
    Params,
    PlacementFinished,
    QuizFinished,
)

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
KINDS = ("S1", "S2", "S3", "S4")
EXPERIENCED = 0.3
ACCEPTABLE = 0.15
PASS_MARK = 0.7
STEPS_PER_QUIZ = 5
PLACEMENT_ITEMS = 4
SESSION_ACTIONS = 3
MASTERED_LOGIT = 1.7 * 0.815  # P(good on an item of difficulty 0) >= 0.8


@dataclass(frozen=True)
class Truth:
    """Hidden parameters of one competency in a simulated world."""

    prior_novice: float
    prior_expert: float
    learn: float
    guess: float
    slip: float
    forget: float

    def params(self) -> Params:
        """Return the engine parameters that match this truth (the marginal prior)."""
        prior = EXPERIENCED * self.prior_expert + (1 - EXPERIENCED) * self.prior_novice
        return Params(prior, self.learn, self.guess, self.slip, self.forget)


@dataclass(frozen=True)
class World:
    """A kind of simulated trainee over a catalogue, with its hidden parameters."""

    kind: str
    catalogue: Catalogue
    truth: dict[str, Truth]
    comp_prereqs: dict[str, tuple[str, ...]]
    tag_noise: float = 0.0

    def true_params(self) -> dict[str, Params]:
        """Return the BKT parameters that generated the data (S1, S3, S4)."""
        return {c: t.params() for c, t in self.truth.items()}


def comp_prereqs(catalogue: Catalogue) -> dict[str, tuple[str, ...]]:
    """Derive competency prerequisites from the first module that teaches each one as primary."""
    modules = {m.id: m for m in catalogue.modules}
    out: dict[str, tuple[str, ...]] = {}
    for comp in catalogue.competencies:
        teachers = [m for m in catalogue.modules if m.weight(comp.id) >= 0.6] or [
            m for m in catalogue.modules if m.weight(comp.id) > 0
        ]
        first = teachers[0]
        found: list[str] = []
        for p in first.prerequisites:
            if p.module:
                found.append(max(modules[p.module].competencies, key=lambda cw: cw[1])[0])
            elif p.competency:
                found.append(p.competency)
        out[comp.id] = tuple(dict.fromkeys(c for c in found if c != comp.id))
    return out


def make_world(kind: str, catalogue: Catalogue, seed: int) -> World:
    """Draw the hidden parameters of a world."""
    rng = random.Random(f"world-{kind}-{seed}")
    truth = {
        c.id: Truth(
            prior_novice=rng.uniform(0.05, 0.25),
            prior_expert=0.8,
            learn=rng.uniform(0.15, 0.35),
            guess=rng.uniform(0.10, 0.30),
            slip=rng.uniform(0.05, 0.15),
            forget=rng.uniform(0.01, 0.03) if kind == "S3" else 0.0,
        )
        for c in catalogue.competencies
    }
    noise = 0.25 if kind == "S4" else 0.0
    return World(kind, catalogue, truth, comp_prereqs(catalogue), noise)


@dataclass
class Trainee:
    """One simulated trainee: hidden state, clock, and the events and costs so far (mutable)."""

    world: World
    rng: random.Random
    expert: bool
    mastered: dict[str, bool] = field(default_factory=dict)
    theta: dict[str, float] = field(default_factory=dict)
    now: datetime = START
    actions: int = 0
    views: int = 0
    steps: int = 0
    events: list = field(default_factory=list)
    hidden_at_obs: list[bool] = field(default_factory=list)

    def is_mastered(self, comp: str) -> bool:
        """Return the hidden mastery of a competency."""
        if self.world.kind == "S2":
            return 1.7 * self.theta[comp] >= MASTERED_LOGIT
        return self.mastered[comp]

    def all_mastered(self) -> bool:
        """Say whether every competency is truly mastered."""
        return all(self.is_mastered(c) for c in self.world.truth)

    def tick(self, minutes: float) -> None:
        """Advance the clock within a session."""
        self.now += timedelta(minutes=minutes)

    def end_action(self) -> None:
        """Count an action; after a session's worth, jump to the next session."""
        self.actions += 1
        if self.actions % SESSION_ACTIONS == 0:
            self.wait(self.session_gap())

    def session_gap(self) -> float:
        """Return the days until the next session."""
        if self.world.kind == "S3":
            return 0.5 + self.rng.expovariate(1 / 3.0)
        return 1.0

    def wait(self, days: float) -> None:
        """Let days pass, forgetting as the world says."""
        self.now += timedelta(days=days)
        if self.world.kind != "S3":
            return
        for comp, t in self.world.truth.items():
            moved = 1 - math.exp(days * math.log1p(-t.forget))
            prior = EXPERIENCED * t.prior_expert + (1 - EXPERIENCED) * t.prior_novice
            flip = (1 - prior) * moved if self.mastered[comp] else prior * moved
            if self.rng.random() < flip:
                self.mastered[comp] = not self.mastered[comp]

    def learn(self, comp: str, weight: float, read: bool) -> None:
        """Apply one learning opportunity to the hidden state."""
        gate = 1.0 if all(self.is_mastered(p) for p in self.world.comp_prereqs[comp]) else 0.1
        if self.world.kind == "S2":
            self.theta[comp] += (0.4 if read else 0.3) * weight * (0.5 + 0.5 * gate)
        elif (
            not self.mastered[comp]
            and self.rng.random() < self.world.truth[comp].learn * weight * gate
        ):
            self.mastered[comp] = True

    def answer(self, comp: str, weight: float) -> str:
        """Return the rating of an answer on a competency."""
        rng = self.rng
        if rng.random() < ACCEPTABLE:
            return "acceptable"
        if self.world.kind == "S2":
            good = 1 / (1 + math.exp(-1.7 * (self.theta[comp] - rng.gauss(0.0, 0.5))))
        elif rng.random() < weight:
            t = self.world.truth[comp]
            good = 1 - t.slip if self.mastered[comp] else t.guess
        else:
            good = 0.5
        return "best" if rng.random() < good else "poor"

    def tag(self, comp: str, choices: list[str]) -> str:
        """Return the competency the content tags a step with (wrong with tag_noise)."""
        if self.rng.random() >= self.world.tag_noise:
            return comp
        others = [c for c in choices if c != comp] or [c for c in self.world.truth if c != comp]
        return self.rng.choice(others)

    def observe(
        self, comp: str, weight: float, source: str, module_id: str | None, choices: list[str]
    ) -> float:
        """Answer one step: emit an Observation on the tagged competency and maybe learn."""
        tagged = self.tag(comp, choices)
        self.hidden_at_obs.append(self.is_mastered(tagged))
        rating = self.answer(comp, weight)
        self.tick(2)
        self.events.append(
            Observation(
                competency=tagged,
                at=self.now,
                rating=rating,
                weight=weight,
                source=source,
                module_id=module_id,
            )
        )
        self.steps += 1
        if source != "placement":
            self.learn(comp, weight, read=False)
        return {"best": 1.0, "acceptable": 0.5, "poor": 0.0}[rating]

    def read(self, module_id: str) -> None:
        """Read a module: a learning opportunity for what it teaches."""
        module = next(m for m in self.world.catalogue.modules if m.id == module_id)
        self.events.append(ModuleOpened(module_id=module_id, at=self.now))
        self.tick(15)
        for comp, weight in module.competencies:
            self.learn(comp, weight, read=True)
        self.events.append(ModuleCompleted(module_id=module_id, at=self.now))
        self.views += 1

    def quiz(self, module_id: str, source: str = "scenario") -> bool:
        """Take a module's scenario quiz; return whether it was passed."""
        module = next(m for m in self.world.catalogue.modules if m.id == module_id)
        comps = [c for c, _ in module.competencies]
        weights = [w for _, w in module.competencies]
        got: dict[str, list[float]] = {}
        for _ in range(STEPS_PER_QUIZ):
            comp = self.rng.choices(comps, weights)[0]
            weight = 1.0 if module.weight(comp) >= 0.6 else 0.5
            value = self.observe(comp, weight, source, module_id, comps)
            tagged = self.events[-1].competency
            got.setdefault(tagged, []).extend([value * weight, weight])
        share = {c: sum(v[0::2]) / sum(v[1::2]) for c, v in got.items()}
        score = sum(sum(v[0::2]) for v in got.values()) / sum(sum(v[1::2]) for v in got.values())
        passed = score >= PASS_MARK
        self.events.append(
            QuizFinished(
                module_id=module_id, at=self.now, passed=passed, score=score, per_competency=share
            )
        )
        return passed

    def placement(self) -> None:
        """Take the placement check: PLACEMENT_ITEMS full-weight items per competency."""
        for comp in self.world.truth:
            for _ in range(PLACEMENT_ITEMS):
                self.observe(comp, 1.0, "placement", None, [comp])
        self.events.append(PlacementFinished(at=self.now))


def new_trainee(world: World, seed: int, index: int) -> Trainee:
    """Draw a trainee's hidden starting state (same for every policy given seed and index)."""
    rng = random.Random(f"trainee-{world.kind}-{seed}-{index}")
    expert = rng.random() < EXPERIENCED
    trainee = Trainee(world, rng, expert)
    for comp, t in world.truth.items():
        if world.kind == "S2":
            trainee.theta[comp] = rng.gauss(1.2 if expert else -1.2, 0.7)
        else:
            trainee.mastered[comp] = rng.random() < (t.prior_expert if expert else t.prior_novice)
    trainee.rng = random.Random(f"answers-{world.kind}-{seed}-{index}")
    return trainee


@dataclass
class Run:
    """The outcome of driving one trainee with one policy."""

    events: list
    hidden_at_obs: list[bool]
    views: int
    steps: int
    exit_unmastered: float
    first_all: tuple[int, int] | None
    leaves: list[bool] = field(default_factory=list)
    placement_right: list[tuple[bool, float, float]] = field(default_factory=list)
    skipped: int = 0
    trainee: Trainee | None = None


def _finish(trainee: Trainee, first_all: tuple[int, int] | None, **extra: object) -> Run:
    """Package a run."""
    unmastered = sum(not trainee.is_mastered(c) for c in trainee.world.truth) / len(
        trainee.world.truth
    )
    return Run(
        trainee.events,
        trainee.hidden_at_obs,
        trainee.views,
        trainee.steps,
        unmastered,
        first_all,
        trainee=trainee,
        **extra,  # type: ignore[arg-type]
    )


def run_adaptive(engine: Engine, trainee: Trainee, max_actions: int = 120) -> Run:
    """Follow the engine's recommendations until it recommends nothing."""
    state = engine.initial_state()
    leaves: list[bool] = []
    placement_right: list[tuple[bool, float, float]] = []
    first_all = (0, 0) if trainee.all_mastered() else None
    seen = 0
    for _ in range(max_actions):
        rec = engine.recommend(state, trainee.now)
        if rec is None or (rec.kind == "review" and _all_judged(engine, state)):
            break
        act(trainee, rec.kind, rec.module_id, rec.module_id in state.completed)
        for event in trainee.events[seen:]:
            before = state
            state = engine.apply(state, event)
            leaves.extend(_crossings(engine, before, state, trainee))
        seen = len(trainee.events)
        if rec.kind == "placement":
            placement_right = _placement_check(engine, state, trainee)
        if first_all is None and trainee.all_mastered():
            first_all = (trainee.views, trainee.steps)
        trainee.end_action()
    return _finish(
        trainee,
        first_all,
        leaves=leaves,
        placement_right=placement_right,
        skipped=len(state.placement_skipped),
    )


def _all_judged(engine: Engine, state) -> bool:  # noqa: ANN001
    """Say whether the engine has judged every competency mastered at least once (course over)."""
    comps = state.competencies
    return all(c in comps and comps[c].mastered for c in engine.competencies)


def act(trainee: Trainee, kind: str, module_id: str | None, read_before: bool) -> None:
    """Carry out one recommendation."""
    if kind == "placement" or module_id is None:
        trainee.placement()
        return
    if kind == "review":
        trainee.quiz(module_id, "review")
        return
    if kind == "remediation" or (kind != "retry" and not read_before):
        trainee.read(module_id)
    if kind != "remediation":
        trainee.quiz(module_id)


def _crossings(engine: Engine, before, after, trainee: Trainee) -> list[bool]:  # noqa: ANN001
    """Return the hidden state of each competency the engine just judged mastered."""
    return [
        trainee.is_mastered(c)
        for c, cs in after.competencies.items()
        if cs.mastered and not (c in before.competencies and before.competencies[c].mastered)
    ]


def _placement_check(engine: Engine, state, trainee: Trainee) -> list[tuple[bool, float, float]]:  # noqa: ANN001
    """Return (hidden, estimate, threshold) per competency right after placement."""
    mastery = engine.mastery(state, trainee.now)
    return [(trainee.is_mastered(c), mastery[c], engine.params(c).threshold) for c in mastery]


def course_order(catalogue: Catalogue) -> list[str]:
    """Return the fixed linear order: catalogue order without refreshers."""
    return [m.id for m in catalogue.modules if m.kind != "refresher"]


def run_fixed(trainee: Trainee, order: list[str], passes: int) -> list[Run]:
    """Read every module and take its quiz in a fixed order; return the run after each pass."""
    first_all = (0, 0) if trainee.all_mastered() else None
    out = []
    for number in range(passes):
        for module_id in order:
            if number == 0:
                trainee.read(module_id)
            trainee.quiz(module_id)
            if first_all is None and trainee.all_mastered():
                first_all = (trainee.views, trainee.steps)
            trainee.end_action()
        out.append(_finish(trainee, first_all))
        out[-1].events = list(trainee.events)
    return out


def random_order(catalogue: Catalogue, rng: random.Random) -> list[str]:
    """Return a random order of the course modules that respects module prerequisites."""
    modules = {m.id: m for m in catalogue.modules if m.kind != "refresher"}
    done: list[str] = []
    while len(done) < len(modules):
        ready = [
            m
            for m in modules
            if m not in done
            and all(
                p.module is None or p.module in done or p.module not in modules
                for p in modules[m].prerequisites
            )
        ]
        done.append(rng.choice(ready))
    return done


def run_random(trainee: Trainee, catalogue: Catalogue, passes: int, seed: int) -> list[Run]:
    """Take modules in a random prerequisite-respecting order, passes times over."""
    order = random_order(catalogue, random.Random(seed))
    return run_fixed(trainee, order, passes)
