"""Speed of the progress engine: one update-and-recommend for a 500-event learner, and a cohort.

    .venv/bin/python bench/engine_speed.py [--repeat 5000] [--cohort 5000]

The per-request figure includes what the app does per answer: parse the stored state from JSON
text, apply one event, recommend, and serialise the new state back to JSON text.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_catalogue import load_catalogue  # noqa: E402
from engine_sim import course_order, make_world, new_trainee, run_fixed  # noqa: E402

from course.engine import Engine, LearnerState  # noqa: E402

EVENTS = 500


def history(world, seed: int) -> list:  # noqa: ANN001
    """Return the first EVENTS events of a trainee who takes the course four times over."""
    run = run_fixed(new_trainee(world, seed, 0), course_order(world.catalogue), 4)[-1]
    return run.events[: EVENTS + 1]


def per_request(engine: Engine, events: list, repeat: int) -> list[float]:
    """Time load-apply-recommend-store with EVENTS events already applied; return seconds."""
    stored = json.dumps(engine.replay(events[:-1]).to_json())
    last, now = events[-1], events[-1].at
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        state = LearnerState.from_json(json.loads(stored))
        state = engine.apply(state, last)
        engine.recommend(state, now)
        json.dumps(state.to_json())
        times.append(time.perf_counter() - start)
    return times


def quantile(values: list[float], q: float) -> float:
    """Return the q-quantile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    """Print the speed figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5000)
    parser.add_argument("--cohort", type=int, default=5000)
    args = parser.parse_args()
    catalogue, origin = load_catalogue()
    engine = Engine(catalogue)
    world = make_world("S3", catalogue, 0)
    histories = [history(world, s) for s in range(20)]
    times = per_request(engine, histories[0], args.repeat)
    ms = [t * 1000 for t in times]
    print(f"catalogue: {origin}; learner with {EVENTS} events")
    print(
        f"load state + apply + recommend + store: p50 {quantile(ms, 0.5):.3f} ms, "
        f"p99 {quantile(ms, 0.99):.3f} ms, max {max(ms):.3f} ms ({args.repeat} runs)"
    )
    now = histories[0][-1].at
    full = engine.replay(histories[0][:EVENTS])
    start = time.perf_counter()
    for _ in range(1000):
        engine.path(full, now)
    print(f"path() for every module: {(time.perf_counter() - start):.3f} ms per call")
    replays = []
    start = time.perf_counter()
    states = []
    for n in range(args.cohort):
        t0 = time.perf_counter()
        state = engine.replay(histories[n % len(histories)][:EVENTS])
        engine.recommend(state, now)
        replays.append(time.perf_counter() - t0)
        states.append(json.dumps(state.to_json()))
    total = time.perf_counter() - start
    print(
        f"cohort of {args.cohort}: replay {EVENTS} events + recommend each: {total:.1f} s "
        f"({statistics.mean(replays) * 1000:.2f} ms per trainee)"
    )
    start = time.perf_counter()
    for text in states:
        engine.recommend(LearnerState.from_json(json.loads(text)), now)
    took = time.perf_counter() - start
    print(f"cohort of {args.cohort}: load stored state + recommend each: {took:.2f} s")


if __name__ == "__main__":
    main()
