"""Baselines and metrics for the engine evaluation: pyBKT, PFA, Elo; AUC, RMSE, log-loss, ECE."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from course.engine import Engine, ModuleCompleted, Observation


@dataclass
class Rows:
    """Binary answer rows (best = 1, poor = 0) of a set of histories, in time order per learner."""

    user: list[str]
    comp: list[str]
    correct: list[int]
    target: list[bool]
    hidden: list[bool]
    reads: list[int]


def binary_rows(histories: list[list], hidden: list[list[bool]], prefix: str) -> Rows:
    """Turn histories into rows; targets are full-weight best/poor answers."""
    rows = Rows([], [], [], [], [], [])
    for n, (events, truth) in enumerate(zip(histories, hidden, strict=True)):
        k = 0
        reads: dict[str, int] = defaultdict(int)
        for ev in events:
            if isinstance(ev, ModuleCompleted):
                reads[ev.module_id] += 1
            if not isinstance(ev, Observation):
                continue
            if ev.rating in ("best", "poor"):
                rows.user.append(f"{prefix}{n}")
                rows.comp.append(ev.competency)
                rows.correct.append(1 if ev.rating == "best" else 0)
                rows.target.append(ev.weight == 1.0)
                rows.hidden.append(truth[k])
                rows.reads.append(sum(reads.values()))
            k += 1
    return rows


def engine_predictions(engine: Engine, histories: list[list]) -> tuple[list[float], list[float]]:
    """Replay histories; before each best/poor answer return P(good) and P(mastered)."""
    good, state_p = [], []
    for events in histories:
        state = engine.initial_state()
        for ev in events:
            if isinstance(ev, Observation) and ev.rating in ("best", "poor"):
                good.append(engine.predict(state, ev.competency, ev.at))
                state_p.append(engine.mastery_of(state, ev.competency, ev.at))
            state = engine.apply(state, ev)
    return good, state_p


def engine_mastery_all(engine: Engine, histories: list[list]) -> list[float]:
    """Replay histories; before every observation return P(mastered) of its competency."""
    out = []
    for events in histories:
        state = engine.initial_state()
        for ev in events:
            if isinstance(ev, Observation):
                out.append(engine.mastery_of(state, ev.competency, ev.at))
            state = engine.apply(state, ev)
    return out


def pybkt_available() -> bool:
    """Say whether pyBKT can be imported."""
    try:
        import pyBKT.models  # noqa: F401
    except ImportError:
        return False
    return True


def pybkt_predictions(train: Rows, test: Rows, seed: int, forgets: bool) -> tuple[list, list]:
    """Fit pyBKT on train rows; return one-step-ahead P(correct) and P(mastered) on test rows."""
    import pandas as pd
    from pyBKT.models import Model

    def frame(rows: Rows) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "order_id": np.arange(len(rows.user)),
                "user_id": rows.user,
                "skill_name": rows.comp,
                "correct": rows.correct,
            }
        )

    model = Model(seed=seed, num_fits=3)
    model.fit(data=frame(train), forgets=forgets)
    out = model.predict(data=frame(test)).sort_values("order_id")
    return list(out["correct_predictions"]), list(out["state_predictions"])


def pfa_predictions(train: Rows, test: Rows) -> list[float]:
    """Performance Factors Analysis (plus module reads) by logistic regression per competency."""
    comps = sorted(set(train.comp) | set(test.comp))
    index = {c: i for i, c in enumerate(comps)}

    def design(rows: Rows) -> np.ndarray:
        x = np.zeros((len(rows.user), 4 * len(comps)))
        wins: dict[tuple[str, str], int] = defaultdict(int)
        fails: dict[tuple[str, str], int] = defaultdict(int)
        for i, (u, c, y) in enumerate(zip(rows.user, rows.comp, rows.correct, strict=True)):
            j = 4 * index[c]
            x[i, j : j + 4] = (
                1.0,
                math.log1p(wins[u, c]),
                math.log1p(fails[u, c]),
                rows.reads[i] / 10,
            )
            (wins if y else fails)[u, c] += 1
        return x

    model = LogisticRegression(C=10.0, max_iter=2000, fit_intercept=False)
    model.fit(design(train), train.correct)
    return list(model.predict_proba(design(test))[:, 1])


def elo_predictions(train: Rows, test: Rows, k: float = 0.4, k_item: float = 0.05) -> list[float]:
    """Elo: learner ability per competency against a competency difficulty fitted on train."""
    difficulty: dict[str, float] = defaultdict(float)

    def run(rows: Rows, learn_items: bool) -> list[float]:
        ability: dict[tuple[str, str], float] = defaultdict(float)
        out = []
        for u, c, y in zip(rows.user, rows.comp, rows.correct, strict=True):
            p = 1 / (1 + math.exp(-(ability[u, c] - difficulty[c])))
            out.append(p)
            ability[u, c] += k * (y - p)
            if learn_items:
                difficulty[c] -= k_item * (y - p)
        return out

    run(train, True)
    return run(test, False)


def prediction_scores(y: list[int], p: list[float], mask: list[bool]) -> dict[str, float]:
    """Return AUC, RMSE and log-loss on the masked rows."""
    yy = np.array(y)[np.array(mask)]
    pp = np.clip(np.array(p, dtype=float)[np.array(mask)], 1e-6, 1 - 1e-6)
    return {
        "auc": float(roc_auc_score(yy, pp)),
        "rmse": float(np.sqrt(np.mean((yy - pp) ** 2))),
        "logloss": float(-np.mean(yy * np.log(pp) + (1 - yy) * np.log(1 - pp))),
    }


def calibration(hidden: list[bool], p: list[float], bins: int = 10) -> dict[str, float]:
    """Return expected calibration error (equal-width bins) and Brier score."""
    h = np.array(hidden, dtype=float)
    pp = np.array(p, dtype=float)
    which = np.minimum((pp * bins).astype(int), bins - 1)
    ece = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            ece += sel.mean() * abs(pp[sel].mean() - h[sel].mean())
    return {"ece": float(ece), "brier": float(np.mean((pp - h) ** 2))}
