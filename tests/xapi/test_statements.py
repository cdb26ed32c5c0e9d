"""Statements built from each kind of event: valid xAPI 1.0.3, stable ids, the agreed fields."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from course import content, xapi

PLATFORM = xapi.Platform("https://course.example.org/")
LEARNER = xapi.Learner("42", "ann@example.org", (xapi.CohortRef(7, "Spring 2027"),))
AT = datetime(2026, 11, 30, 8, 15, 30, 123456, tzinfo=UTC)
MODULE = xapi.ModuleRef("basics-one", "Basics one", 3)
QUIZ = xapi.QuizRef("basics-one-quiz", "Scenario", 2, "basics-one", "Basics one", False, 11, 1)
STEP = xapi.Interaction("first", "choice", "What now?", (("a", "Talk"), ("b", "Walk")), ("a",))
EVENTS = {
    "experienced": xapi.ModuleExperienced(MODULE, 95, AT),
    "completed": xapi.ModuleCompleted(MODULE, AT),
    "answered": xapi.Answered(
        QUIZ, STEP, ("b",), "poor", 0.0, (xapi.EvidenceItem("alpha", "poor", 1.0),), AT
    ),
    "passed": xapi.QuizFinished(QUIZ, 0.8, 0.7, True, "success", (("alpha", 0.8),), 60, AT),
    "failed": xapi.QuizFinished(QUIZ, 0.2, 0.7, False, "failure", (("alpha", 0.2),), 60, AT),
    "placement": xapi.QuizFinished(
        xapi.QuizRef("placement", "Placement", 1, None, "", True, 12, 1),
        0.5,
        0.0,
        False,
        None,
        (("alpha", 1.0), ("beta", 0.0)),
        300,
        AT,
    ),
    "mastered": xapi.MasteryChanged(
        "alpha", "Alpha skill", True, 0.97, 0.95, "evidence", "2.0", "abc", AT
    ),
    "lost": xapi.MasteryChanged(
        "alpha", "Alpha skill", False, 0.91, 0.95, "forgetting", "2.0", "abc", AT
    ),
    "review": xapi.ReviewDue(
        "alpha", "Alpha skill", 0.81, 0.95, AT - timedelta(days=60), MODULE, AT
    ),
}
VERBS = {
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "placement": "http://adlnet.gov/expapi/verbs/completed",
    "mastered": "http://adlnet.gov/expapi/verbs/mastered",
    "lost": "https://course.example.org/xapi/verbs/lost-mastery",
    "review": "https://course.example.org/xapi/verbs/review-due",
}
EXT = "https://course.example.org/xapi/extensions/"


def build(name: str, platform: xapi.Platform = PLATFORM) -> dict:
    return xapi.build(platform, LEARNER, EVENTS[name], "6f1c2a9e-58a4-4d0b-9a39-5d5b1f0c1e77")


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_statement_is_valid_xapi(name):
    statement = build(name)
    assert xapi.problems(statement) == []
    assert statement["verb"]["id"] == VERBS[name]
    assert statement["id"] == "6f1c2a9e-58a4-4d0b-9a39-5d5b1f0c1e77"
    assert statement["timestamp"] == "2026-11-30T08:15:30.123Z"
    assert statement["version"] == "1.0.3"


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_actor_is_the_account_never_the_email(name):
    statement = build(name)
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://course.example.org", "name": "42"},
    }
    assert "ann@example.org" not in str(statement)


def test_email_only_when_configured():
    statement = build(
        "completed", xapi.Platform("https://course.example.org", identify_by_email=True)
    )
    assert statement["actor"] == {"objectType": "Agent", "mbox": "mailto:ann@example.org"}
    assert xapi.problems(statement) == []


def test_module_ids_are_stable_across_versions_and_the_version_is_in_context():
    first = build("completed")
    later = xapi.build(
        PLATFORM,
        LEARNER,
        xapi.ModuleCompleted(xapi.ModuleRef("basics-one", "Basics one (revised)", 4), AT),
        str(uuid.uuid4()),
    )
    assert first["object"]["id"] == later["object"]["id"]
    assert first["object"]["id"] == "https://course.example.org/xapi/activities/module/basics-one"
    assert first["context"]["extensions"][EXT + "content-version"] == 3
    assert later["context"]["extensions"][EXT + "content-version"] == 4


def test_cohort_and_course_are_grouping_activities():
    grouping = build("completed")["context"]["contextActivities"]["grouping"]
    assert [g["id"] for g in grouping] == [
        "https://course.example.org/xapi/activities/course",
        "https://course.example.org/xapi/activities/cohort/7",
    ]
    assert grouping[1]["definition"]["name"] == {"en-US": "Spring 2027"}


def test_experienced_carries_the_reading_time():
    assert build("experienced")["result"] == {"duration": "PT95S"}


def test_answered_has_response_rating_and_evidence_per_competency():
    statement = build("answered")
    assert statement["object"]["id"] == (
        "https://course.example.org/xapi/activities/scenario/basics-one-quiz/step/first"
    )
    definition = statement["object"]["definition"]
    assert definition["interactionType"] == "choice"
    assert definition["correctResponsesPattern"] == ["a"]
    assert [c["id"] for c in definition["choices"]] == ["a", "b"]
    result = statement["result"]
    assert result["response"] == "b" and result["success"] is False
    assert result["extensions"][EXT + "rating"] == "poor"
    assert result["extensions"][EXT + "evidence"] == [
        {
            "competency": "https://course.example.org/xapi/activities/competency/alpha",
            "rating": "poor",
            "weight": 1.0,
        }
    ]
    context = statement["context"]
    assert context["registration"] == xapi.registration(PLATFORM, 11)
    assert context["contextActivities"]["parent"][0]["id"].endswith("/scenario/basics-one-quiz")
    assert context["extensions"] == {EXT + "content-version": 2, EXT + "attempt": 1}


def test_registration_is_one_uuid_per_attempt():
    assert xapi.registration(PLATFORM, 11) == xapi.registration(PLATFORM, 11)
    assert xapi.registration(PLATFORM, 11) != xapi.registration(PLATFORM, 12)
    assert uuid.UUID(xapi.registration(PLATFORM, 11)).version == 5


def test_quiz_results_have_scaled_and_raw_scores():
    passed, failed = build("passed")["result"], build("failed")["result"]
    assert passed["score"] == {"scaled": 0.8, "raw": 80.0, "min": 0, "max": 100}
    assert passed["success"] is True and failed["success"] is False
    assert passed["extensions"][EXT + "pass-mark"] == 0.7
    assert passed["extensions"][EXT + "outcome"] == "success"


def test_placement_is_completed_with_scores_per_competency():
    statement = build("placement")
    assert "success" not in statement["result"]
    assert statement["object"]["id"].endswith("/scenario/placement")
    assert statement["result"]["extensions"][EXT + "per-competency"][1] == {
        "competency": "https://course.example.org/xapi/activities/competency/beta",
        "score": 0.0,
    }


def test_mastery_statements_carry_the_engine_estimate():
    gained, lost = build("mastered"), build("lost")
    assert gained["result"]["extensions"][EXT + "estimate"] == 0.97
    assert gained["result"]["success"] is True and lost["result"]["success"] is False
    assert lost["result"]["extensions"][EXT + "cause"] == "forgetting"
    assert gained["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/objective"
    assert gained["context"]["extensions"][EXT + "engine-version"] == "2.0"


def test_review_due_names_the_module_to_review_and_its_id_is_the_episode_s():
    statement = build("review")
    assert statement["object"]["id"].endswith("/competency/alpha")
    (module,) = statement["context"]["contextActivities"]["other"]
    assert module["id"].endswith("/module/basics-one")
    extensions = statement["result"]["extensions"]
    assert extensions[EXT + "last-practised"] == "2026-10-01T08:15:30.123Z"
    event = EVENTS["review"]
    same = xapi.ReviewDue("alpha", "Alpha skill", 0.7, 0.95, event.last_practised, None, AT)
    assert xapi.review_id(PLATFORM, LEARNER, event) == xapi.review_id(PLATFORM, LEARNER, same)
    later = xapi.ReviewDue("alpha", "Alpha skill", 0.8, 0.95, AT, None, AT)
    assert xapi.review_id(PLATFORM, LEARNER, event) != xapi.review_id(PLATFORM, LEARNER, later)


def test_timestamps_are_converted_to_utc_and_naive_ones_refused():
    eastern = AT.astimezone(timezone(timedelta(hours=-5)))
    assert xapi.timestamp(eastern) == "2026-11-30T08:15:30.123Z"
    with pytest.raises(ValueError, match="naive"):
        xapi.timestamp(AT.replace(tzinfo=None))


def test_a_bad_statement_id_is_refused():
    with pytest.raises(ValueError):
        xapi.build(PLATFORM, LEARNER, EVENTS["completed"], "not-a-uuid")


def decision() -> content.Decision:
    choice = content.Choice
    return content.Decision(
        "first",
        "The host is late.",
        (choice("b", "Leave", "poor", "", (), "x"), choice("a", "Wait", "best", "", (), "x")),
    )


def check(kind: str) -> content.Check:
    options = (
        content.Option("Yes", True),
        content.Option("No", False),
        content.Option("Also", True),
    )
    return content.Check("q", kind, "Which?", "alpha", 1.0, options, ("one", "two"), "", "x")


def test_steps_become_interactions():
    step = xapi.interaction(decision())
    assert (step.kind, step.correct, step.choices[0]) == ("choice", ("a",), ("b", "Leave"))
    assert xapi.interaction(check("multiple")).correct == ("0", "2")
    ordering = xapi.interaction(check("ordering"))
    assert (ordering.kind, ordering.correct) == ("sequencing", ("0", "1"))
    assert xapi.response(decision(), "a") == ("a",)
    assert xapi.response(check("single"), 1) == ("1",)
    assert xapi.response(check("multiple"), (0, 2)) == ("0", "2")
