"""Fit the learner model's parameters per competency by EM (Baum-Welch) over recorded history.

Each competency's history becomes a sequence of steps (days since the previous step, value or -1
for a module read, evidence weight, learn weight). Per step the chain forgets over the gap, emits
the observation (if any) and then learns with probability learn * learn weight, exactly as
Engine.apply does. The E-step is forward filtering and backward smoothing on two states; the
M-step is closed form for prior, guess and slip, a one-dimensional root for learn (weights differ)
and a golden-section search for forget (generalised EM: prior is held fixed there).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from course.engine.bkt import days_between
from course.engine.catalogue import Params
from course.engine.events import Event, ModuleCompleted, Observation, QuizFinished

if TYPE_CHECKING:
    from course.engine.engine import Engine

Step = tuple[float, float, float, float]
BOUNDS = {
    "prior": (1e-3, 0.999),
    "learn": (1e-4, 0.99),
    "guess": (0.01, 0.45),
    "slip": (0.01, 0.45),
}
MAX_FORGET = 0.5
MIN_FORGET_START = 0.01


@dataclass(frozen=True)
class CompetencyFit:
    """The fit of one competency: parameters and log-likelihood before and after."""

    competency: str
    before: Params
    after: Params
    ll_before: float
    ll_after: float
    sequences: int
    observations: int
    iterations: int

    def validate(self) -> CompetencyFit:
        """Check EM did not lower the likelihood."""
        if self.ll_after < self.ll_before - 1e-6:
            raise ValueError(f"{self.competency}: fit lowered the log-likelihood")
        return self


@dataclass(frozen=True)
class FitReport:
    """New parameters per competency and how the fit went."""

    params: Mapping[str, Params]
    fits: tuple[CompetencyFit, ...]

    def validate(self) -> FitReport:
        """Check every competency fit."""
        for item in self.fits:
            item.validate()
        return self

    @property
    def sequences(self) -> int:
        """Return the number of (learner, competency) sequences fitted."""
        return sum(f.sequences for f in self.fits)

    @property
    def observations(self) -> int:
        """Return the number of observations fitted."""
        return sum(f.observations for f in self.fits)

    @property
    def ll_before(self) -> float:
        """Return the total log-likelihood under the starting parameters."""
        return sum(f.ll_before for f in self.fits)

    @property
    def ll_after(self) -> float:
        """Return the total log-likelihood under the fitted parameters."""
        return sum(f.ll_after for f in self.fits)

    def summary(self) -> str:
        """Return a printable table of the fit."""
        head = f"{'competency':32} {'seqs':>5} {'obs':>6} {'prior':>6} {'learn':>6} "
        head += f"{'guess':>6} {'slip':>6} {'forget':>7} {'LL before':>10} {'LL after':>10}"
        rows = [head]
        for f in self.fits:
            p = f.after
            rows.append(
                f"{f.competency[:32]:32} {f.sequences:5d} {f.observations:6d} {p.prior:6.3f} "
                f"{p.learn:6.3f} {p.guess:6.3f} {p.slip:6.3f} {p.forget:7.4f} "
                f"{f.ll_before:10.1f} {f.ll_after:10.1f}"
            )
        rows.append(
            f"total: {self.sequences} sequences, {self.observations} observations, "
            f"log-likelihood {self.ll_before:.1f} -> {self.ll_after:.1f}"
        )
        return "\n".join(rows)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "params": {c: vars(p) for c, p in self.params.items()},
            "fits": [
                {**vars(f), "before": vars(f.before), "after": vars(f.after)} for f in self.fits
            ],
        }


def sequences(engine: Engine, events: Iterable[Event]) -> dict[str, list[Step]]:
    """Turn one learner's events into a step sequence per competency."""
    last: dict[str, datetime] = {}
    out: dict[str, list[Step]] = defaultdict(list)

    def add(comp: str, at: datetime, value: float, weight: float, learn_weight: float) -> None:
        gap = days_between(last.get(comp), at) if comp in last else 0.0
        out[comp].append((gap, value, weight, learn_weight))
        last[comp] = at

    for ev in events:
        if isinstance(ev, Observation) and ev.competency in engine.competencies and not ev.repeat:
            add(ev.competency, ev.at, ev.score(), ev.evidence(), 0.0)
        elif isinstance(ev, QuizFinished) and ev.module_id in engine.modules and ev.fresh:
            for comp in ev.per_competency:
                if comp in engine.competencies:
                    add(comp, ev.at, -1.0, 0.0, engine.learning_weight(ev.module_id, comp))
        elif isinstance(ev, ModuleCompleted) and ev.module_id in engine.modules:
            for comp, weight in engine.modules[ev.module_id].competencies:
                add(comp, ev.at, -1.0, 0.0, weight)
    return dict(out)


def fit(
    engine: Engine,
    histories: Iterable[Iterable[Event]],
    *,
    iterations: int = 100,
    tol: float = 1e-6,
    fit_forget: bool = True,
) -> FitReport:
    """Fit every competency's parameters from learners' event histories."""
    per_comp: dict[str, list[list[Step]]] = defaultdict(list)
    for events in histories:
        for comp, seq in sequences(engine, events).items():
            per_comp[comp].append(seq)
    fits = tuple(
        fit_competency(c, engine.params(c), per_comp[c], iterations, tol, fit_forget)
        for c in engine.competencies
        if per_comp.get(c)
    )
    params = {c: engine.params(c) for c in engine.competencies}
    params.update({f.competency: f.after for f in fits})
    return FitReport(params, fits)


def fit_competency(
    competency: str,
    start: Params,
    seqs: Sequence[Sequence[Step]],
    iterations: int = 100,
    tol: float = 1e-6,
    fit_forget: bool = True,
) -> CompetencyFit:
    """Run EM on one competency's sequences; keep the best parameters seen."""
    n_obs = sum(1 for seq in seqs for step in seq if step[1] >= 0.0)
    params = replace(start, forget=max(start.forget, MIN_FORGET_START)) if fit_forget else start
    ll, stats = e_step(params, seqs)
    ll_before = ll if params == start else e_step(start, seqs)[0]
    best, best_ll = (params, ll) if ll >= ll_before else (start, ll_before)
    done = 0
    for done in range(1, iterations + 1):  # noqa: B007 - the count is reported
        params_new = m_step(params, stats, fit_forget)
        ll_new, stats = e_step(params_new, seqs)
        if ll_new > best_ll:
            best, best_ll = params_new, ll_new
        if ll_new - ll < tol * max(n_obs, 1):
            break
        params, ll = params_new, ll_new
    return CompetencyFit(competency, start, best, ll_before, best_ll, len(seqs), n_obs, done)


@dataclass
class Stats:
    """Expected sufficient statistics gathered by the E-step (mutable accumulator)."""

    prior: float = 0.0
    starts: int = 0
    slip_num: float = 0.0
    slip_den: float = 0.0
    guess_num: float = 0.0
    guess_den: float = 0.0
    learn: dict[float, list[float]] | None = None
    forget: dict[float, list[float]] | None = None


def e_step(params: Params, seqs: Iterable[Sequence[Step]]) -> tuple[float, Stats]:
    """Return the log-likelihood and expected counts under params."""
    stats = Stats(
        learn=defaultdict(lambda: [0.0, 0.0]), forget=defaultdict(lambda: [0.0, 0.0, 0.0])
    )
    ll = 0.0
    for seq in seqs:
        ll += _sequence(params, seq, stats)
    return ll, stats


def _sequence(params: Params, seq: Sequence[Step], stats: Stats) -> float:  # noqa: C901
    """Filter forward and smooth backward one sequence, adding its counts to stats."""
    # One long function on purpose: it is the fit's inner loop, where calls cost more than maths.
    prior, rate, guess, slip, forget = (
        params.prior,
        params.learn,
        params.guess,
        params.slip,
        params.forget,
    )
    log_keep = math.log1p(-forget) if forget > 0.0 else 0.0
    pre, after_forget, after_obs, after_learn = [], [], [], []
    m, ll = prior, 0.0
    for gap, value, weight, learn_weight in seq:
        pre.append(m)
        if gap > 0.0 and forget > 0.0:
            m = prior + (m - prior) * math.exp(gap * log_keep)
        after_forget.append(m)
        if value >= 0.0:
            v = 0.5 + weight * (value - 0.5)
            num = m * (v * (1.0 - slip) + (1.0 - v) * slip)
            den = num + (1.0 - m) * (v * guess + (1.0 - v) * (1.0 - guess))
            ll += math.log(den)
            m = num / den
        after_obs.append(m)
        m = m + (1.0 - m) * rate * learn_weight
        after_learn.append(m)
    learn_counts, forget_counts = stats.learn, stats.forget
    assert learn_counts is not None and forget_counts is not None
    s = m  # smoothed P(mastered) after the last step
    for k in range(len(seq) - 1, -1, -1):
        gap, value, weight, learn_weight = seq[k]
        b, c = after_obs[k], after_learn[k]
        lam = rate * learn_weight
        if lam > 0.0 and c > 0.0:
            from_u = (1.0 - b) * lam * s / c
            stay_u = 1.0 - s
            counts = learn_counts[learn_weight]
            counts[0] += from_u
            counts[1] += stay_u
            s = b * s / c
        if value >= 0.0:
            v = 0.5 + weight * (value - 0.5)
            e_m = v * (1.0 - slip) + (1.0 - v) * slip
            e_u = v * guess + (1.0 - v) * (1.0 - guess)
            stats.slip_num += s * (1.0 - v) * slip / e_m
            stats.slip_den += s
            stats.guess_num += (1.0 - s) * v * guess / e_u
            stats.guess_den += 1.0 - s
        if gap > 0.0 and forget > 0.0:
            s = _forget_back(
                pre[k], after_forget[k], s, prior, math.exp(gap * log_keep), gap, stats
            )
    stats.prior += s
    stats.starts += 1
    return ll


def _forget_back(
    f_m: float, q_m: float, s_m: float, prior: float, keep: float, gap: float, stats: Stats
) -> float:
    """Smooth back through a forgetting gap; record its expected transitions by gap."""
    f_u, q_u, s_u = 1.0 - f_m, 1.0 - q_m, 1.0 - s_m
    a_mm, a_mu = prior + (1.0 - prior) * keep, (1.0 - prior) * (1.0 - keep)
    a_um, a_uu = prior * (1.0 - keep), 1.0 - prior * (1.0 - keep)
    x_mm = f_m * a_mm * s_m / q_m if q_m > 0.0 else 0.0
    x_um = f_u * a_um * s_m / q_m if q_m > 0.0 else 0.0
    x_mu = f_m * a_mu * s_u / q_u if q_u > 0.0 else 0.0
    x_uu = f_u * a_uu * s_u / q_u if q_u > 0.0 else 0.0
    assert stats.forget is not None
    counts = stats.forget[round(gap, 2)]
    counts[0] += x_mm
    counts[1] += x_mu + x_um
    counts[2] += x_uu
    return x_mm + x_mu


def m_step(params: Params, stats: Stats, fit_forget: bool) -> Params:
    """Return the parameters that maximise the expected complete-data likelihood."""
    prior = _clip("prior", stats.prior / stats.starts if stats.starts else params.prior)
    guess = _clip("guess", stats.guess_num / stats.guess_den if stats.guess_den else params.guess)
    slip = _clip("slip", stats.slip_num / stats.slip_den if stats.slip_den else params.slip)
    learn = _clip("learn", _solve_learn(stats.learn or {}, params.learn))
    forget = (
        _solve_forget(stats.forget or {}, prior, params.forget) if fit_forget else params.forget
    )
    return replace(params, prior=prior, learn=learn, guess=guess, slip=slip, forget=forget)


def _clip(name: str, value: float) -> float:
    """Keep a parameter inside its bounds."""
    low, high = BOUNDS[name]
    return min(high, max(low, value))


def _solve_learn(counts: Mapping[float, list[float]], current: float) -> float:
    """Maximise sum A log(l w) + B log(1 - l w) over l by bisection on its derivative."""
    learned = sum(c[0] for c in counts.values())
    stayed = [(w, c[1]) for w, c in counts.items()]
    if learned <= 0.0:
        return current
    if all(w == 1.0 for w, _ in stayed):
        return learned / (learned + sum(b for _, b in stayed))
    low, high = 0.0, min(1.0, 1.0 / max(w for w, _ in stayed)) - 1e-9
    for _ in range(60):
        mid = (low + high) / 2.0
        slope = learned / mid - sum(b * w / (1.0 - mid * w) for w, b in stayed)
        low, high = (mid, high) if slope > 0.0 else (low, mid)
    return (low + high) / 2.0


def _solve_forget(counts: Mapping[float, list[float]], prior: float, current: float) -> float:
    """Maximise the expected forgetting log-likelihood over forget by golden-section search."""
    if not counts:
        return current
    items = [(gap, c[0], c[1], c[2]) for gap, c in counts.items() if gap > 0.0]

    def q(forget: float) -> float:
        log_keep = math.log1p(-forget)
        total = 0.0
        for gap, stay_m, moved, stay_u in items:
            keep = math.exp(gap * log_keep)
            total += stay_m * math.log(prior + (1.0 - prior) * keep)
            total += moved * math.log(max(1.0 - keep, 1e-300))
            total += stay_u * math.log(1.0 - prior * (1.0 - keep))
        return total

    return _golden_max(q, 1e-6, MAX_FORGET)


def _golden_max(func: Any, low: float, high: float, steps: int = 40) -> float:
    """Return the argmax of a unimodal function on [low, high]."""
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = func(c), func(d)
    for _ in range(steps):
        if fc > fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = func(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = func(d)
    return (a + b) / 2.0
