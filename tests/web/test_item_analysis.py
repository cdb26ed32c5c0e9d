"""Item analysis: figures checked against a hand-computed example; filters; a fixed query count.

The example (the fixture quiz basics-one: decision `first` a best / b poor / c acceptable, single
check `second` option 0 right, decision `third` a best / b poor), values best 1, acceptable 0.5,
poor 0:

    attempt  first  second  third  status
    1        a 1    0 1     a 1    finished
    2        a 1    0 1     b 0    finished
    3        b 0    0 1     a 1    finished
    4        c .5   1 0     b 0    finished
    5        b 0    1 0     b 0    finished
    6        a 1    -       -      stopped at `second`
    7        -      -       -      stopped at `first` (no answer)

Step `first`: facility 3/6 = 0.5. Rest-of-attempt scores (mean of the other answers) of attempts
1-5: 1, .5, 1, 0, 0 (attempt 6 has no other answer and is left out). Best chosen by 1 and 2:
M1 = .75, M0 = 1/3, p = .4, population SD = sqrt(.2), so r = (.75 - 1/3) / sqrt(.2) * sqrt(.24)
= 0.4564. Upper 27% of 5 = 1 attempt, with ties: attempts 1 and 3 (rest 1): a and b; lower:
attempts 4 and 5 (rest 0): c and b.
Step `second`: facility 3/5 = .6; rests 1, .5, .5, .25, 0; M1 = 2/3, M0 = .125, SD = sqrt(.11):
r = 0.8001. Step `third`: facility 2/5 = .4; rests 1, 1, .5, .25, 0; M1 = .75, M0 = 5/12,
SD = .4: r = 0.4082.
Times: each attempt answers `first` 10 s x its number after starting, `second` 20 s later and
`third` 30 s after that: medians 35, 20 and 30 s.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from course import content
from course.extensions import db
from course.services import analysis
from tests.conftest import FIXTURE_COURSE, post_form
from tests.conftest import count_queries as queries

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PLAYS = {
    1: ["a", 0, "a"],
    2: ["a", 0, "b"],
    3: ["b", 0, "a"],
    4: ["c", 1, "b"],
    5: ["b", 1, "b"],
    6: ["a"],
    7: [],
}
RATINGS = {"first": {"a": 1.0, "b": 0.0, "c": 0.5}, "second": {0: 1.0, 1: 0.0}}
RATINGS["third"] = {"a": 1.0, "b": 0.0}
NAMES = {1.0: "best", 0.5: "acceptable", 0.0: "poor"}


def example() -> tuple[content.Quiz, list, list]:
    quiz, _ = content.parse_quiz(
        (FIXTURE_COURSE / "quizzes" / "basics-one.yaml").read_text(), "quizzes/basics-one.yaml"
    )
    attempts, answers = [], []
    for n, responses in PLAYS.items():
        start = T0 + timedelta(hours=n)
        finished = len(responses) == 3
        current = ["first", "second", "third"][len(responses)] if not finished else "good-end"
        attempts.append(
            analysis.AttemptRow(n, "finished" if finished else "in-progress", current, start)
        )
        at = start
        for position, (step, response) in enumerate(
            zip(["first", "second", "third"], responses, strict=False)
        ):
            at += timedelta(seconds=[10 * n, 20, 30][position])
            value = RATINGS[step][response]
            answers.append(analysis.AnswerRow(n, position, step, response, NAMES[value], value, at))
    return quiz, attempts, answers


def test_figures_match_the_hand_computed_example():
    steps, at_start = analysis.analyse(*example())
    first, second, third = steps
    assert at_start == 1
    assert (first.answered, second.answered, third.answered) == (6, 5, 5)
    assert first.reached == pytest.approx(6 / 7) and second.reached == pytest.approx(5 / 7)
    assert (first.facility, second.facility, third.facility) == (0.5, 0.6, 0.4)
    assert first.discrimination == pytest.approx(0.4564355, abs=1e-6)
    assert second.discrimination == pytest.approx(0.8000946, abs=1e-6)
    assert third.discrimination == pytest.approx(0.4082483, abs=1e-6)
    assert (first.median_seconds, second.median_seconds, third.median_seconds) == (35, 20, 30)
    assert (first.stopped, second.stopped, third.stopped) == (0, 1, 0)
    a, b, c = (next(x for x in first.choices if x.key == key) for key in "abc")
    assert (a.count, b.count, c.count) == (3, 2, 1)
    assert a.share == 0.5 and b.of_attempts == pytest.approx(2 / 7)
    assert (a.upper, a.lower, b.upper, b.lower, c.upper, c.lower) == (0.5, 0, 0.5, 0.5, 0, 0.5)
    assert not b.strong_distractor and not c.unused
    right, wrong = second.choices
    assert (right.count, wrong.count, right.rating) == (3, 2, "best")
    assert first.flags == [] and second.flags == [] and third.flags == []


def test_flags_follow_the_stated_rules():
    quiz, attempts, answers = example()
    step = quiz.step("first")
    easy = analysis.StepFigures(step, answered=5, facility=0.9, discrimination=-0.01)
    assert easy.flags == ["too easy", "negative discrimination"]
    assert analysis.StepFigures(step, answered=5, facility=0.2).flags == ["too hard"]
    assert analysis.StepFigures(step, answered=4, facility=0.0).flags == []
    strong = analysis.ChoiceFigures("b", "B", "poor", count=1, upper=0.5, lower=0.25)
    unused = analysis.ChoiceFigures("c", "C", "acceptable", count=0, upper=0, lower=0)
    assert strong.strong_distractor and unused.unused and not strong.unused
    flagged = analysis.StepFigures(step, answered=5, facility=0.5, choices=[strong, unused])
    assert flagged.flags == ["strong distractor b"]


def test_point_biserial_is_undefined_without_spread():
    assert analysis.point_biserial([(1.0, 0.5)]) is None
    assert analysis.point_biserial([(1.0, 0.5), (1.0, 0.2)]) is None  # nobody missed it
    assert analysis.point_biserial([(1.0, 0.5), (0.0, 0.5)]) is None  # no spread in scores
    assert analysis.point_biserial([(1.0, 0.0), (0.0, 1.0)]) == pytest.approx(-1.0)


def play(login, choices):  # noqa: ANN001, ANN201
    """A new trainee plays basics-one's quiz with these answers; return the trainee."""
    client, user = login()
    url = post_form(
        client, "/learn/quizzes/basics-one-quiz/start", token_from="/learn/quizzes/basics-one-quiz"
    ).headers["Location"]
    for step, field, value in choices:
        post_form(client, url, {"step": step, field: value}, token_from=url)
    return user


URL = "/author/studio/quizzes/basics-one/analysis"


def test_page_filters_by_cohort_and_version_in_a_fixed_number_of_queries(
    instructor, login, course, app
):
    from course.services import accounts

    client, _ = instructor
    first = play(login, [("first", "choice", "a"), ("second", "option", "0")])
    play(login, [("first", "choice", "b")])
    before = queries(app, lambda: client.get(URL))
    for _ in range(3):
        play(login, [("first", "choice", "c"), ("second", "option", "1"), ("third", "choice", "b")])
    assert queries(app, lambda: client.get(URL)) == before
    html = client.get(URL).get_data(as_text=True)
    assert (
        "<strong>5</strong> attempts on version 1" in html and "<strong>3</strong> finished" in html
    )
    assert "(0 passed, mean score 17%)" in html  # each: c acceptable, check wrong, b poor: 0.5/3
    assert "point-biserial correlation" in html and "Facility at or above 90%" in html
    with app.app_context():
        cohort = accounts.create_cohort("Alpha", trainees=[db.session.get(type(first), first.id)])
        cohort_id = cohort.id
    mine = client.get(f"{URL}?cohort={cohort_id}").get_data(as_text=True)
    assert "<strong>1</strong> attempt on version 1 by this cohort" in mine
    assert client.get(f"{URL}?cohort=999").status_code == 404
    assert client.get(f"{URL}?version=9").status_code == 404
    assert client.get("/author/studio/quizzes/nope/analysis").status_code == 404
    assert client.get(f"{URL}?version=1").status_code == 200
