"""The Engine: folds learner events into a LearnerState and answers questions about it."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from course.engine import bkt, fit, policy
from course.engine.catalogue import ENGINE_VERSION, Catalogue, CompetencySpec, ModuleSpec, Params
from course.engine.events import (
    Event,
    ModuleCompleted,
    ModuleOpened,
    Observation,
    PlacementFinished,
    QuizFinished,
)
from course.engine.explain import Names
from course.engine.fit import FitReport
from course.engine.policy import CohortRules, ModuleStatus, Recommendation
from course.engine.state import CompetencyState, LearnerState, QuizResult, Remediation

days_between = bkt.days_between

# Mastery must be shown, not only inferred. The model's estimate is first called mastery only when
# the learner's own record agrees: at least MIN_GOOD weight of best-rated answers in all, and a
# recent record (a moving average of graded values, each step moving it by RECENT_RATE x its
# weight) of at least RECENT_BAR. Until then the estimate is held just under the threshold; once
# called, the estimate alone (with forgetting) says whether it still holds.
MIN_GOOD = 1.0
RECENT_RATE = 0.3
RECENT_BAR = 0.9
HOLD = 0.005
# A finished scenario is one learning opportunity per competency it touched (not one per answered
# step: a long scenario or a replay must not teach by sheer count); a competency the module does
# not list is taught at this weight.
SIDE_WEIGHT = 0.5
PLACEMENT_MAIN = 0.5


def shown(cs: CompetencyState) -> bool:
    """Say whether a learner's record backs a mastery estimate."""
    return cs.good >= MIN_GOOD and cs.recent >= RECENT_BAR


class Engine:
    """Learner model and policy over one catalogue; holds no learner data."""

    def __init__(self, catalogue: Catalogue, *, placement: bool = True) -> None:
        """Index the catalogue; placement says whether a placement check exists."""
        self.catalogue = catalogue.validate()
        self.placement = placement
        self.competencies: dict[str, CompetencySpec] = {c.id: c for c in catalogue.competencies}
        self.modules: dict[str, ModuleSpec] = {m.id: m for m in catalogue.modules}
        self.order: dict[str, int] = {m.id: i for i, m in enumerate(catalogue.modules)}
        self.params_hash = catalogue.params_hash()
        self.teachers = {c: self._teachers(c) for c in self.competencies}
        self.refreshers = self._refreshers()
        self.names = Names(
            {c.id: c.name for c in catalogue.competencies},
            {m.id: m.title for m in catalogue.modules},
        )

    def _teachers(self, competency: str) -> tuple[str, ...]:
        """Return the modules teaching competency, best (highest weight) first."""
        weighted = [(-m.weight(competency), self.order[m.id], m.id) for m in self.catalogue.modules]
        return tuple(mid for w, _, mid in sorted(weighted) if w < 0)

    def _refreshers(self) -> dict[str, str]:
        """Return the first refresher module of each track."""
        found: dict[str, str] = {}
        for module in self.catalogue.modules:
            if module.kind == "refresher":
                found.setdefault(module.track, module.id)
        return found

    def params(self, competency: str) -> Params:
        """Return the parameters of a competency."""
        return self.competencies[competency].params

    def with_params(self, params: Mapping[str, Params]) -> Engine:
        """Return an engine over the same catalogue with new parameters."""
        return Engine(self.catalogue.with_params(params), placement=self.placement)

    def initial_state(self) -> LearnerState:
        """Return the state of a learner with no events."""
        return LearnerState(engine_version=ENGINE_VERSION, params_hash=self.params_hash)

    def is_current(self, state: LearnerState) -> bool:
        """Say whether state was computed by this engine version and these parameters."""
        return state.engine_version == ENGINE_VERSION and state.params_hash == self.params_hash

    def apply(self, state: LearnerState, event: Event) -> LearnerState:
        """Return the state after one event (unknown module or competency ids are ignored)."""
        new = _APPLY[type(event)](self, state, event.validate())
        last = event.at if state.last_at is None else max(state.last_at, event.at)
        return replace(new, events=state.events + 1, last_at=last)

    def replay(self, events: Iterable[Event]) -> LearnerState:
        """Fold apply over events from the initial state."""
        state = self.initial_state()
        for event in events:
            state = self.apply(state, event)
        return state

    def competency_state(self, state: LearnerState, competency: str) -> CompetencyState:
        """Return the stored state of a competency, or its prior."""
        found = state.competencies.get(competency)
        return found if found is not None else CompetencyState(self.params(competency).prior)

    def mastery(self, state: LearnerState, now: datetime) -> dict[str, float]:
        """Return predicted P(mastered) now for every competency, forgetting applied."""
        return {c: self.mastery_of(state, c, now) for c in self.competencies}

    def mastery_of(self, state: LearnerState, competency: str, now: datetime) -> float:
        """Return predicted P(mastered) now for one competency, held under the threshold until
        the learner's record shows it."""
        p = self.estimate(state, competency, now)
        return (
            min(p, self.params(competency).threshold - HOLD) if self.held(state, competency) else p
        )

    def held(self, state: LearnerState, competency: str) -> bool:
        """Say whether the learner's record does not yet back a mastery estimate."""
        cs = self.competency_state(state, competency)
        return not (cs.mastered or shown(cs))

    def project(
        self, estimates: Mapping[str, float], held: Collection[str], days: float
    ) -> dict[str, float]:
        """Return the mastery that estimates taken days ago (held: those not yet backed by the
        record) stand at now, with no event in between: mastery(state, later) equals
        project({c: estimate(state, c, earlier)}, held, days between), since forgetting shrinks
        the gap to the prior by the same factor each day."""
        return self.projector()(estimates, held, days)

    def projector(
        self,
    ) -> Callable[[Mapping[str, float], Collection[str], float], dict[str, float]]:
        """Return project() with each competency's constants worked out once (for thousands of
        learners at a time)."""
        constants = {
            c: (p.prior, math.log1p(-p.forget) if p.forget > 0.0 else 0.0, p.threshold - HOLD)
            for c, p in ((c, self.params(c)) for c in self.competencies)
        }

        def project(
            estimates: Mapping[str, float], held: Collection[str], days: float
        ) -> dict[str, float]:
            out = {}
            for competency, p in estimates.items():
                prior, log_keep, cap = constants[competency]
                value = prior + (p - prior) * math.exp(days * log_keep) if days > 0.0 else p
                out[competency] = min(value, cap) if competency in held else value
            return out

        return project

    def estimate(self, state: LearnerState, competency: str, now: datetime) -> float:
        """Return the model's P(mastered) now, before the rule that mastery must be shown."""
        params = self.params(competency)
        cs = self.competency_state(state, competency)
        return bkt.decay(cs.p, params.prior, params.forget, days_between(cs.at, now))

    def predict(self, state: LearnerState, competency: str, now: datetime) -> float:
        """Return P(good answer) on a fully weighted item of competency now."""
        params = self.params(competency)
        return bkt.predict_good(self.mastery_of(state, competency, now), params.guess, params.slip)

    def learning_weight(self, module_id: str, competency: str) -> float:
        """Return how much a finished scenario of a module teaches a competency it gave evidence
        on: the module's weight for it, or SIDE_WEIGHT when the module does not list it."""
        module = self.modules.get(module_id)
        weight = module.weight(competency) if module else 0.0
        return weight or SIDE_WEIGHT

    def recommend(
        self, state: LearnerState, now: datetime, rules: CohortRules | None = None
    ) -> Recommendation | None:
        """Return the next Recommendation, or None when everything is done."""
        return policy.recommend(self, state, now, rules)

    def path(
        self, state: LearnerState, now: datetime, rules: CohortRules | None = None
    ) -> tuple[ModuleStatus, ...]:
        """Return every module with its status, in catalogue order."""
        return policy.path(self, state, now, rules)

    def status(
        self, state: LearnerState, module_id: str, now: datetime, rules: CohortRules | None = None
    ) -> ModuleStatus:
        """Return one module's status, as path() gives it (KeyError for an unknown module)."""
        return policy.status(self, state, module_id, now, rules)

    def completion(
        self, state: LearnerState, now: datetime, rules: CohortRules | None = None
    ) -> policy.Completion:
        """Say whether the course is complete (every capstone passed) and what is left."""
        return policy.completion(self, state, now, rules)

    def overview(
        self, state: LearnerState, now: datetime, rules: CohortRules | None = None
    ) -> policy.Overview:
        """Return mastery, the next recommendation, every module's status and completion at
        once, as mastery(), recommend(), path() and completion() give them."""
        return policy.overview(self, state, now, rules)

    def fit(self, histories: Iterable[Iterable[Event]], **options: Any) -> FitReport:
        """Fit parameters per competency by EM over learners' event histories."""
        return fit.fit(self, histories, **options)


def _set_competency(state: LearnerState, competency: str, value: CompetencyState) -> LearnerState:
    """Return state with one competency replaced."""
    return replace(state, competencies={**state.competencies, competency: value})


def _practise(
    cs: CompetencyState,
    params: Params,
    at: datetime,
    p: float,
    evidence: int,
    graded: tuple[float, float] | None = None,
) -> CompetencyState:
    """Return the competency state after an update that ended at p (graded: value, weight)."""
    p = bkt.clamp(p)
    good, recent = cs.good, cs.recent
    if graded is not None:
        value, weight = graded
        good += weight if value >= 1.0 else 0.0
        first = cs.evidence == 0  # the record starts at the first graded answer
        recent = value if first else recent + RECENT_RATE * weight * (value - recent)
    new = CompetencyState(p, at, cs.mastered, cs.evidence + evidence, good, recent)
    mastered = cs.mastered or (p >= params.threshold and shown(new))
    return replace(new, mastered=mastered)


def _apply_observation(engine: Engine, state: LearnerState, ev: Observation) -> LearnerState:
    """Update one competency with graded evidence (the teaching comes when the scenario ends).

    An answer that repeats the learner's own earlier answer to the same item is not new evidence:
    replaying a scenario the same way cannot add up to mastery.
    """
    if ev.competency not in engine.competencies or ev.repeat:
        return state
    params = engine.params(ev.competency)
    cs = engine.competency_state(state, ev.competency)
    p = bkt.decay(cs.p, params.prior, params.forget, days_between(cs.at, ev.at))
    p = bkt.observe(p, ev.score(), ev.evidence(), params.guess, params.slip)
    if ev.source == "review":
        state = replace(state, last_review_at=ev.at)
    graded = (ev.score(), ev.weight)
    return _set_competency(state, ev.competency, _practise(cs, params, ev.at, p, 1, graded))


def _apply_completed(engine: Engine, state: LearnerState, ev: ModuleCompleted) -> LearnerState:
    """Record a read module: a learning opportunity for each competency it teaches."""
    module = engine.modules.get(ev.module_id)
    if module is None:
        return state
    comps = dict(state.competencies)
    for comp, weight in module.competencies:
        params = engine.params(comp)
        cs = engine.competency_state(state, comp)
        p = bkt.decay(cs.p, params.prior, params.forget, days_between(cs.at, ev.at))
        comps[comp] = _practise(cs, params, ev.at, bkt.learn(p, params.learn, weight), 0)
    remediations = tuple(_read_for(r, module.id) for r in state.remediations)
    completed = {**state.completed, module.id: state.completed.get(module.id, ev.at)}
    return replace(state, competencies=comps, completed=completed, remediations=remediations)


def _read_for(rem: Remediation, module_id: str) -> Remediation:
    """Move a pending retry on when the module read was its remedy: the refresher read, the retry
    is next (after the failed module read again); the failed module read again, the retry."""
    if rem.refresher == module_id and rem.stage == "refresher":
        return replace(rem, stage="reread" if module_id == rem.module_id else "retry")
    if rem.module_id == module_id and rem.stage != "reread":
        return replace(rem, stage="reread")
    return rem


def _apply_opened(engine: Engine, state: LearnerState, ev: ModuleOpened) -> LearnerState:
    """Record the first time a module was opened."""
    if ev.module_id not in engine.modules or ev.module_id in state.opened:
        return state
    return replace(state, opened={**state.opened, ev.module_id: ev.at})


def _apply_quiz(engine: Engine, state: LearnerState, ev: QuizFinished) -> LearnerState:
    """Record a quiz result: a first failure adds a pending retry, a pass clears its own.

    A failed replay of a quiz already passed is review evidence, not a failure to remediate; nor
    is a failed refresher's scenario: the refresher is itself the remediation, its quiz has no
    retake limit, and the pending retry of the module that sent the trainee there comes next.
    """
    module = engine.modules.get(ev.module_id)
    if module is None:
        return state
    before = state.quizzes.get(module.id)
    weakest = weakest_competency(engine, state, module, ev)
    result = QuizResult(
        passed=ev.passed,
        at=ev.at,
        score=ev.score,
        weakest=weakest,
        attempts=(before.attempts + 1) if before else 1,
        passed_at=(before.passed_at if before else None) or (ev.at if ev.passed else None),
    )
    quizzes = {**state.quizzes, module.id: result}
    if ev.fresh:
        state = _taught(engine, state, module.id, ev.per_competency, ev.at)
    remediations = state.remediations
    if ev.passed or before is None or before.passed_at is None:
        remediations = tuple(r for r in remediations if r.module_id != module.id)
    first_failure = before is None or before.passed_at is None
    if not ev.passed and first_failure and module.kind != "refresher":
        remediations += (_remediation(engine, ev, weakest),)
    return replace(state, quizzes=quizzes, remediations=remediations)


def _taught(
    engine: Engine, state: LearnerState, module_id: str, touched: Mapping[str, float], at: datetime
) -> LearnerState:
    """Apply one learning opportunity to each competency a finished scenario touched."""
    comps = dict(state.competencies)
    for comp in touched:
        if comp not in engine.competencies:
            continue
        params = engine.params(comp)
        cs = engine.competency_state(state, comp)
        p = bkt.decay(cs.p, params.prior, params.forget, days_between(cs.at, at))
        p = bkt.learn(p, params.learn, engine.learning_weight(module_id, comp))
        comps[comp] = _practise(cs, params, at, p, 0)
    return replace(state, competencies=comps)


def weakest_competency(
    engine: Engine, state: LearnerState, module: ModuleSpec, ev: QuizFinished
) -> str:
    """Return the competency with the lowest share (ties: lower mastery, then module order)."""
    known = [(c, s) for c, s in ev.per_competency.items() if c in engine.competencies]
    if not known:
        return max(module.competencies, key=lambda cw: cw[1])[0]
    rank = {c: i for i, (c, _) in enumerate(module.competencies)}
    return min(
        known,
        key=lambda cs: (cs[1], engine.mastery_of(state, cs[0], ev.at), rank.get(cs[0], 99), cs[0]),
    )[0]


def _remediation(engine: Engine, ev: QuizFinished, weakest: str) -> Remediation:
    """Return the pending retry after a failed quiz: first a read of what teaches the weakest
    competency most - the track's refresher, or the failed module itself when it teaches that
    competency with more weight (a re-read then teaches more than the refresher) - then the retry.
    """
    refresher = engine.refreshers.get(engine.competencies[weakest].track)
    if refresher is None or refresher == ev.module_id:
        refresher = _best_refresher(engine, weakest, ev.module_id)
    failed = engine.modules[ev.module_id].weight(weakest)
    if failed > (engine.modules[refresher].weight(weakest) if refresher else 0.0):
        refresher = ev.module_id
    share = ev.per_competency.get(weakest, ev.score)
    stage = "refresher" if refresher else "retry"
    return Remediation(ev.module_id, weakest, refresher, ev.at, share, stage)


def _best_refresher(engine: Engine, competency: str, failed: str) -> str | None:
    """Return the refresher that teaches competency most, other than the failed module."""
    for module_id in engine.teachers[competency]:
        if engine.modules[module_id].kind == "refresher" and module_id != failed:
            return module_id
    return None


def placed(
    engine: Engine, state: LearnerState, competency: str, at: datetime, base: float | None = None
) -> bool:
    """Say whether placement evidence shows a competency known well enough to skip its modules.

    The bar is the competency's `placement` level (below the mastery threshold: skipping a module
    only moves the proof to the capstone) and at least MIN_GOOD weight of good answers. The
    posterior is taken under the learner's own base rate (see base_rate) when one is given.
    """
    cs = engine.competency_state(state, competency)
    estimate = engine.estimate(state, competency, at)
    if base is not None:
        estimate = reweigh(estimate, engine.params(competency).prior, base)
    return estimate >= engine.params(competency).placement and cs.good >= MIN_GOOD


def reweigh(p: float, prior: float, base: float) -> float:
    """Return the posterior p (reached from prior) recomputed from the base rate instead: the
    evidence's likelihood ratio is odds(p) / odds(prior), whatever the prior was."""
    p, prior = (min(max(x, 1e-9), 1.0 - 1e-9) for x in (p, prior))
    odds = base / (1.0 - base) * (p / (1.0 - p)) / (prior / (1.0 - prior))
    return odds / (1.0 + odds)


# The learner's own base rate is estimated with this many pseudo-competencies at the course prior,
# so that a handful of lucky answers cannot talk the whole course away.
BASE_PSEUDO = 4.0
BASE_ROUNDS = 50


def base_rate(engine: Engine, state: LearnerState, at: datetime) -> float:
    """Estimate the share of the course's competencies this learner already holds, from the
    evidence on all of them (EM over a two-level model: each competency is held with the learner's
    base rate; the course prior is the population's). Officers who hold much of the course are
    common among trainees and are exactly whom placement is for; the per-competency prior alone
    treats each of them as a newcomer."""
    priors = {c: engine.params(c).prior for c in engine.competencies}
    estimates = {c: engine.estimate(state, c, at) for c in engine.competencies}
    pull = sum(priors.values()) / len(priors)
    base = pull
    for _ in range(BASE_ROUNDS):
        held = sum(reweigh(estimates[c], priors[c], base) for c in priors)
        base = (held + BASE_PSEUDO * pull) / (len(priors) + BASE_PSEUDO)
    return base


def _apply_placement(engine: Engine, state: LearnerState, ev: PlacementFinished) -> LearnerState:
    """Mark placement done and freeze the modules it showed the learner can skip."""
    base = base_rate(engine, state, ev.at)
    known = {c for c in engine.competencies if placed(engine, state, c, ev.at, base)}
    # A capstone is the track's final assessment: placement never waives it. A module is skipped
    # when placement showed every competency it mainly teaches (weight PLACEMENT_MAIN or more).
    skipped = tuple(
        m.id
        for m in engine.catalogue.modules
        if m.kind != "capstone"
        and all(c in known for c, w in m.competencies if w >= PLACEMENT_MAIN)
    )
    return replace(state, placement_at=ev.at, placement_skipped=skipped)


_APPLY: dict[type, Callable[..., LearnerState]] = {
    Observation: _apply_observation,
    ModuleCompleted: _apply_completed,
    ModuleOpened: _apply_opened,
    QuizFinished: _apply_quiz,
    PlacementFinished: _apply_placement,
}
