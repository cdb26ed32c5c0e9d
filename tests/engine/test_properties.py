"""Property tests: mastery is a probability, replay is deterministic, JSON round-trips exactly."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from course.engine import (
    Engine,
    LearnerState,
    ModuleCompleted,
    ModuleOpened,
    Observation,
    PlacementFinished,
    QuizFinished,
    event_from_json,
    event_to_json,
)

from .conftest import at, small_catalogue

ENGINE = Engine(small_catalogue())
COMPS = ("roles", "threat", "protect", "unknown")
MODULES = ("found-1", "sec-1", "sec-2", "sec-ref", "capstone", "gone")


def _event(kind: int, minutes: float, comp: str, module: str, share: float, flag: bool):  # noqa: ANN202
    """Build one event of each kind from drawn values."""
    when = at(0, minutes)
    if kind == 0:
        return Observation(
            competency=comp,
            at=when,
            value=share,
            weight=max(share, 0.05),
            source=("scenario", "placement", "review")[int(share * 2.99)],
        )
    if kind == 1:
        return Observation(
            competency=comp, at=when, rating=("best", "acceptable", "poor")[int(share * 2.99)]
        )
    if kind == 2:
        return ModuleCompleted(module_id=module, at=when)
    if kind == 3:
        return ModuleOpened(module_id=module, at=when)
    if kind == 4:
        return QuizFinished(
            module_id=module, at=when, passed=flag, score=share, per_competency={comp: share}
        )
    return PlacementFinished(at=when)


event_lists = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.floats(0, 1440 * 60),
        st.sampled_from(COMPS),
        st.sampled_from(MODULES),
        st.floats(0, 1),
        st.booleans(),
    ),
    max_size=40,
).map(lambda rows: [_event(*row) for row in sorted(rows, key=lambda r: r[1])])


@settings(max_examples=60, deadline=None)
@given(event_lists, st.floats(0, 400))
def test_mastery_stays_in_unit_interval(events: list, later: float) -> None:
    state = ENGINE.replay(events)
    for p in ENGINE.mastery(state, at(60 + later)).values():
        assert 0.0 <= p <= 1.0
    for cs in state.competencies.values():
        assert 0.0 <= cs.p <= 1.0


@settings(max_examples=60, deadline=None)
@given(event_lists)
def test_replay_is_deterministic_and_matches_saved_increments(events: list) -> None:
    once, twice = ENGINE.replay(events), ENGINE.replay(list(events))
    assert once == twice
    state = ENGINE.initial_state()
    for event in events:  # as the app does: load the stored state, apply one event, store it
        state = LearnerState.from_json(json.loads(json.dumps(ENGINE.apply(state, event).to_json())))
    assert state == once
    now = at(90)
    assert ENGINE.recommend(once, now) == ENGINE.recommend(twice, now)
    assert ENGINE.path(once, now) == ENGINE.path(twice, now)


@settings(max_examples=60, deadline=None)
@given(event_lists)
def test_state_and_events_round_trip_through_json(events: list) -> None:
    state = ENGINE.replay(events)
    assert LearnerState.from_json(json.loads(json.dumps(state.to_json()))) == state
    for event in events:
        assert event_from_json(json.loads(json.dumps(event_to_json(event)))) == event
    assert state.events == len(events)
    assert ENGINE.is_current(state)


@settings(max_examples=60, deadline=None)
@given(event_lists, st.floats(0, 400))
def test_stored_estimates_project_to_the_mastery_later(events: list, days: float) -> None:
    """What cohort pages store at an event, faded by project(), is what mastery() says later."""
    state = ENGINE.replay(events)
    then = at(60)
    estimates = {c: ENGINE.estimate(state, c, then) for c in ENGINE.competencies}
    held = [c for c in ENGINE.competencies if ENGINE.held(state, c)]
    projected = ENGINE.project(estimates, held, days)
    later = ENGINE.mastery(state, at(60 + days))
    assert projected.keys() == later.keys()
    assert all(abs(projected[c] - later[c]) < 1e-12 for c in later)
