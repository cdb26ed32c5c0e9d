"""Grading answers and scoring paths, with numbers checked by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from course.content import (
    GRADERS,
    Check,
    Choice,
    Decision,
    Ending,
    Evidence,
    InvalidResponse,
    Option,
    Quiz,
    best_choice,
    check,
    grade,
    score,
    shuffled_items,
)


@pytest.fixture
def quiz(content) -> Quiz:
    """The refresher quiz: gate (decision) -> order (ordering) -> pick (multiple) -> done."""
    return check(content.root)[0].quiz("sec-2-quiz")


@pytest.fixture
def briefing(content) -> Check:
    """The single-choice check of the core quiz (option 0 is correct, weight 0.5)."""
    return check(content.root)[0].quiz("sec-1-quiz").step("briefing")


def test_registry_maps_each_answerable_type_to_a_grader():
    assert set(GRADERS) == {"decision", "single", "multiple", "ordering"}


# grade()


def test_decision(quiz):
    graded = grade(quiz.step("gate"), "escort")
    assert (graded.rating, graded.value, graded.next) == ("best", 1.0, "order")
    assert graded.feedback == "Access with control."
    assert graded.evidence == (
        Evidence("protective-measures", "best", 1.0),
        Evidence("threat-assessment", "acceptable", 0.5),
    )
    assert grade(quiz.step("gate"), "refuse").value == 0.5


def test_single(briefing):
    right, wrong = grade(briefing, 0), grade(briefing, 1)
    assert (right.rating, right.value, right.feedback, right.next) == (
        "best",
        1.0,
        "Right.",
        "end-good",
    )
    assert right.evidence == (Evidence("threat-assessment", "best", 0.5),)
    assert (wrong.rating, wrong.value) == ("poor", 0.0)
    assert wrong.feedback == "Size says little about intent."
    assert wrong.evidence == (Evidence("threat-assessment", "poor", 0.5),)


@pytest.mark.parametrize(
    ("response", "rating"),
    [
        ((0, 2), "best"),
        ((2, 0), "best"),
        ([0, 2], "best"),
        ((0,), "poor"),
        ((0, 1, 2), "poor"),
        ((), "poor"),
    ],
)
def test_multiple_is_best_only_when_fully_right(quiz, response, rating):
    graded = grade(quiz.step("pick"), response)
    assert graded.rating == rating
    assert graded.evidence == (Evidence("protective-measures", rating, 1.0),)
    assert graded.next == "done"


def test_ordering(quiz):
    right = grade(quiz.step("order"), (0, 1, 2))
    assert (right.rating, right.feedback) == (
        "best",
        "Purpose first, then the ground, then the plan.",
    )
    assert grade(quiz.step("order"), (1, 0, 2)).rating == "poor"


@pytest.mark.parametrize(
    ("step_id", "response"),
    [
        ("gate", "nowhere"),
        ("gate", 0),
        ("pick", (0, 0)),
        ("pick", (3,)),
        ("pick", "02"),
        ("pick", 0),
        ("order", (0, 1)),
        ("order", (0, 0, 1)),
        ("order", (0, 1, 2, 3)),
        ("order", (0, 1, True)),
        ("done", "anything"),
    ],
)
def test_responses_that_do_not_fit_are_refused(quiz, step_id, response):
    with pytest.raises(InvalidResponse):
        grade(quiz.step(step_id), response)


@pytest.mark.parametrize("response", [2, -1, "0", True, None, 0.0])
def test_single_refuses_anything_but_a_valid_index(briefing, response):
    with pytest.raises(ValueError, match="takes an index"):
        grade(briefing, response)


# score()


def test_score_of_the_best_path(quiz):
    path = [
        grade(quiz.step("gate"), "escort"),
        grade(quiz.step("order"), (0, 1, 2)),
        grade(quiz.step("pick"), (0, 2)),
    ]
    result = score(quiz, path)
    # earned 1.0 + 0.5*0.5 + 0.5 + 1.0 = 2.75 of 1.0 + 0.5 + 0.5 + 1.0 = 3.0
    assert result.score == pytest.approx(2.75 / 3.0)
    assert result.passed
    assert result.per_competency == pytest.approx(
        {"protective-measures": 1.0, "threat-assessment": 0.5}
    )
    assert result.outcome == "partial"


def test_score_of_a_poor_path(quiz):
    path = [
        grade(quiz.step("gate"), "refuse"),
        grade(quiz.step("order"), (1, 0, 2)),
        grade(quiz.step("pick"), (0,)),
    ]
    result = score(quiz, path)
    # earned 0.5*1.0 + 0 + 0 = 0.5 of 1.0 + 0.5 + 1.0 = 2.5
    assert result.score == pytest.approx(0.2)
    assert not result.passed
    assert result.per_competency == pytest.approx({"protective-measures": 0.2})


def test_score_that_meets_the_pass_mark_exactly_passes(quiz):
    path = [
        grade(quiz.step("gate"), "refuse"),
        grade(quiz.step("order"), (0, 1, 2)),
        grade(quiz.step("pick"), (0, 1)),
    ]
    # earned 0.5 + 0.5 + 0 = 1.0 of 2.5 = 0.4; pass mark 0.4 passes, 0.41 does not
    at_mark = replace(quiz, pass_mark=0.4)
    above = replace(quiz, pass_mark=0.41)
    assert score(at_mark, path).passed
    assert not score(above, path).passed


def test_floating_point_sums_do_not_fail_a_pass(quiz):
    options = (Option("a", True), Option("b", False))
    light = Check("c", "single", "?", "x", 0.3, options, (), "", "done")
    heavy = Check("d", "single", "?", "x", 0.45, options, (), "", "done")
    path = [grade(light, 0), grade(heavy, 1)]
    assert 0.3 / (0.3 + 0.45) < 0.4  # 0.3 of 0.75 is 0.4, but not in floating point...
    assert score(replace(quiz, pass_mark=0.4), path).passed  # ...and it still passes


def test_path_that_stops_short_has_no_outcome(quiz):
    result = score(quiz, [grade(quiz.step("gate"), "escort")])
    assert result.outcome is None
    assert result.score == pytest.approx(1.25 / 1.5)


def test_empty_path_scores_zero(quiz):
    result = score(quiz, [])
    assert (result.score, result.passed, result.per_competency, result.outcome) == (
        0.0,
        False,
        {},
        None,
    )


# Review helpers


def test_best_choice(quiz, briefing):
    assert best_choice(quiz.step("gate")).id == "escort"
    assert best_choice(briefing) == (Option("Intent, capability and opportunity.", True, "Right."),)
    assert [option.text for option in best_choice(quiz.step("pick"))] == [
        "Sweeping rooms for listening devices.",
        "Keeping drafts in a locked room.",
    ]
    assert best_choice(quiz.step("order"))[0] == "Agree the purpose with the host."
    with pytest.raises(InvalidResponse):
        best_choice(quiz.step("done"))


def test_best_choice_without_a_best_rating():
    choices = (
        Choice("p", "P", "poor", "", (), "e"),
        Choice("a", "A", "acceptable", "", (), "e"),
    )
    assert best_choice(Decision("d", "?", choices)).id == "a"


def test_shuffled_items_are_deterministic_and_never_the_answer(quiz):
    step = quiz.step("order")
    assert shuffled_items(step, 42) == shuffled_items(step, 42)
    orders = {shuffled_items(step, seed) for seed in range(50)}
    assert (0, 1, 2) not in orders
    assert all(sorted(order) == [0, 1, 2] for order in orders)
    assert len(orders) > 1
    assert shuffled_items(step, "user-7:attempt-2") == shuffled_items(step, "user-7:attempt-2")


def test_shuffled_items_of_one_item():
    step = Check("o", "ordering", "?", "x", 1.0, (), ("only",), "", "e")
    assert shuffled_items(step, 1) == (0,)


def test_ending_type():
    assert Ending("e", "success", "T", "x").type == "ending"
    assert Decision("d", "?", ()).type == "decision"
