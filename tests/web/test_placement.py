"""The shipped placement check lets an experienced officer skip what they already know."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course import content
from course.services import catalogue, importer
from tests.conftest import post_form

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shipped(app) -> content.Quiz:
    with app.app_context():
        importer.import_folder(ROOT)
        return catalogue.parsed_quiz(catalogue.quiz_version("placement"))


def take(client, quiz: content.Quiz, pick) -> str:  # noqa: ANN001
    url = post_form(
        client, "/learn/quizzes/placement/start", token_from="/learn/quizzes/placement"
    ).headers["Location"]
    step = quiz.step(quiz.start)
    while not isinstance(step, content.Ending):
        if isinstance(step, content.Decision):
            choice = pick(step.choices)
            post_form(client, url, {"step": step.id, "choice": choice.id}, token_from=url)
            step = quiz.step(choice.next)
        else:
            fields = {f"position-{i}": str(i + 1) for i in range(len(step.items))}
            correct = [str(i) for i, o in enumerate(step.options) if o.correct]
            fields |= {"option": correct[0] if step.type == "single" else correct}
            post_form(client, url, {"step": step.id, **fields}, token_from=url)
            step = quiz.step(step.next)
    return url


def best(choices):  # noqa: ANN001, ANN201
    return next(c for c in choices if c.rating == "best")


def test_expert_skips_modules_after_placement(trainee, shipped):
    client, _ = trainee
    assert client.get("/learn/").headers["Location"] == "/learn/welcome"
    take(client, shipped, best)
    path = client.get("/learn/").get_data(as_text=True)
    assert path.lower().count("placement showed mastery") == 24  # all but the 4 capstones
    assert re.search(r'<h2 id="next-heading">Continue: Capstone', path)
    mastered = re.findall(r'aria-label="[^"]+: (\d+)%"', path)
    assert mastered and all(int(m) >= 95 for m in mastered)


def test_novice_starts_at_the_beginning(trainee, shipped):
    client, _ = trainee
    take(client, shipped, lambda choices: next(c for c in choices if c.rating == "poor"))
    path = client.get("/learn/").get_data(as_text=True)
    assert "placement showed mastery" not in path.lower()
    assert "Continue: What the military brings to peace talks" in path
