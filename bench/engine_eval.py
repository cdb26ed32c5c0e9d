"""Evaluate the progress engine on simulated cohorts with known hidden mastery.

Every policy against every kind of simulated trainee (S1-S4, see engine_sim.py), over seeds, with
95% confidence intervals across seeds. Per world and seed: trainees 0..n_train-1 generate training
histories (adaptive policy, default parameters) on which the engine (EM), pyBKT, PFA and Elo are
fitted; trainees n_train.. are judged: their histories (same data-collection policy) are predicted
by every model, and the same hidden trainees are then driven by every policy.

    .venv/bin/python bench/engine_eval.py          # 5 seeds, the full run (~4-10 min on 2 cores)
    .venv/bin/python bench/engine_eval.py --quick  # 2 seeds, small cohorts (~1 minute)
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import statistics
import sys
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_baselines import (  # noqa: E402
    binary_rows,
    calibration,
    elo_predictions,
    engine_predictions,
    pfa_predictions,
    prediction_scores,
    pybkt_available,
    pybkt_predictions,
)
from engine_catalogue import load_catalogue  # noqa: E402
from engine_sim import (  # noqa: E402
    KINDS,
    act,
    course_order,
    make_world,
    new_trainee,
    run_adaptive,
    run_fixed,
    run_random,
)

from course.engine import Engine  # noqa: E402

PASSES = 4
RETENTION_DAYS = 60
CATALOGUE, ORIGIN = load_catalogue()


def job(kind: str, seed: int, n_train: int, n_test: int) -> dict[str, Any]:
    """Run one world and seed; return plain numbers."""
    started = time.perf_counter()
    world = make_world(kind, CATALOGUE, seed)
    default = Engine(CATALOGUE)
    train = [run_adaptive(default, new_trainee(world, seed, i)) for i in range(n_train)]
    report = default.fit([r.events for r in train], iterations=40)
    engines = {"engine (fitted)": default.with_params(report.params), "engine (defaults)": default}
    if kind != "S2":
        engines["engine (true params)"] = Engine(CATALOGUE.with_params(world.true_params()))
    ids = range(n_train, n_train + n_test)
    test = [run_adaptive(default, new_trainee(world, seed, i)) for i in ids]
    out: dict[str, Any] = {"kind": kind, "seed": seed}
    out["prediction"], out["calibration"] = _prediction(engines, train, test, seed)
    out["policies"], out["placement"], adaptive = _policies(engines, world, seed, ids)
    if kind == "S3":
        out["retention"] = _retention(engines["engine (fitted)"], adaptive, seed)
    out["fit"] = {"ll_before": report.ll_before, "ll_after": report.ll_after}
    out["seconds"] = time.perf_counter() - started
    return out


def _prediction(
    engines: dict[str, Engine], train: list, test: list, seed: int
) -> tuple[dict, dict]:
    """Score next-answer prediction and mastery calibration of every model on the test split."""
    train_rows = binary_rows([r.events for r in train], [r.hidden_at_obs for r in train], "a")
    test_rows = binary_rows([r.events for r in test], [r.hidden_at_obs for r in test], "b")
    y, mask = test_rows.correct, test_rows.target
    pred, calib = {}, {}
    for name, engine in engines.items():
        good, state_p = engine_predictions(engine, [r.events for r in test])
        pred[name] = prediction_scores(y, good, mask)
        calib[name] = calibration(test_rows.hidden, state_p)
    if pybkt_available():
        for forgets in (False, True):
            name = "pyBKT (forgets)" if forgets else "pyBKT"
            good, state_p = pybkt_predictions(train_rows, test_rows, seed, forgets)
            pred[name] = prediction_scores(y, good, mask)
            calib[name] = calibration(test_rows.hidden, state_p)
    pred["PFA (+reads)"] = prediction_scores(y, pfa_predictions(train_rows, test_rows), mask)
    pred["Elo"] = prediction_scores(y, elo_predictions(train_rows, test_rows), mask)
    return pred, calib


def _summary(runs: list) -> dict[str, float]:
    """Average costs and exit mastery over runs."""
    reached = [r.first_all for r in runs if r.first_all is not None]
    leaves = [x for r in runs for x in r.leaves]
    return {
        "views": statistics.mean(r.views for r in runs),
        "steps": statistics.mean(r.steps for r in runs),
        "cost": statistics.mean(r.views + r.steps for r in runs),
        "exit_unmastered": statistics.mean(r.exit_unmastered for r in runs),
        "reached_all": len(reached) / len(runs),
        "cost_to_all": statistics.mean(v + s for v, s in reached) if reached else math.nan,
        "leave_false_mastery": (1 - statistics.mean(leaves)) if leaves else math.nan,
    }


def _policies(engines: dict[str, Engine], world, seed: int, ids: range) -> tuple[dict, dict, list]:  # noqa: ANN001
    """Drive the same hidden trainees with every policy."""
    policies: dict[str, dict[str, float]] = {}
    adaptive = []
    for name, engine in engines.items():
        runs = [run_adaptive(engine, new_trainee(world, seed, i)) for i in ids]
        policies[f"adaptive, {name}"] = _summary(runs)
        if name == "engine (fitted)":
            adaptive = runs
    order = course_order(CATALOGUE)
    linear = [run_fixed(new_trainee(world, seed, i), order, PASSES) for i in ids]
    shuffled = [
        run_random(new_trainee(world, seed, i), CATALOGUE, PASSES, seed * 10_000 + i) for i in ids
    ]
    for p in range(PASSES):
        policies[f"linear x{p + 1}"] = _summary([r[p] for r in linear])
        policies[f"random x{p + 1}"] = _summary([r[p] for r in shuffled])
    return policies, _placement(adaptive), adaptive


def _placement(runs: list) -> dict[str, float]:
    """Share of competencies classified right right after the placement check."""
    rows = [x for r in runs for x in r.placement_right]
    skip = [(h, p >= t) for h, p, t in rows]
    skipped_wrong = [h for h, s in skip if s]
    return {
        "map_accuracy": statistics.mean((p >= 0.5) == h for h, p, _ in rows),
        "threshold_accuracy": statistics.mean(s == h for h, s in skip),
        "false_skip": (1 - statistics.mean(skipped_wrong)) if skipped_wrong else 0.0,
        "modules_skipped": statistics.mean(r.skipped for r in runs),
    }


def _retention(engine: Engine, runs: list, seed: int) -> dict[str, dict[str, float]]:
    """After the course, RETENTION_DAYS of no review, fixed-interval review or engine review."""
    out: dict[str, dict[str, float]] = {}
    cover = _review_cover(engine)
    policies = ["none", "engine review", "fixed 7 days", "fixed 14 days", "fixed, same budget"]
    for policy in policies:
        every = 0
        if policy.startswith("fixed"):
            budget = out["engine review"]["review_quizzes"]
            matched = round(RETENTION_DAYS * len(cover) / budget) if budget else RETENTION_DAYS
            every = int(policy.split()[1]) if policy[6].isdigit() else max(1, matched)
        kept, quizzes = [], []
        for n, run in enumerate(runs):
            trainee = copy.deepcopy(run.trainee)
            trainee.rng = random.Random(f"retention-{seed}-{n}")
            quizzes.append(_retain(engine, trainee, policy, cover, every))
            kept.append(statistics.mean(trainee.is_mastered(c) for c in trainee.world.truth))
        out[policy] = {
            "retained": statistics.mean(kept),
            "review_quizzes": statistics.mean(quizzes),
            "every": every,
        }
    return out


def _review_cover(engine: Engine) -> list[str]:
    """Return a small set of modules that together teach every competency (greedy cover)."""
    left, cover = set(engine.competencies), []
    while left:
        best = max(
            engine.catalogue.modules, key=lambda m: sum(w for c, w in m.competencies if c in left)
        )
        cover.append(best.id)
        left -= {c for c, _ in best.competencies}
    return cover


def _retain(engine: Engine, trainee, policy: str, cover: list[str], every: int) -> int:  # noqa: ANN001
    """Live RETENTION_DAYS days under a review policy; return the quizzes taken."""
    state = engine.replay(trainee.events)
    quizzes = 0
    for day in range(1, RETENTION_DAYS + 1):
        trainee.wait(1.0)
        if every and day % every == 0:
            for module_id in cover:
                trainee.quiz(module_id, "review")
                quizzes += 1
        if policy != "engine review":
            continue
        for _ in range(3):
            rec = engine.recommend(state, trainee.now)
            if rec is None or rec.kind not in ("review", "remediation", "retry"):
                break
            seen = len(trainee.events)
            act(trainee, rec.kind, rec.module_id, True)
            for event in trainee.events[seen:]:
                state = engine.apply(state, event)
            quizzes += rec.kind != "remediation"
    return quizzes


def ci(values: list[float]) -> tuple[float, float]:
    """Return the mean and the half-width of its 95% t confidence interval."""
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return math.nan, math.nan
    if len(values) < 2:
        return values[0], math.nan
    from scipy.stats import t

    half = t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return statistics.mean(values), half


def fmt(values: list[float], digits: int = 3, scale: float = 1.0) -> str:
    """Format mean ± CI."""
    mean, half = ci([v * scale for v in values])
    if math.isnan(mean):
        return "n/a"
    return (
        f"{mean:.{digits}f} ± {half:.{digits}f}" if not math.isnan(half) else f"{mean:.{digits}f}"
    )


def matched_saving(res: dict[str, Any], family: str) -> tuple[float, str]:
    """Return the adaptive saving vs the cheapest pass count of family with no more unmastery."""
    ada = res["policies"]["adaptive, engine (fitted)"]
    for p in range(1, PASSES + 1):
        other = res["policies"][f"{family} x{p}"]
        if other["exit_unmastered"] <= ada["exit_unmastered"] + 1e-9:
            return 1 - ada["cost"] / other["cost"], f"x{p}"
    last = res["policies"][f"{family} x{PASSES}"]
    return 1 - ada["cost"] / last["cost"], f">x{PASSES}"


def report(results: list[dict[str, Any]], seeds: list[int], args: argparse.Namespace) -> str:
    """Return the Markdown tables of the evaluation."""
    lines = [
        f"Catalogue: {ORIGIN}. Seeds {seeds}; {args.train} training and {args.test} judged "
        f"trainees per world and seed; mean ± 95% CI half-width across seeds. pyBKT: "
        f"{'1.4.3' if pybkt_available() else 'not installed'}.",
        "",
    ]
    by_kind = {k: [r for r in results if r["kind"] == k] for k in KINDS}
    lines += _prediction_table(by_kind)
    lines += _paired_table(by_kind)
    lines += _calibration_table(by_kind)
    lines += _policy_table(by_kind)
    lines += _saving_table(by_kind)
    lines += _placement_table(by_kind)
    lines += _retention_table(by_kind)
    return "\n".join(lines)


def _prediction_table(by_kind: dict[str, list]) -> list[str]:
    """Next-answer prediction table."""
    lines = ["### Next-answer prediction (judged trainees, full-weight best/poor answers)", ""]
    lines += ["| world | model | AUC | RMSE | log-loss |", "|---|---|---|---|---|"]
    for kind, rs in by_kind.items():
        for model in rs[0]["prediction"] if rs else []:
            vals = [r["prediction"][model] for r in rs]
            row = [fmt([v[m] for v in vals], 4) for m in ("auc", "rmse", "logloss")]
            lines.append(f"| {kind} | {model} | " + " | ".join(row) + " |")
    return [*lines, ""]


PAIRS = (
    ("S1", "engine (true params)"),
    ("S2", "best baseline"),
    ("S3", "pyBKT"),
    ("S3", "pyBKT (forgets)"),
    ("S4", "engine (true params)"),
    ("S4", "pyBKT"),
)


def _paired(r: dict[str, Any], other: str, metric: str) -> float:
    """Return fitted engine minus other on one seed (best baseline: best non-engine model)."""
    pred = r["prediction"]
    if other == "best baseline":
        pick = max if metric == "auc" else min
        value = pick(v[metric] for k, v in pred.items() if not k.startswith("engine"))
    else:
        value = pred[other][metric]
    return pred["engine (fitted)"][metric] - value


def _paired_table(by_kind: dict[str, list]) -> list[str]:
    """Paired differences (fitted engine minus a reference) across seeds."""
    lines = ["### Paired differences: fitted engine minus reference (same seeds, same data)", ""]
    lines += ["| world | reference | ΔAUC | ΔRMSE | Δlog-loss |", "|---|---|---|---|---|"]
    for kind, other in PAIRS:
        rs = by_kind.get(kind) or []
        if not rs or (other != "best baseline" and other not in rs[0]["prediction"]):
            continue
        cells = [fmt([_paired(r, other, m) for r in rs], 4) for m in ("auc", "rmse", "logloss")]
        lines.append(f"| {kind} | {other} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _calibration_table(by_kind: dict[str, list]) -> list[str]:
    """Mastery calibration table."""
    lines = ["### Calibration of P(mastered) against the hidden state (before each answer)", ""]
    lines += ["| world | model | ECE | Brier |", "|---|---|---|---|"]
    for kind, rs in by_kind.items():
        for model in rs[0]["calibration"] if rs else []:
            vals = [r["calibration"][model] for r in rs]
            lines.append(
                f"| {kind} | {model} | {fmt([v['ece'] for v in vals], 4)} | "
                f"{fmt([v['brier'] for v in vals], 4)} |"
            )
    return [*lines, ""]


def _policy_table(by_kind: dict[str, list]) -> list[str]:
    """Policy x world table."""
    lines = ["### Policies x simulated trainees", ""]
    lines += [
        "| world | policy | views | steps | views+steps | unmastered at exit | "
        "false mastery on leaving | reached all | views+steps to all truly mastered |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    keys = ("views", "steps", "cost", "exit_unmastered", "leave_false_mastery", "reached_all")
    for kind, rs in by_kind.items():
        for policy in rs[0]["policies"] if rs else []:
            vals = [r["policies"][policy] for r in rs]
            cells = [
                fmt(
                    [v[k] for v in vals],
                    3 if k in ("exit_unmastered", "leave_false_mastery", "reached_all") else 1,
                )
                for k in keys
            ]
            cells.append(fmt([v["cost_to_all"] for v in vals], 1))
            lines.append(f"| {kind} | {policy} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _saving_table(by_kind: dict[str, list]) -> list[str]:
    """Efficiency table: adaptive vs matched fixed orders."""
    lines = [
        "### Efficiency: adaptive (fitted) vs the cheapest order with no more false mastery",
        "",
    ]
    lines += ["| world | saving vs linear | linear passes | saving vs random | random passes |"]
    lines += ["|---|---|---|---|---|"]
    for kind, rs in by_kind.items():
        lin = [matched_saving(r, "linear") for r in rs]
        rnd = [matched_saving(r, "random") for r in rs]
        lines.append(
            f"| {kind} | {fmt([s for s, _ in lin], 1, 100)}% | {', '.join(p for _, p in lin)} | "
            f"{fmt([s for s, _ in rnd], 1, 100)}% | {', '.join(p for _, p in rnd)} |"
        )
    return [*lines, ""]


def _placement_table(by_kind: dict[str, list]) -> list[str]:
    """Placement table."""
    lines = ["### Placement (adaptive, fitted parameters)", ""]
    lines += [
        "| world | classified right (P >= 0.5) | classified right (P >= threshold) | false skips "
        "| modules skipped |",
        "|---|---|---|---|---|",
    ]
    for kind, rs in by_kind.items():
        vals = [r["placement"] for r in rs]
        cells = [
            fmt([v[k] for v in vals], 3)
            for k in ("map_accuracy", "threshold_accuracy", "false_skip")
        ]
        cells.append(fmt([v["modules_skipped"] for v in vals], 2))
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _retention_table(by_kind: dict[str, list]) -> list[str]:
    """Spaced review table (S3)."""
    rs = by_kind.get("S3") or []
    if not rs or "retention" not in rs[0]:
        return []
    lines = [
        f"### Spaced review (S3): share truly mastered {RETENTION_DAYS} days after the course",
        "",
    ]
    lines += ["| review policy | retained | review quizzes per trainee | interval (days) |"]
    lines += ["|---|---|---|---|"]
    for policy in rs[0]["retention"]:
        vals = [r["retention"][policy] for r in rs]
        every = ", ".join(str(v["every"]) for v in vals) if policy.startswith("fixed") else "-"
        lines.append(
            f"| {policy} | {fmt([v['retained'] for v in vals], 3)} | "
            f"{fmt([v['review_quizzes'] for v in vals], 1)} | {every} |"
        )
    return [*lines, ""]


def main() -> None:
    """Run the evaluation and print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--train", type=int, default=150)
    parser.add_argument("--test", type=int, default=100)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS))
    parser.add_argument("--quick", action="store_true", help="2 seeds, 40/30 trainees")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.train, args.test = args.seeds[:2], 40, 30
    started = time.perf_counter()
    tasks = [(k, s, args.train, args.test) for k in args.kinds for s in args.seeds]
    with Pool(args.workers) as pool:
        results = pool.starmap(job, tasks)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(report(results, args.seeds, args))
    print(f"\n_wall time {time.perf_counter() - started:.0f} s on {args.workers} workers_")


if __name__ == "__main__":
    main()
