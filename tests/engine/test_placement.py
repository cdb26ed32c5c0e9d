"""Placement: the learner's own base rate, estimated from the whole check, decides skips."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from course.engine import Engine, Observation, PlacementFinished
from course.engine.engine import base_rate, reweigh
from tests.engine.conftest import at, small_catalogue

COMPS = ("roles", "threat", "protect")
RATINGS = ("best", "acceptable", "poor")
# Three best and two acceptable answers: 77% under the course prior alone, short of the 90% level.
MIXED = ("best", "best", "acceptable", "best", "acceptable")

probability = st.floats(0.001, 0.999)


def check(answers: dict[str, tuple[str, ...]]) -> list:
    """Events of a placement check with the given ratings per competency."""
    events = [
        Observation(competency=c, at=at(0, i), rating=r, source="placement")
        for c, ratings in answers.items()
        for i, r in enumerate(ratings)
    ]
    return [*events, PlacementFinished(at=at(0, 30))]


@given(probability, probability)
def test_reweighing_under_the_prior_itself_changes_nothing(p: float, prior: float) -> None:
    assert abs(reweigh(p, prior, prior) - p) < 1e-9


@given(probability, probability, probability, probability)
def test_a_higher_base_rate_never_lowers_the_posterior(
    p: float, prior: float, low: float, high: float
) -> None:
    low, high = sorted((low, high))
    assert reweigh(p, prior, low) <= reweigh(p, prior, high) + 1e-12


def test_without_evidence_the_base_rate_is_the_course_prior() -> None:
    engine = Engine(small_catalogue())
    assert abs(base_rate(engine, engine.initial_state(), at(0)) - 0.15) < 1e-9


def test_the_same_answers_place_an_officer_who_shows_most_of_the_course() -> None:
    engine = Engine(small_catalogue())
    strong = engine.replay(
        check({"roles": MIXED, "threat": ("best",) * 4, "protect": ("best",) * 4})
    )
    assert engine.estimate(strong, "roles", at(0, 30)) < 0.9  # the course prior alone says no
    assert base_rate(engine, strong, at(0, 30)) > 0.5
    assert set(strong.placement_skipped) == {"found-1", "sec-1", "sec-2", "sec-ref"}


def test_the_same_answers_do_not_place_a_newcomer_who_shows_nothing_else() -> None:
    engine = Engine(small_catalogue())
    weak = engine.replay(check({"roles": MIXED, "threat": ("poor",) * 4, "protect": ("poor",) * 4}))
    assert base_rate(engine, weak, at(0, 30)) < 0.25
    assert weak.placement_skipped == ()


answers = st.fixed_dictionaries(
    {c: st.lists(st.sampled_from(RATINGS), min_size=0, max_size=6) for c in COMPS}
)


@settings(max_examples=60, deadline=None)
@given(answers)
def test_a_competency_without_a_best_answer_is_never_placed(given_answers: dict) -> None:
    engine = Engine(small_catalogue())
    state = engine.replay(check({c: tuple(r) for c, r in given_answers.items()}))
    for module_id in state.placement_skipped:
        for comp, weight in engine.modules[module_id].competencies:
            assert weight < 0.5 or "best" in given_answers[comp]


@settings(max_examples=60, deadline=None)
@given(answers, st.sampled_from(COMPS), st.integers(0, 5))
def test_a_better_answer_never_takes_a_skip_away(
    given_answers: dict, comp: str, index: int
) -> None:
    engine = Engine(small_catalogue())
    before = {c: tuple(r) for c, r in given_answers.items()}
    ratings = list(before[comp]) or ["poor"]
    index %= len(ratings)
    ratings[index] = {"poor": "acceptable", "acceptable": "best", "best": "best"}[ratings[index]]
    better = {**before, comp: tuple(ratings)}
    if not before[comp]:
        before = {**before, comp: ("poor",)}
    skipped = set(engine.replay(check(before)).placement_skipped)
    assert skipped <= set(engine.replay(check(better)).placement_skipped)
