"""A trainee's path on the small catalogue: placement, a failed then a passed scenario."""

from __future__ import annotations

from course.engine import (
    Engine,
    ModuleCompleted,
    ModuleOpened,
    Observation,
    PlacementFinished,
    QuizFinished,
)

from .conftest import at


def scenario(
    module_id: str, day: float, ratings: dict[str, list[str]], passed: bool, score: float
) -> list:
    """Read a module, answer its scenario and finish the quiz."""
    events: list = [
        ModuleOpened(module_id=module_id, at=at(day)),
        ModuleCompleted(module_id=module_id, at=at(day, 10)),
    ]
    for comp, rs in ratings.items():
        events += [
            Observation(competency=comp, at=at(day, 11 + i), rating=r, module_id=module_id)
            for i, r in enumerate(rs)
        ]
    shares = {
        c: sum({"best": 1.0, "acceptable": 0.5}.get(r, 0.0) for r in rs) / len(rs)
        for c, rs in ratings.items()
    }
    events.append(
        QuizFinished(
            module_id=module_id, at=at(day, 20), passed=passed, score=score, per_competency=shares
        )
    )
    return events


def test_path_changes_after_a_failed_then_a_passed_scenario(engine: Engine) -> None:
    placement = [
        *[
            Observation(competency="roles", at=at(0, i), rating="best", source="placement")
            for i in range(4)
        ],
        *[
            Observation(competency="threat", at=at(0, 5 + i), rating="poor", source="placement")
            for i in range(2)
        ],
        *[
            Observation(competency="protect", at=at(0, 8 + i), rating="poor", source="placement")
            for i in range(2)
        ],
        PlacementFinished(at=at(0, 10)),
    ]
    state = engine.replay(placement)
    # placement showed military roles mastered: its module is skipped and sec-1 opens at once
    assert [(s.module_id, s.status) for s in engine.path(state, at(0, 10))] == [
        ("found-1", "done"),
        ("sec-1", "open"),
        ("sec-2", "locked"),
        ("sec-ref", "open"),
        ("capstone", "locked"),
    ]
    assert engine.recommend(state, at(0, 10)).module_id == "sec-1"

    failed = scenario(
        "sec-1", 1, {"threat": ["poor", "poor", "acceptable"], "protect": ["best"]}, False, 0.375
    )
    state = engine.replay(placement + failed)
    rec = engine.recommend(state, at(1, 30))
    # sec-1 teaches threat at 1.0, the refresher at 0.6: reading sec-1 again teaches it more
    assert (rec.kind, rec.module_id) == ("remediation", "sec-1")
    assert rec.text.endswith(
        "read Threats to the table again before you retry; it teaches it most."
    )
    assert (
        dict((s.module_id, s.status) for s in engine.path(state, at(1, 30)))["sec-1"]
        == "in-progress"
    )

    refresher = [ModuleCompleted(module_id="sec-1", at=at(1, 40))]
    state = engine.replay(placement + failed + refresher)
    assert (
        engine.recommend(state, at(1, 45)).kind,
        engine.recommend(state, at(1, 45)).module_id,
    ) == (
        "retry",
        "sec-1",
    )

    retry = scenario(
        "sec-1", 2, {"threat": ["best", "best", "best", "best"], "protect": ["best"]}, True, 1.0
    )
    state = engine.replay(placement + failed + refresher + retry)
    path = {s.module_id: (s.status, s.why) for s in engine.path(state, at(2, 30))}
    assert path["sec-1"] == ("done", "Passed on 5 Nov")
    assert path["sec-2"][0] == "open"  # threat mastery now above the 60% the module asks for
    rec = engine.recommend(state, at(2, 30))
    assert (rec.kind, rec.module_id) == ("next", "sec-2")
    assert "Protection and access mastery" in rec.text and "passed its prerequisite" in rec.text
