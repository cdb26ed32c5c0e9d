"""Past the course material, visits go where a visit teaches most, and never to mastered work."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from course.engine import Engine, QuizFinished
from course.engine.policy import (
    _fresh_gain,
    actionable,
    best_teacher,
    rested,
    snapshot,
    spent,
    visit_gain,
)
from course.engine.state import CompetencyState, LearnerState, QuizResult
from tests.engine.conftest import at, small_catalogue
from tests.engine.test_properties import event_lists

ENGINE = Engine(small_catalogue(), placement=False)


def finished(mastery: dict[str, float]) -> LearnerState:
    """A learner who has passed every module, with the given estimates and a called mastery of
    roles, last practised a week before at(10)."""
    comps = {
        c: CompetencyState(p, at(3), mastered=c == "roles", evidence=4, good=4.0, recent=1.0)
        for c, p in mastery.items()
    }
    modules = [m.id for m in ENGINE.catalogue.modules]
    return LearnerState(
        competencies=comps,
        opened=dict.fromkeys(modules, at(1)),
        completed=dict.fromkeys(modules, at(1)),
        quizzes={m: QuizResult(True, at(2), 0.9, passed_at=at(2)) for m in modules},
    )


def test_past_the_material_practice_takes_the_module_that_teaches_most() -> None:
    state = finished({"roles": 0.999, "threat": 0.45, "protect": 0.5})
    rec = ENGINE.recommend(state, at(10))
    # the weakest competency's best teacher would be sec-1 (threat 1.0, protect 0.3); sec-2
    # (protect 1.0, threat 0.5) teaches both open competencies more
    assert (rec.kind, rec.reason.code, rec.module_id) == ("next", "practice", "sec-2")
    assert rec.text == "Protection and access mastery 47% < 95%: practise it again with " + (
        "Protection and access."
    )


def test_mastered_competencies_get_no_more_visits() -> None:
    state = finished({"roles": 0.999, "threat": 0.999, "protect": 0.999})
    state = LearnerState(
        **{
            **state.__dict__,
            "competencies": {
                c: CompetencyState(0.999, at(3), True, 4, 4.0, 1.0) for c in state.competencies
            },
        }
    )
    assert ENGINE.recommend(state, at(4)) is None


def test_past_mastery_practice_goes_to_the_least_certain_until_it_is_near_certain() -> None:
    comps = {
        c: CompetencyState(p, at(3), True, 4, 4.0, 1.0)
        for c, p in {"roles": 0.999, "threat": 0.97, "protect": 0.999}.items()
    }
    state = LearnerState(**{**finished({}).__dict__, "competencies": comps})
    assert ENGINE.recommend(state, at(3.5)) is None  # practised today: spaced a day apart
    rec = ENGINE.recommend(state, at(4))
    assert (rec.kind, rec.reason.code, rec.module_id) == ("next", "consolidate", "sec-1")
    assert rec.text == (
        "Threat assessment is mastered at 96%, the least certain of your competencies: "
        "practise it again with Threats to the table."
    )
    near_certain = {c: CompetencyState(0.999, at(3), True, 4, 4.0, 1.0) for c in comps}
    state = LearnerState(**{**state.__dict__, "competencies": near_certain})
    assert ENGINE.recommend(state, at(4)) is None  # 99% a day later: no more visits


def test_a_decayed_competency_past_the_material_is_practised_not_replayed() -> None:
    state = finished({"roles": 0.999, "threat": 0.999, "protect": 0.999})
    comps = {c: CompetencyState(0.999, at(3), True, 4, 4.0, 1.0) for c in state.competencies}
    state = LearnerState(**{**state.__dict__, "competencies": comps})
    # threat decays below the review margin after about three weeks: a read and a replay
    rec = ENGINE.recommend(state, at(40))
    assert rec is not None and (rec.kind, rec.reason.code) == ("next", "practice")


@settings(max_examples=80, deadline=None)
@given(event_lists, st.floats(0, 60))
def test_practice_is_the_best_visit_and_never_for_mastered_work(events: list, days: float) -> None:
    state = ENGINE.replay(events)
    now = at(2 + days)
    rec = ENGINE.recommend(state, now)
    snap = snapshot(ENGINE, state, now, None)
    if rec is not None and rec.kind == "review":
        assert _fresh_gain(snap) is not None  # reviews only while new material remains
    if rec is None or rec.reason.code != "practice":
        return
    module = ENGINE.modules[rec.module_id]
    assert actionable(snap, module.id)
    assert any(not snap.mastered(c) and rested(snap, c) for c, _ in module.competencies)
    chosen = visit_gain(snap, module)
    if chosen > 0:
        for other in ENGINE.catalogue.modules:
            if actionable(snap, other.id) and not spent(snap, other.id):
                assert visit_gain(snap, other) <= chosen + 1e-9
        weakest = min(
            (p, c) for c, p in snap.mastery.items() if not snap.mastered(c) and rested(snap, c)
        )[1]
        teacher = best_teacher(snap, weakest)
        if teacher is not None:
            assert visit_gain(snap, ENGINE.modules[teacher]) <= chosen + 1e-9


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(("found-1", "sec-1", "sec-2", "capstone")),
    st.sampled_from(("roles", "threat", "protect")),
)
def test_a_failure_is_remedied_by_what_teaches_its_weakest_competency_most(
    module_id: str, weakest: str
) -> None:
    per = {c: (0.1 if c == weakest else 0.9) for c in ("roles", "threat", "protect")}
    state = ENGINE.replay(
        [QuizFinished(module_id=module_id, at=at(1), passed=False, score=0.3, per_competency=per)]
    )
    rem = state.remediation
    failed_weight = ENGINE.modules[module_id].weight(weakest)
    read = ENGINE.modules[rem.refresher].weight(weakest) if rem.refresher else 0.0
    assert read >= failed_weight  # nothing that teaches it more was passed over
    if rem.refresher is None:
        assert failed_weight == 0.0 and rem.stage == "retry"
