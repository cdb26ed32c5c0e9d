"""Engine commands: recompute learner states from events, fit parameters from history."""

from __future__ import annotations

from sqlalchemy import select

from course.models import LearnerState
from tests.conftest import post_form


def play(client, quiz: str, first: str) -> None:
    url = post_form(
        client, f"/learn/quizzes/{quiz}/start", token_from=f"/learn/quizzes/{quiz}"
    ).headers["Location"]
    for step, field, value in (
        ("first", "choice", first),
        ("second", "option", "0"),
        ("third", "choice", "a"),
    ):
        post_form(client, url, {"step": step, field: value}, token_from=url)


def test_recompute_rebuilds_the_same_state(trainee, course, runner, query):
    client, user = trainee
    play(client, "basics-one-quiz", "a")
    before = query(select(LearnerState.state))
    result = runner.invoke(args=["engine", "recompute"])
    assert (
        result.exit_code == 0 and "Recomputed the learner state of 1 trainee(s)." in result.output
    )
    assert query(select(LearnerState.state)) == before
    one = runner.invoke(args=["engine", "recompute", "--user", user.email])
    assert "of 1 trainee(s)" in one.output
    unknown = runner.invoke(args=["engine", "recompute", "--user", "ghost@example.org"])
    assert unknown.exit_code == 1 and "No account with email ghost@example.org" in unknown.output


def test_fit_reports_per_competency(login, course, runner):
    empty = runner.invoke(args=["engine", "fit"])
    assert empty.exit_code == 1 and "nothing to fit" in empty.output
    for first in ("a", "b", "c"):
        client, _ = login()
        play(client, "basics-one-quiz", first)
    result = runner.invoke(args=["engine", "fit"])
    assert result.exit_code == 0, result.output
    assert "alpha" in result.output


def test_quickstart_without_serving(runner, app, query):
    result = runner.invoke(args=["quickstart", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output and "Demo logins" in result.output


def test_rules_that_judged_are_kept_under_their_hash(trainee, course, query):
    from course.models import Attempt, JudgingRules

    client, _ = trainee
    play(client, "basics-one-quiz", "a")
    judged = query(select(Attempt.judged_by))
    rules = query(select(JudgingRules).where(JudgingRules.params_hash == judged["params_hash"]))
    assert rules is not None and rules.engine_version == judged["engine_version"]
    assert {c["id"] for c in rules.catalogue["competencies"]} == {"alpha", "beta"}
