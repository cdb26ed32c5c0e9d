"""The validator the tests use knows the xAPI 1.0.3 rules: each rule caught on its own."""

from __future__ import annotations

import copy

import pytest

from course import xapi

GOOD = {
    "id": "6f1c2a9e-58a4-4d0b-9a39-5d5b1f0c1e77",
    "actor": {"objectType": "Agent", "account": {"homePage": "https://x.org", "name": "1"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
    "object": {
        "objectType": "Activity",
        "id": "https://x.org/xapi/activities/scenario/q",
        "definition": {"type": "http://adlnet.gov/expapi/activities/assessment"},
    },
    "result": {"score": {"scaled": 0.5, "raw": 50, "min": 0, "max": 100}, "duration": "PT1M5S"},
    "context": {"registration": "0a9b7c3e-1d2f-5a6b-8c7d-9e0f1a2b3c4d", "language": "en-US"},
    "timestamp": "2026-11-30T08:00:00.000Z",
    "version": "1.0.3",
}


def broken(path: str, value: object) -> dict:
    statement = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = statement
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return statement


DELETE = object()


def test_the_good_statement_passes():
    assert xapi.problems(GOOD) == []


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("actor", DELETE, "actor: required"),
        ("verb", DELETE, "verb: required"),
        ("object", DELETE, "object: required"),
        ("id", "12345", "id: must be a UUID"),
        ("verb.id", "passed", "verb.id: must be an absolute IRI"),
        ("object.id", "/relative/path", "object.id: must be an absolute IRI"),
        ("object.definition.type", "assessment", "object.definition.type: must be an absolute"),
        ("actor.account.homePage", "course.example.org", "homePage: must be an IRL"),
        ("actor.mbox", "mailto:a@b.org", "needs exactly one identifier"),
        ("result.score.scaled", 1.5, "scaled: must be between -1 and 1"),
        ("result.score.scaled", -1.01, "scaled: must be between -1 and 1"),
        ("result.score.raw", 101, "raw: must not be above max"),
        ("result.score.raw", -1, "raw: must not be below min"),
        ("result.score.min", 100, "min must be less than max"),
        ("result.duration", "65 seconds", "duration: must be an ISO 8601 duration"),
        ("result.success", "yes", "success: must be true or false"),
        ("result.extensions", {"rating": "best"}, "must be an absolute IRI"),
        ("context.registration", "attempt-11", "registration: must be a UUID"),
        ("context.language", "english language", "language: must be an RFC 5646"),
        ("timestamp", "30/11/2026 08:00", "timestamp: must be an ISO 8601 timestamp"),
        ("timestamp", "2026-11-30T09:00:00+01:00", "timestamp: must be in UTC"),
        ("version", "0.95", "version: must be 1.0.x"),
        ("verb.display", {"en-US": 3}, "must map an RFC 5646 language tag to a string"),
        ("grade", "A", "grade: not a statement property"),
    ],
)
def test_each_rule_is_caught(path, value, message):
    found = xapi.problems(broken(path, value))
    assert any(message in problem for problem in found), found


def test_scaled_score_bounds_are_inclusive():
    assert xapi.problems(broken("result.score.scaled", -1)) == []
    assert xapi.problems(broken("result.score.scaled", 1)) == []


def test_interaction_components_need_an_interaction_type_and_unique_ids():
    choices = [{"id": "a", "description": {"en-US": "A"}}, {"id": "a"}]
    found = xapi.problems(broken("object.definition.choices", choices))
    assert any("need an interactionType" in p for p in found)
    found = xapi.problems(
        broken("object.definition", {"interactionType": "choice", "choices": choices})
    )
    assert any("component ids must be unique" in p for p in found)


def test_a_statement_must_be_an_object():
    assert xapi.problems(["not", "a", "statement"]) == ["statement: must be a JSON object"]
