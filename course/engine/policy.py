"""The policy: which modules are open, which one comes next, and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from course.engine.catalogue import ENGINE_VERSION, ModuleSpec, Prereq
from course.engine.explain import Names, Reason, explain, pct, when
from course.engine.state import LearnerState

if TYPE_CHECKING:
    from course.engine.engine import Engine

KINDS = ("next", "remediation", "review", "required", "pinned", "retry", "placement", "wait")
STATUSES = ("done", "in-progress", "open", "locked", "review-due")


@dataclass(frozen=True)
class CohortRules:
    """Administrators' rules for a cohort: pinned modules first, then required ones."""

    required: tuple[str, ...] = ()
    pinned: tuple[str, ...] = ()
    target_date: date | None = None

    def validate(self) -> CohortRules:
        """Check the rules name modules as tuples of ids."""
        if not all(isinstance(m, str) for m in (*self.required, *self.pinned)):
            raise ValueError("rules name modules by id")
        return self


@dataclass(frozen=True)
class Recommendation:
    """What to do next (module_id is None for the placement check), with its reason."""

    module_id: str | None
    kind: str
    reason: Reason
    text: str
    engine_version: str = ENGINE_VERSION
    params_hash: str = ""

    def validate(self) -> Recommendation:
        """Check the kind and the reason."""
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind}")
        self.reason.validate()
        return self

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "module_id": self.module_id,
            "kind": self.kind,
            "reason": self.reason.to_json(),
            "text": self.text,
            "engine_version": self.engine_version,
            "params_hash": self.params_hash,
        }


@dataclass(frozen=True)
class ModuleStatus:
    """A module's place on the learner's path and a short why."""

    module_id: str
    status: str
    why: str

    def validate(self) -> ModuleStatus:
        """Check the status is known."""
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status}")
        return self


@dataclass(frozen=True)
class Snapshot:
    """A learner seen at one moment: mastery now and modules done (with when and how)."""

    engine: Engine
    state: LearnerState
    now: datetime
    rules: CohortRules
    mastery: dict[str, float]
    done: dict[str, tuple[datetime | None, str]] = field(default_factory=dict)

    def threshold(self, competency: str) -> float:
        """Return the mastery threshold of a competency."""
        return self.engine.params(competency).threshold

    def mastered(self, competency: str) -> bool:
        """Say whether a competency counts as mastered now."""
        return self.mastery[competency] >= self.threshold(competency)

    def names(self) -> Names:
        """Return display names for explanations."""
        return self.engine.names


def snapshot(
    engine: Engine, state: LearnerState, now: datetime, rules: CohortRules | None
) -> Snapshot:
    """Look at a learner now."""
    mastery = engine.mastery(state, now)
    return Snapshot(
        engine, state, now, rules or CohortRules(), mastery, done_modules(engine, state)
    )


def done_modules(engine: Engine, state: LearnerState) -> dict[str, tuple[datetime | None, str]]:
    """Return modules done: quiz passed, read (when there is no quiz), or placed out of."""
    done: dict[str, tuple[datetime | None, str]] = {}
    for module_id, result in state.quizzes.items():
        if result.passed_at is not None:
            done[module_id] = (result.passed_at, "passed")
    for module_id, at in state.completed.items():
        module = engine.modules.get(module_id)
        if module is not None and not module.has_quiz:
            done.setdefault(module_id, (at, "completed"))
    if state.placement_at is not None:
        done.update({m: (state.placement_at, "placement") for m in state.placement_skipped})
    return done


def unmet(snap: Snapshot, module: ModuleSpec) -> list[Prereq]:
    """Return the prerequisites of a module not met now."""
    return [p for p in module.prerequisites if not _met(snap, p)]


def _met(snap: Snapshot, prereq: Prereq) -> bool:
    """Say whether one prerequisite is met now."""
    if prereq.module is not None:
        return prereq.module in snap.done or spent(snap, prereq.module)
    return snap.mastery[prereq.competency or ""] >= (prereq.mastery or 0.0)


def spent(snap: Snapshot, module_id: str) -> bool:
    """Say whether a module's quiz was never passed and its attempts are used up.

    The path then moves on: a spent module counts as settled for what it unlocks, and the trainee
    is listed as needing attention (an instructor decides what comes next for that module).
    """
    module = snap.engine.modules.get(module_id)
    result = snap.state.quizzes.get(module_id)
    if module is None or result is None or not module.max_attempts or result.passed_at:
        return False
    return result.attempts >= module.max_attempts


def ready_at(snap: Snapshot, module_id: str) -> datetime | None:
    """Return when a failed quiz may be tried again, if that is still to come."""
    module = snap.engine.modules[module_id]
    result = snap.state.quizzes.get(module_id)
    if result is None or result.passed_at or result.passed or not module.cooldown_hours:
        return None
    ready = result.at + timedelta(hours=module.cooldown_hours)
    return ready if ready > snap.now else None


def playable(snap: Snapshot, module_id: str) -> bool:
    """Say whether the platform will start an attempt at the module's quiz now."""
    module = snap.engine.modules[module_id]
    return (
        module.has_quiz
        and unlocked(snap, module)
        and not spent(snap, module_id)
        and ready_at(snap, module_id) is None
    )


def actionable(snap: Snapshot, module_id: str) -> bool:
    """Say whether a trainee sent to a module has something the platform accepts to do there:
    read it for the first time, or play its quiz (a replay once passed)."""
    module = snap.engine.modules[module_id]
    if not unlocked(snap, module):
        return False
    if not module.has_quiz:
        return True
    return module_id not in snap.state.completed or playable(snap, module_id)


def started(snap: Snapshot, module_id: str) -> bool:
    """Say whether the learner has started a module (opened, read or tried its quiz)."""
    state = snap.state
    return module_id in state.opened or module_id in state.completed or module_id in state.quizzes


def unlocked(snap: Snapshot, module: ModuleSpec) -> bool:
    """Say whether a module may be taken: started, done or all prerequisites met."""
    return module.id in snap.done or started(snap, module.id) or not unmet(snap, module)


# Practice is spaced: a competency practised less than this long ago is not sent back for review
# or extra practice yet (drilling the same scenario within the hour teaches little and loops).
SPACING = timedelta(days=1)
# A mastered competency is due for review once its estimate has fallen this far below the
# threshold: a review for every point of decay would crowd out the course.
REVIEW_MARGIN = 0.10


def rested(snap: Snapshot, competency: str) -> bool:
    """Say whether a competency was last practised at least SPACING ago (or never)."""
    cs = snap.state.competencies.get(competency)
    return cs is None or cs.at is None or snap.now - cs.at >= SPACING


def review_due(snap: Snapshot) -> list[str]:
    """Return competencies once mastered whose mastery fell below threshold and that have rested
    since their last practice, weakest first."""
    due = [
        c
        for c, cs in snap.state.competencies.items()
        if c in snap.mastery
        and cs.mastered
        and snap.mastery[c] < snap.threshold(c) - REVIEW_MARGIN
        and rested(snap, c)
    ]
    order = {c: i for i, c in enumerate(snap.mastery)}
    return sorted(due, key=lambda c: (snap.mastery[c], order[c]))


def best_teacher(snap: Snapshot, competency: str) -> str | None:
    """Return the actionable module that teaches a competency most (catalogue order on ties)."""
    for module_id in snap.engine.teachers[competency]:
        if actionable(snap, module_id):
            return module_id
    return None


def review_teacher(snap: Snapshot, competency: str) -> str | None:
    """Return the done module teaching a competency most whose scenario can be replayed now."""
    for module_id in snap.engine.teachers[competency]:
        if module_id in snap.done and playable(snap, module_id):
            return module_id
    return None


def gain(snap: Snapshot, module: ModuleSpec) -> float:
    """Return the expected gain: sum of weight * learn * (1 - p) over non-mastered competencies."""
    return sum(
        w * snap.engine.params(c).learn * (1.0 - snap.mastery[c])
        for c, w in module.competencies
        if not snap.mastered(c)
    )


def top_competency(snap: Snapshot, module: ModuleSpec) -> str:
    """Return the non-mastered competency that contributes most to a module's gain."""
    open_comps = [(c, w) for c, w in module.competencies if not snap.mastered(c)]
    best = max(
        open_comps or module.competencies,
        key=lambda cw: cw[1] * snap.engine.params(cw[0]).learn * (1.0 - snap.mastery[cw[0]]),
    )
    return best[0]


def unlock_step(snap: Snapshot, module_id: str, seen: frozenset[str] = frozenset()) -> str | None:
    """Return the first module to take on the way to module_id (itself when it is unlocked)."""
    module = snap.engine.modules[module_id]
    if unlocked(snap, module):
        return module_id if actionable(snap, module_id) else None
    for prereq in unmet(snap, module):
        options = (
            [prereq.module] if prereq.module else snap.engine.teachers[prereq.competency or ""]
        )
        for option in options:
            if option and option not in seen and option != module_id:
                step = unlock_step(snap, option, seen | {module_id})
                if step is not None:
                    return step
    return None


def make(
    snap: Snapshot, module_id: str | None, kind: str, code: str, **data: Any
) -> Recommendation:
    """Build a recommendation whose text explains its reason."""
    reason = Reason(code, data)
    return Recommendation(
        module_id,
        kind,
        reason,
        explain(reason, snap.names(), snap.now),
        snap.state.engine_version,
        snap.engine.params_hash,
    )


def _pinned(snap: Snapshot) -> Recommendation | None:
    """Recommend the first pinned module not done (or the step that unlocks it)."""
    for module_id in _open_goals(snap, snap.rules.pinned):
        step = unlock_step(snap, module_id)
        if step is not None:
            return make(snap, step, "pinned", "pinned", module=step, **{"for": module_id})
    return None


def _open_goals(snap: Snapshot, module_ids: tuple[str, ...]) -> list[str]:
    """Return the modules of a list that are known, not done and not spent."""
    return [
        m
        for m in module_ids
        if m in snap.engine.modules and m not in snap.done and not spent(snap, m)
    ]


def _remediation(snap: Snapshot) -> Recommendation | None:
    """After a failed quiz: the refresher for the weakest competency if it is open, then the
    failed module read again before the retry (the module reader leads from the read to its quiz),
    or the retry alone when the read that remedied the failure was the failed module itself.

    Pending retries are taken most recent first; one whose attempts are spent is dropped (the path
    moves on), and one still cooling down waits while other rules find something to do.
    """
    for rem in reversed(snap.state.remediations):
        if rem.module_id not in snap.engine.modules or spent(snap, rem.module_id):
            continue
        data = {
            "failed": rem.module_id,
            "competency": rem.competency,
            "failed_at": rem.at.isoformat(),
            "share": rem.score,
            "refresher": None,
        }
        refresher = rem.refresher if rem.stage == "refresher" else None
        if refresher in snap.engine.modules and actionable(snap, refresher):
            data["refresher"] = refresher
            return make(snap, refresher, "remediation", "remediation", module=refresher, **data)
        if playable(snap, rem.module_id):
            read = {"retry": rem.refresher, "reread": rem.module_id}.get(rem.stage)
            data["refresher"] = read
            if read == rem.module_id:  # read again already: the retry itself
                return make(snap, rem.module_id, "retry", "retry", module=rem.module_id, **data)
            return make(
                snap, rem.module_id, "remediation", "remediation", module=rem.module_id, **data
            )
    return None


def _waiting(snap: Snapshot) -> Recommendation | None:
    """When nothing else can be done now: say when the next retry opens."""
    waits = [
        (ready, rem.module_id)
        for rem in snap.state.remediations
        if rem.module_id in snap.engine.modules and not spent(snap, rem.module_id)
        for ready in [ready_at(snap, rem.module_id)]
        if ready is not None
    ]
    if not waits:
        return None
    ready, module_id = min(waits)
    return make(snap, None, "wait", "wait", module=module_id, ready_at=ready.isoformat())


def _placement(snap: Snapshot) -> Recommendation | None:
    """Recommend the placement check to a learner who has not started anything."""
    state = snap.state
    fresh = not (state.opened or state.completed or state.quizzes)
    if snap.engine.placement and state.placement_at is None and fresh:
        return make(snap, None, "placement", "placement")
    return None


def _required(snap: Snapshot) -> Recommendation | None:
    """Recommend the first required module not done, or the step that unlocks it."""
    target = snap.rules.target_date.isoformat() if snap.rules.target_date else None
    for module_id in _open_goals(snap, snap.rules.required):
        step = unlock_step(snap, module_id)
        if step is not None:
            return make(
                snap,
                step,
                "required",
                "required",
                module=step,
                target_date=target,
                **{"for": module_id},
            )
    return None


def _review(snap: Snapshot) -> Recommendation | None:
    """Recommend reviewing the weakest competency whose mastery decayed below threshold.

    Only while new material remains, and then one a UTC day, so fast forgetting cannot starve the
    course. Once the material is done, practice ranks every module by what a visit teaches, and a
    decayed competency is one of those it counts: a read with its scenario teaches twice what a
    replay does.
    """
    if _fresh_gain(snap) is None:
        return None
    last = snap.state.last_review_at
    if last is not None and last.date() == snap.now.date():
        return None
    for comp in review_due(snap):
        module_id = review_teacher(snap, comp)
        if module_id is not None:
            last = snap.state.competencies[comp].at
            return make(
                snap,
                module_id,
                "review",
                "review",
                module=module_id,
                competency=comp,
                mastery=snap.mastery[comp],
                threshold=snap.threshold(comp),
                last_at=last.isoformat() if last else None,
            )
    return None


def _ranking(snap: Snapshot) -> Recommendation | None:
    """Recommend the open module with the largest expected gain (catalogue order on ties)."""
    if all(snap.mastered(c) for c in snap.mastery):
        return None
    best = _fresh_gain(snap)
    return _gain_recommendation(snap, best) if best is not None else None


def _fresh_gain(snap: Snapshot) -> ModuleSpec | None:
    """Return the actionable module not done (not a refresher) with the largest positive gain."""
    modules = snap.engine.catalogue.modules
    fresh = [m for m in modules if m.kind != "refresher" and m.id not in snap.done]
    return _best_gain(snap, [m for m in fresh if not spent(snap, m.id) and actionable(snap, m.id)])


def _best_gain(snap: Snapshot, modules: list[ModuleSpec]) -> ModuleSpec | None:
    """Return the module with the largest positive gain, first in order on ties."""
    best, best_gain = None, 1e-12
    for module in modules:
        value = gain(snap, module)
        if value > best_gain + 1e-12:
            best, best_gain = module, value
    return best


def _gain_recommendation(snap: Snapshot, module: ModuleSpec) -> Recommendation:
    """Explain a ranked module by its top competency and how its prerequisites were met."""
    comp = top_competency(snap, module)
    return make(
        snap,
        module.id,
        "next",
        "gain",
        module=module.id,
        competency=comp,
        mastery=snap.mastery[comp],
        threshold=snap.threshold(comp),
        gain=gain(snap, module),
        prerequisites=[_prereq_data(snap, p) for p in module.prerequisites],
    )


def _prereq_data(snap: Snapshot, prereq: Prereq) -> dict[str, Any]:
    """Describe how a prerequisite was met."""
    if prereq.module is not None:
        if prereq.module not in snap.done:  # spent: every attempt used without a pass
            return {"module": prereq.module, "at": None, "how": "spent"}
        at, how = snap.done[prereq.module]
        return {"module": prereq.module, "at": at.isoformat() if at else None, "how": how}
    return {"competency": prereq.competency, "mastery": snap.mastery[prereq.competency or ""]}


def _practice(snap: Snapshot) -> Recommendation | None:
    """When no fresh module helps, the visit that teaches most: the actionable module with the
    largest expected gain per visit over the non-mastered competencies that have rested a day.

    Past the course material this is where the remaining visits go, so it ranks every module the
    platform accepts (done ones included) rather than the weakest competency's best teacher: a
    module that teaches several open competencies beats one that teaches one. When none is
    actionable, the step that unlocks the weakest competency's best teacher.
    """
    best = _best_visit(snap, _open_rested)
    if best is not None:
        comp = max(
            _open_rested(snap, best),
            key=lambda cw: cw[1] * snap.engine.params(cw[0]).learn * (1.0 - snap.mastery[cw[0]]),
        )[0]
        return _practice_recommendation(snap, best.id, comp)
    return _unlock_practice(snap)


def _open_rested(snap: Snapshot, module: ModuleSpec) -> list[tuple[str, float]]:
    """Return a module's (competency, weight) pairs not mastered and rested a day."""
    return [(c, w) for c, w in module.competencies if not snap.mastered(c) and rested(snap, c)]


def visit_gain(snap: Snapshot, module: ModuleSpec) -> float:
    """Return the expected gain of a visit to a module: its read, and its scenario when the
    platform starts it, are one learning opportunity each (as apply counts them) over its
    non-mastered competencies that have rested."""
    return _teaching(snap, _open_rested(snap, module)) * _visits(snap, module)


def _teaching(snap: Snapshot, pairs: list[tuple[str, float]]) -> float:
    """Return the expected gain of one learning opportunity over (competency, weight) pairs."""
    return sum(w * snap.engine.params(c).learn * (1.0 - snap.mastery[c]) for c, w in pairs)


def _best_visit(
    snap: Snapshot, over: Callable[[Snapshot, ModuleSpec], list[tuple[str, float]]]
) -> ModuleSpec | None:
    """Return the actionable module whose visit teaches most over the pairs `over` picks from
    it (first in catalogue order on ties), or None when no visit teaches anything."""
    best, best_gain = None, 1e-12
    for module in snap.engine.catalogue.modules:
        if spent(snap, module.id) or not actionable(snap, module.id):
            continue
        value = _teaching(snap, over(snap, module)) * _visits(snap, module)
        if value > best_gain + 1e-12:
            best, best_gain = module, value
    return best


def _visits(snap: Snapshot, module: ModuleSpec) -> float:
    """Return the learning opportunities of one visit: the read, and the scenario when the
    platform starts it."""
    plays = module.has_quiz and (module.id not in snap.state.completed or playable(snap, module.id))
    return 2.0 if plays else 1.0


# Past the material, once no competency below mastery is left to practise, practice goes on to the
# least certain of those called mastered, up to this estimate: a first call can come early (a
# learner whose skill grows gradually answers well before holding it), and a competency held with
# near certainty gets no more visits.
CERTAIN = 0.98


def _consolidate(snap: Snapshot) -> Recommendation | None:
    """When nothing below mastery can be practised now, the visit that teaches most over the
    rested competencies called mastered but still below CERTAIN."""
    best = _best_visit(snap, _uncertain)
    if best is None:
        return None
    comp = min(_uncertain(snap, best), key=lambda cw: snap.mastery[cw[0]])[0]
    return make(
        snap,
        best.id,
        "next",
        "consolidate",
        module=best.id,
        competency=comp,
        mastery=snap.mastery[comp],
        certain=CERTAIN,
    )


def _uncertain(snap: Snapshot, module: ModuleSpec) -> list[tuple[str, float]]:
    """Return a module's (competency, weight) pairs mastered, below CERTAIN and rested a day."""
    return [
        (c, w)
        for c, w in module.competencies
        if snap.mastered(c) and snap.mastery[c] < CERTAIN and rested(snap, c)
    ]


def _unlock_practice(snap: Snapshot) -> Recommendation | None:
    """Practise the weakest rested competency by the step that unlocks its best teacher."""
    weakest = sorted(
        (p, c) for c, p in snap.mastery.items() if not snap.mastered(c) and rested(snap, c)
    )
    for _, comp in weakest:
        target = best_teacher(snap, comp)
        if target is None and snap.engine.teachers[comp]:
            target = unlock_step(snap, snap.engine.teachers[comp][0])
        if target is not None:
            return _practice_recommendation(snap, target, comp)
    return None


def _practice_recommendation(snap: Snapshot, module_id: str, comp: str) -> Recommendation:
    """Explain practice by the competency it serves most."""
    return make(
        snap,
        module_id,
        "next",
        "practice",
        module=module_id,
        competency=comp,
        mastery=snap.mastery[comp],
        threshold=snap.threshold(comp),
    )


def _capstone(snap: Snapshot) -> Recommendation | None:
    """Finish the capstones, or take the step that unlocks one: they are the assessment."""
    for module_id in capstones_left(snap):
        step = unlock_step(snap, module_id)
        if step is not None:
            return make(snap, step, "next", "capstone", module=step, **{"for": module_id})
    return None


def capstones_left(snap: Snapshot) -> list[str]:
    """Return the capstones not passed yet whose attempts are not spent."""
    modules = snap.engine.catalogue.modules
    return _open_goals(snap, tuple(m.id for m in modules if m.kind == "capstone"))


RULES: tuple[Callable[[Snapshot], Recommendation | None], ...] = (
    _pinned,
    _remediation,
    _placement,
    _required,
    _review,
    _ranking,
    _capstone,
    _practice,
    _consolidate,
    _waiting,
)


def recommend(
    engine: Engine, state: LearnerState, now: datetime, rules: CohortRules | None = None
) -> Recommendation | None:
    """Return the first recommendation the rules make, in their order of precedence."""
    return _recommend(snapshot(engine, state, now, rules))


def _recommend(snap: Snapshot) -> Recommendation | None:
    for rule in RULES:
        found = rule(snap)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class Completion:
    """Where a learner stands against the course's end: every capstone (and required module)
    passed. Spent modules were never passed and have no attempts left: an instructor decides."""

    complete: bool
    left: tuple[str, ...]  # capstones and required modules still to pass
    spent: tuple[str, ...]
    unmastered: tuple[str, ...]  # competencies below their threshold now


def completion(
    engine: Engine, state: LearnerState, now: datetime, rules: CohortRules | None = None
) -> Completion:
    """Say whether the course is complete for a learner, and what is left or stuck."""
    return _completion(snapshot(engine, state, now, rules))


def _completion(snap: Snapshot) -> Completion:
    engine = snap.engine
    modules = engine.catalogue.modules
    # The capstones are the course's final assessment; a course without any ends with its modules.
    goals = [m.id for m in modules if m.kind == "capstone"] or [
        m.id for m in modules if m.kind != "refresher"
    ]
    goals += [m for m in snap.rules.required if m in engine.modules and m not in goals]
    spent_ids = tuple(m.id for m in engine.catalogue.modules if spent(snap, m.id))
    left = tuple(m for m in goals if m not in snap.done and m not in spent_ids)
    stuck = any(m in spent_ids for m in goals)
    unmastered = tuple(c for c in snap.mastery if not snap.mastered(c))
    return Completion(not left and not stuck, left, spent_ids, unmastered)


def path(
    engine: Engine, state: LearnerState, now: datetime, rules: CohortRules | None = None
) -> tuple[ModuleStatus, ...]:
    """Return every module with its status and why, in catalogue order."""
    return _path(snapshot(engine, state, now, rules))


def _path(snap: Snapshot) -> tuple[ModuleStatus, ...]:
    reviews = _review_modules(snap)
    return tuple(_status(snap, m, reviews) for m in snap.engine.catalogue.modules)


@dataclass(frozen=True)
class Overview:
    """Everything a learner's own page shows of the engine, from one look at the learner."""

    mastery: dict[str, float]
    recommendation: Recommendation | None
    statuses: tuple[ModuleStatus, ...]
    completion: Completion


def overview(
    engine: Engine, state: LearnerState, now: datetime, rules: CohortRules | None = None
) -> Overview:
    """Return what mastery(), recommend(), path() and completion() return, working out the
    learner's mastery and the modules done once instead of four times."""
    snap = snapshot(engine, state, now, rules)
    return Overview(dict(snap.mastery), _recommend(snap), _path(snap), _completion(snap))


def status(
    engine: Engine,
    state: LearnerState,
    module_id: str,
    now: datetime,
    rules: CohortRules | None = None,
) -> ModuleStatus:
    """Return one module's status, as path() gives it, without working out every other's."""
    snap = snapshot(engine, state, now, rules)
    return _status(snap, engine.modules[module_id], _review_modules(snap))


def _review_modules(snap: Snapshot) -> dict[str, str]:
    """Map each module due for review to the competency it should review."""
    found: dict[str, str] = {}
    for comp in review_due(snap):
        module_id = review_teacher(snap, comp)
        if module_id is not None:
            found.setdefault(module_id, comp)
    return found


def _status(snap: Snapshot, module: ModuleSpec, reviews: dict[str, str]) -> ModuleStatus:
    """Return one module's status."""
    if module.id in reviews:
        comp = reviews[module.id]
        last = snap.state.competencies[comp].at
        why = (
            f"{snap.names().comp(comp)} has decayed to {pct(snap.mastery[comp])} < "
            f"{pct(snap.threshold(comp))} since {when(last, snap.now)}"
        )
        return ModuleStatus(module.id, "review-due", why)
    if module.id in snap.done:
        return ModuleStatus(module.id, "done", _done_why(snap, module.id))
    if started(snap, module.id):
        return ModuleStatus(module.id, "in-progress", _progress_why(snap, module.id))
    missing = unmet(snap, module)
    if missing:
        return ModuleStatus(module.id, "locked", _locked_why(snap, missing))
    return ModuleStatus(module.id, "open", "Prerequisites met" if module.prerequisites else "Open")


def _done_why(snap: Snapshot, module_id: str) -> str:
    """Say how a module was done."""
    at, how = snap.done[module_id]
    if how == "placement":
        return "Placement showed mastery"
    return f"{'Passed' if how == 'passed' else 'Completed'} on {when(at, snap.now)}"


def _progress_why(snap: Snapshot, module_id: str) -> str:
    """Say where the learner is in a started module."""
    result = snap.state.quizzes.get(module_id)
    if result is not None:
        return f"Quiz not passed yet (last try {when(result.at, snap.now)}, {pct(result.score)})"
    if module_id in snap.state.completed:
        return f"Read on {when(snap.state.completed[module_id], snap.now)}; quiz to take"
    return f"Opened on {when(snap.state.opened[module_id], snap.now)}"


def _locked_why(snap: Snapshot, missing: list[Prereq]) -> str:
    """Say what unlocks a module."""
    names = snap.names()
    parts = [
        f"pass {names.module(p.module)}"
        if p.module
        else f"reach {pct(p.mastery or 0.0)} in {names.comp(p.competency or '')} "
        f"(now {pct(snap.mastery[p.competency or ''])})"
        for p in missing
    ]
    return "Unlocks when you " + " and ".join(parts)
