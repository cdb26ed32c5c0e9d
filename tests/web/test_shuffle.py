"""Choices and options are shuffled per attempt, stable on resume and shown so on review."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select, update

from course import content
from course.extensions import db
from course.models import Answer, Attempt
from tests.conftest import post_form
from tests.web.test_learn import answer, start

QUIZ = Path(__file__).parents[1] / "fixtures" / "course" / "quizzes" / "basics-one.yaml"
DECISION = content.Decision(
    "d",
    "s",
    tuple(content.Choice(c, c, "poor", "", (), "e") for c in ("a", "b", "c", "d")),
)


def choice_order(html: str) -> list[str]:
    """Return the choice ids of a decision page in the order shown."""
    return re.findall(r'name="choice" id="choice-([a-z0-9-]+)"', html)


def test_the_order_depends_on_the_seed_only() -> None:
    orders = {content.shown_order(DECISION, seed) for seed in range(12)}
    assert len(orders) > 3
    assert content.shown_order(DECISION, 5) == content.shown_order(DECISION, 5)
    assert content.shown_order(DECISION, None) == (0, 1, 2, 3)


def test_resume_and_review_keep_the_order_seen(trainee, course, app, query):  # noqa: ANN001
    client, _ = trainee
    url = start(client)
    attempt = query(select(Attempt))
    seen = choice_order(client.get(url).get_data(as_text=True))
    assert sorted(seen) == ["a", "b", "c"]
    assert choice_order(client.get(url).get_data(as_text=True)) == seen  # resumed: same order
    step = content.parse_quiz(QUIZ.read_text(), "quizzes/basics-one.yaml")[0].step("first")
    assert seen == [step.choices[i].id for i in content.shown_order(step, attempt.seed)]
    answer(client, url, "first", choice="b")
    assert query(select(Answer.shown)) == seen
    answer(client, url, "second", option="0")
    answer(client, url, "third", choice="a")
    review = client.get(url).get_data(as_text=True)
    listed = re.search(r'<ol class="seen">(.*?)</ol>', review, re.S).group(1)
    texts = re.findall(r"<li>(.*?) — ", listed)
    assert texts == [step.choices[[c.id for c in step.choices].index(i)].text for i in seen]
    assert "(your answer)" in listed


def test_two_attempts_get_their_own_orders(trainee, course, app, query):  # noqa: ANN001
    client, _ = trainee
    url = start(client)
    for step, field in (("first", {"choice": "b"}), ("second", {"option": "1"})):
        answer(client, url, step, **field)
    answer(client, url, "third", choice="b")
    second = start(client)
    assert second != url
    seeds = query(select(Attempt.seed).order_by(Attempt.id), many=True)
    assert len(set(seeds)) == 2  # a fresh random seed per attempt
    with app.app_context():  # fix the seeds to two that order the first step differently
        db.session.execute(update(Attempt).where(Attempt.number == 2).values(seed=1))
        db.session.commit()
    one = choice_order(client.get(second).get_data(as_text=True))
    with app.app_context():
        db.session.execute(update(Attempt).where(Attempt.number == 2).values(seed=2))
        db.session.commit()
    two = choice_order(client.get(second).get_data(as_text=True))
    assert sorted(one) == sorted(two) == ["a", "b", "c"] and one != two


def test_options_of_a_check_are_shuffled_but_keep_their_values(trainee, course, query):  # noqa: ANN001
    client, _ = trainee
    url = start(client)
    answer(client, url, "first", choice="a")
    html = client.get(url).get_data(as_text=True)
    values = re.findall(r'name="option" id="option-(\d)" value="(\d)"', html)
    assert sorted(values) == [("0", "0"), ("1", "1")]  # an option's value is its index in the file
    response = post_form(client, url, {"step": "second", "option": "0"}, token_from=url)
    assert response.status_code == 302
    assert query(select(Answer.rating).where(Answer.step_id == "second")) == "best"
