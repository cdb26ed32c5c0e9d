"""Evaluate the adaptive path against fixed orders, on the shipped course and the platform's rules.

Simulated trainees of five kinds (bench/path_sim.py) play the real quiz files through the real
grader, on the catalogue exactly as imported, with locks and retake limits enforced:

  fits-model   one hidden mastered/not state per competency, learning 0.2 per opportunity
  gradual      a continuous ability that grows a little with each opportunity (not the model)
  experienced  70% of competencies already held at the start
  weak         little held, slow to learn (0.07), drawn to the tempting wrong choices
  gaming       answers by surface (always the longest choice) and learns nothing

Ways through the course: `adaptive` (My path's next step, placement check first), `once` (the
catalogue in order, refreshers aside, each quiz retried while the retake rule allows) and `twice`
(the same, then a second pass replaying every quiz). A visit is one module opened to work on (its
read and the scenario the platform starts after it, or a retry, or a review replay), counted
alike in every way (see bench/path_sim.py). Reported per kind and way: module visits, true
mastery at the end, false mastery at the first mastery call, dead ends (recommendations the
platform refuses), courses completed; placement precision and recall for the adaptive path.

    .venv/bin/python bench/engine_eval.py                      # 200 trainees per cell (~7 min)
    .venv/bin/python bench/engine_eval.py --trainees 40        # a quick look
    .venv/bin/python bench/engine_eval.py --content DIR        # another course folder
    .venv/bin/python bench/engine_eval.py --first 200 --jobs 1 # seeds 200-399, one process

Whenever a kind is run both adaptive-on and twice, the paired difference in true mastery is printed
too: seed n is the same simulated person in every way (its starting truths and its random streams
are drawn from the kind and the seed alone), so each seed gives one difference.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from path_sim import KINDS, adaptive, fixed, new_run  # noqa: E402
from shipped_course import ROOT, load  # noqa: E402

WAYS = ("adaptive", "adaptive-on", "once", "twice")


def cell(args: tuple[str, str, str, int, int]) -> dict:
    """Run every trainee of one kind on one way through the course; return the figures."""
    root, kind, way, trainees, first = args
    course = load(Path(root))
    runs = []
    for seed in range(first, first + trainees):
        run = new_run(course, kind, seed)
        if way == "adaptive":
            adaptive(run, budget=4 * len(course.catalogue.modules))
        elif way == "adaptive-on":  # the same person, on, within the visits two passes take them
            twice = new_run(course, kind, seed)
            fixed(twice, passes=2)
            adaptive(run, budget=twice.visits, past_completion=True)
        else:
            fixed(run, passes=1 if way == "once" else 2)
        runs.append(run)
    return summarise(kind, way, runs) | {"first": first}


def summarise(kind: str, way: str, runs: list) -> dict:
    """Turn the runs of one cell into plain numbers."""
    calls = [truly for run in runs for truly in run.declared.values()]
    known = [k for run in runs if run.placement for k in [run.placement]]
    hits = sum(len(k & s) for k, s in known)
    return {
        "kind": kind,
        "way": way,
        "trainees": len(runs),
        "visits": statistics.mean(run.visits for run in runs),
        "true_mastery": statistics.mean(run.true_mastery() for run in runs),
        "true_mastery_each": [run.true_mastery() for run in runs],
        "mastery_calls": len(calls),
        "false_mastery": (calls.count(False) / len(calls)) if calls else 0.0,
        "called_share": statistics.mean(len(run.declared) for run in runs)
        / len(runs[0].learner.competencies),
        "dead_ends": sum(len(run.dead_ends) for run in runs),
        "complete": statistics.mean(
            run.engine.completion(run.state, run.now).complete for run in runs
        ),
        "placement_recall": _share(hits, sum(len(k) for k, _ in known)) if known else None,
        "placement_precision": _share(hits, sum(len(s) for _, s in known)) if known else None,
        "placement_skipped": statistics.mean(len(s) for _, s in known) if known else None,
    }


def _share(part: int, whole: int) -> float | None:
    """Return part / whole, or None when there is nothing to take a share of."""
    return part / whole if whole else None


def _pct(value: float | None) -> str:
    """Format a share, or a dash when there was nothing to measure."""
    return "-" if value is None else f"{value:.1%}"


def table(rows: list[dict]) -> str:
    """Return a Markdown table of the figures."""
    head = (
        "| learner | way | visits | true mastery at end | false mastery at first call "
        "| competencies called | dead ends | course complete |\n|---|---|---|---|---|---|---|---|"
    )
    lines = [
        f"| {r['kind']} | {r['way']} | {r['visits']:.1f} | {r['true_mastery']:.1%} | "
        f"{r['false_mastery']:.1%} ({r['mastery_calls']}) | {r['called_share']:.0%} | "
        f"{r['dead_ends']} | {r['complete']:.0%} |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def placement_table(rows: list[dict]) -> str:
    """Return the placement figures of the adaptive rows."""
    head = (
        "| learner | modules skipped | recall (known modules skipped) | precision (skips right) |"
    )
    lines = [
        f"| {r['kind']} | {r['placement_skipped']:.1f} | {_pct(r['placement_recall'])} | "
        f"{_pct(r['placement_precision'])} |"
        for r in rows
        if r["way"] == "adaptive" and r["placement_skipped"] is not None
    ]
    return "\n".join([head, "|---|---|---|---|", *lines])


def paired(rows: list[dict]) -> list[dict]:
    """Return, per kind run both adaptive-on and twice, the per-seed difference in true mastery
    (adaptive-on minus twice) with its mean and a 95% interval (mean +- 1.96 sd / sqrt(n))."""
    cells = {(r["kind"], r["way"]): r for r in rows}
    found = []
    for kind in dict.fromkeys(r["kind"] for r in rows):
        on, twice = cells.get((kind, "adaptive-on")), cells.get((kind, "twice"))
        if on is None or twice is None:
            continue
        diffs = [
            a - b for a, b in zip(on["true_mastery_each"], twice["true_mastery_each"], strict=True)
        ]
        mean = statistics.mean(diffs)
        half = 1.96 * statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else 0.0
        wins = sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)
        found.append(
            {
                "kind": kind,
                "n": len(diffs),
                "mean": mean,
                "low": mean - half,
                "high": mean + half,
                "better": wins[0],
                "worse": wins[1],
            }
        )
    return found


def paired_table(diffs: list[dict]) -> str:
    """Return the paired differences as a Markdown table (points of true mastery)."""
    head = (
        "| learner | adaptive-on minus twice (mean) | 95% interval | seeds better / worse / equal |"
        "\n|---|---|---|---|"
    )
    lines = [
        f"| {d['kind']} | {100 * d['mean']:+.2f} points | {100 * d['low']:+.2f} to "
        f"{100 * d['high']:+.2f} | {d['better']} / {d['worse']} / "
        f"{d['n'] - d['better'] - d['worse']} |"
        for d in diffs
    ]
    return "\n".join([head, *lines])


def main() -> None:
    """Run every cell (on --jobs processes) and print the tables; write JSON with --json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--first", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--content", default=str(ROOT))
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--ways", default=",".join(WAYS))
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    jobs = [
        (args.content, kind, way, args.trainees, args.first)
        for kind in args.kinds.split(",")
        for way in args.ways.split(",")
    ]
    started = time.perf_counter()
    if args.jobs > 1:
        with Pool(args.jobs) as pool:
            rows = pool.map(cell, jobs)
    else:
        rows = [cell(job) for job in jobs]
    last = args.first + args.trainees - 1
    print(f"{args.trainees} trainees per cell (seeds {args.first}-{last}), content {args.content}")
    print(table(rows))
    print()
    print(placement_table(rows))
    diffs = paired(rows)
    if diffs:
        print()
        print(paired_table(diffs))
    print(f"\n{time.perf_counter() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"cells": rows, "paired": diffs}, indent=1))


if __name__ == "__main__":
    main()
