"""The BKT arithmetic, checked against numbers worked by hand (defaults: g 0.2, s 0.1, l 0.2)."""

from __future__ import annotations

import pytest

from course.engine import Engine, Observation, bkt

from .conftest import at


def test_best_answer_is_bayes_then_learning() -> None:
    posterior = bkt.observe(0.15, 1.0, 1.0, 0.2, 0.1)
    assert posterior == pytest.approx(0.135 / 0.305)  # 0.4426
    assert bkt.learn(posterior, 0.2) == pytest.approx(0.442623 + 0.557377 * 0.2, abs=1e-6)


def test_poor_answer_lowers_mastery() -> None:
    # P(poor | M) = 0.1, P(poor | U) = 0.8: 0.5 * 0.1 / (0.05 + 0.4)
    assert bkt.observe(0.5, 0.0, 1.0, 0.2, 0.1) == pytest.approx(0.05 / 0.45)


def test_acceptable_is_neutral_evidence() -> None:
    assert bkt.observe(0.3, 0.5, 1.0, 0.2, 0.1) == pytest.approx(0.3)


def test_weight_shrinks_the_value_toward_a_coin_flip() -> None:
    # w = 0.5 turns best (1) into v' = 0.75: L_M = 0.7, L_U = 0.35
    assert bkt.likelihoods(1.0, 0.5, 0.2, 0.1) == pytest.approx((0.7, 0.35))
    assert bkt.observe(0.15, 1.0, 0.5, 0.2, 0.1) == pytest.approx(0.105 / 0.4025)


def test_weighted_learning_opportunity() -> None:
    assert bkt.learn(0.15, 0.2, 0.5) == pytest.approx(0.235)


def test_decay_toward_the_prior_floor() -> None:
    assert bkt.decay(0.95, 0.15, 0.01, 10) == pytest.approx(0.15 + 0.8 * 0.99**10)
    assert bkt.decay(0.95, 0.15, 0.01, 0) == 0.95
    assert bkt.decay(0.95, 0.15, 0.0, 100) == 0.95
    assert bkt.decay(0.05, 0.15, 0.5, 1) == pytest.approx(0.10)


def test_predict_good() -> None:
    assert bkt.predict_good(0.5, 0.2, 0.1) == pytest.approx(0.55)


def test_an_answer_is_evidence_at_the_square_of_its_weight(engine: Engine) -> None:
    # engine 2.4: a tag at 0.5 reads as evidence at 0.25, v' = 0.625: L_M = 0.6, L_U = 0.425
    side = Observation(competency="protect", at=at(), rating="best", weight=0.5)
    assert side.evidence() == pytest.approx(0.25)
    state = engine.apply(engine.initial_state(), side)
    assert state.competencies["protect"].p == pytest.approx(0.09 / (0.09 + 0.85 * 0.425))
    assert state.competencies["protect"].good == pytest.approx(0.5)  # the record keeps the weight


def test_a_full_weight_answer_is_read_as_before(engine: Engine) -> None:
    main = Observation(competency="threat", at=at(), rating="best")
    state = engine.apply(engine.initial_state(), main)
    assert state.competencies["threat"].p == pytest.approx(0.135 / 0.305)
