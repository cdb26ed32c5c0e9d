"""Bayesian Knowledge Tracing arithmetic on one competency: p is P(mastered).

Evidence model (see docs/engine.md): a graded value v in [0, 1] with evidence weight w is soft
evidence (the engine passes Observation.evidence(), the square of the tag's weight, since 2.4).
With probability w the choice reflects the competency (a master answers well with 1 - slip, a
novice with guess); otherwise it is a coin flip. An `acceptable` rating (v = 0.5) is read as a
coin flip between a good and a poor answer. Both collapse to one effective value
v' = 0.5 + w (v - 0.5) and the likelihood
    P(obs | state) = v' P(good | state) + (1 - v') P(poor | state),
so the update is an exact Bayes update under that generative model.
"""

from __future__ import annotations

import math
from datetime import datetime

DAY = 86400.0


def days_between(start: datetime | None, end: datetime) -> float:
    """Return the days from start to end (0 when start is unknown or later)."""
    if start is None:
        return 0.0
    return max(0.0, (end - start).total_seconds() / DAY)


def effective_value(value: float, weight: float) -> float:
    """Shrink a graded value toward the uninformative 0.5 by its weight."""
    return 0.5 + weight * (value - 0.5)


def likelihoods(value: float, weight: float, guess: float, slip: float) -> tuple[float, float]:
    """Return P(obs | mastered) and P(obs | not mastered) for a weighted graded value."""
    v = effective_value(value, weight)
    return v * (1.0 - slip) + (1.0 - v) * slip, v * guess + (1.0 - v) * (1.0 - guess)


def observe(p: float, value: float, weight: float, guess: float, slip: float) -> float:
    """Return the posterior P(mastered) after a weighted graded observation."""
    lm, lu = likelihoods(value, weight, guess, slip)
    num = p * lm
    den = num + (1.0 - p) * lu
    return num / den if den > 0.0 else p


def learn(p: float, rate: float, weight: float = 1.0) -> float:
    """Apply the learning transition of one opportunity scaled by its weight."""
    return p + (1.0 - p) * rate * weight


def decay(p: float, floor: float, forget: float, days: float) -> float:
    """Move P(mastered) toward floor: the gap to it shrinks by (1 - forget) per day.

    This is the two-state chain that loses mastery at rate forget * (1 - floor) per day and regains
    it (from practice elsewhere) at forget * floor, so the fit can estimate forget exactly.
    """
    if days <= 0.0 or forget <= 0.0:
        return p
    return floor + (p - floor) * math.exp(days * math.log1p(-forget))


def predict_good(p: float, guess: float, slip: float) -> float:
    """Return P(good answer) on a fully weighted item."""
    return p * (1.0 - slip) + (1.0 - p) * guess


def clamp(p: float) -> float:
    """Keep a probability in [0, 1] against rounding."""
    return 0.0 if p < 0.0 else 1.0 if p > 1.0 else p
