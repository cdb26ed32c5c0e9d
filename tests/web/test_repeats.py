"""Replaying a scenario with the same answers is not new evidence and teaches nothing new."""

from __future__ import annotations

from sqlalchemy import select

from course.models import Event, LearnerState
from tests.web.test_learn import play, start


def test_the_same_answers_again_leave_the_learner_model_alone(trainee, course, query):  # noqa: ANN001
    client, user = trainee
    play(client, start(client))  # all best: passed
    before = query(select(LearnerState.state).where(LearnerState.user_id == user.id))
    play(client, start(client))  # a review replay, answered exactly as before
    after = query(select(LearnerState.state).where(LearnerState.user_id == user.id))
    assert after["competencies"]["alpha"] == before["competencies"]["alpha"]
    events = query(
        select(Event.data).where(Event.kind == "choice-made").order_by(Event.id), many=True
    )
    flags = [e["repeat"] for data in events for e in data["engine"]]
    assert flags == [False] * 3 + [True] * 3
    finished = query(
        select(Event.data).where(Event.kind == "quiz-passed").order_by(Event.id), many=True
    )
    assert [d["engine"][0]["fresh"] for d in finished] == [True, False]


def test_a_different_answer_on_replay_counts(trainee, course, query):  # noqa: ANN001
    client, user = trainee
    play(client, start(client))
    play(client, start(client), first="c")  # one new answer: fresh evidence, and it teaches
    events = query(
        select(Event.data).where(Event.kind == "choice-made").order_by(Event.id), many=True
    )
    assert [e["repeat"] for data in events[3:] for e in data["engine"]] == [False, True, True]
