"""Placement alone: what the placement check skips for each learner type, and how rightly.

Simulated learners (bench/path_sim.py) take the real placement check through the real grader; the
engine's own rule decides the skips (`Engine.apply(PlacementFinished)`). The options recompute the
skips from the same answers under a variant of the rule, to show what each part of it is worth:

    .venv/bin/python bench/placement_eval.py                     # the engine's rule
    .venv/bin/python bench/placement_eval.py --level 0.8         # another placement level
    .venv/bin/python bench/placement_eval.py --course-prior      # no learner base rate
    .venv/bin/python bench/placement_eval.py --content DIR       # another course folder
    .venv/bin/python bench/placement_eval.py --first 1000        # learners not tuned on

A module is *known* when the learner truly holds every competency it teaches with weight 0.5 or
more; recall is the share of known modules skipped, precision the share of skips that were known.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from path_sim import new_run  # noqa: E402
from shipped_course import ROOT, load  # noqa: E402

from course.engine import engine as engine_module  # noqa: E402
from course.engine.engine import PLACEMENT_MAIN, placed  # noqa: E402

KINDS = ("experienced", "fits-model", "weak")


def skips(run, level: float | None, pseudo: float | None, base_rate: bool) -> set[str]:  # noqa: ANN001
    """Return the modules a variant of the rule skips for a learner who took the check."""
    eng, state = run.engine, run.state
    if level is None and pseudo is None and base_rate:
        return set(state.placement_skipped)  # the engine's own decision
    if pseudo is not None:
        engine_module.BASE_PSEUDO = pseudo
    at = state.placement_at
    base = engine_module.base_rate(eng, state, at) if base_rate else None
    known = set()
    for comp in eng.competencies:
        if level is None:
            ok = placed(eng, state, comp, at, base)
        else:
            p = eng.estimate(state, comp, at)
            p = engine_module.reweigh(p, eng.params(comp).prior, base) if base else p
            ok = p >= level and eng.competency_state(state, comp).good >= 1.0
        if ok:
            known.add(comp)
    return {
        m.id
        for m in eng.catalogue.modules
        if m.kind != "capstone"
        and all(c in known for c, w in m.competencies if w >= PLACEMENT_MAIN)
    }


def main() -> None:
    """Print skipped modules, recall and precision per learner type."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--content", default=str(ROOT))
    parser.add_argument("--first", type=int, default=0, help="first seed (others than the bench's)")
    parser.add_argument("--level", type=float, help="placement level for every competency")
    parser.add_argument("--pseudo", type=float, help="pseudo-competencies at the course prior")
    parser.add_argument("--course-prior", action="store_true", help="no learner base rate")
    args = parser.parse_args()
    course = load(Path(args.content))
    print("| learner | modules skipped | recall | precision |\n|---|---|---|---|")
    for kind in KINDS:
        hits = skipped = known = 0
        for seed in range(args.first, args.first + args.trainees):
            run = new_run(course, kind, seed)
            run.place()
            truly, _ = run.placement
            chosen = skips(run, args.level, args.pseudo, not args.course_prior)
            hits, skipped, known = (
                hits + len(truly & chosen),
                skipped + len(chosen),
                known + len(truly),
            )
        print(
            f"| {kind} | {skipped / args.trainees:.1f} | {hits / max(known, 1):.1%} | "
            f"{hits / max(skipped, 1):.1%} |"
        )


if __name__ == "__main__":
    main()
