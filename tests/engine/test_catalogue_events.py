"""Catalogue and event validation, JSON round trips and the parameters hash."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from course.engine import (
    Catalogue,
    ModuleCompleted,
    ModuleSpec,
    Observation,
    Params,
    Prereq,
    QuizFinished,
    event_from_json,
    event_to_json,
)

from .conftest import at, small_catalogue


def test_params_defaults_and_validation() -> None:
    assert Params() == Params(0.15, 0.20, 0.20, 0.10, 0.01, 0.95)
    with pytest.raises(ValueError, match="guess \\+ slip"):
        Params(guess=0.6, slip=0.5).validate()
    with pytest.raises(ValueError, match="threshold"):
        Params(threshold=0).validate()


def test_catalogue_rejects_unknown_references_and_cycles(catalogue: Catalogue) -> None:
    bad = ModuleSpec("x", "X", "security", "core", 1, (("nope", 1.0),))
    with pytest.raises(ValueError, match="unknown competency"):
        replace(catalogue, modules=(*catalogue.modules, bad)).validate()
    loop = replace(catalogue.modules[0], prerequisites=(Prereq(module="capstone"),))
    with pytest.raises(ValueError, match="cycle"):
        replace(catalogue, modules=(loop, *catalogue.modules[1:])).validate()
    with pytest.raises(ValueError, match="xor"):
        Prereq(module="a", competency="b", mastery=0.5).validate()


def test_catalogue_json_round_trip_and_hash(catalogue: Catalogue) -> None:
    assert Catalogue.from_json(catalogue.to_json()) == catalogue
    other = small_catalogue(threat=Params(learn=0.3))
    assert other.params_hash() != catalogue.params_hash()
    assert small_catalogue().params_hash() == catalogue.params_hash()


def test_events_need_aware_utc_times() -> None:
    with pytest.raises(ValueError, match="UTC"):
        ModuleCompleted(module_id="sec-1", at=datetime(2025, 11, 3)).validate()


def test_observation_needs_rating_xor_value() -> None:
    with pytest.raises(ValueError, match="rating or a value"):
        Observation(competency="threat", at=at(), rating="best", value=1.0).validate()
    with pytest.raises(ValueError, match="weight"):
        Observation(competency="threat", at=at(), rating="best", weight=0).validate()
    assert Observation(competency="threat", at=at(), value=0.25).validate().score() == 0.25
    assert Observation(competency="threat", at=at(), rating="acceptable").score() == 0.25


def test_event_json_round_trip() -> None:
    events = [
        Observation(competency="threat", at=at(1), rating="poor", weight=0.5, module_id="sec-1"),
        QuizFinished(
            module_id="sec-1", at=at(1), passed=False, score=0.4, per_competency={"threat": 0.2}
        ),
    ]
    for event in events:
        assert event_from_json(event_to_json(event)) == event
