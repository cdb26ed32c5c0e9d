"""The scenario graph: rows by distance from the start, merged arrows, unreachable and dead ends."""

from __future__ import annotations

from course import content
from tests.conftest import FIXTURE_COURSE

SOURCE = (FIXTURE_COURSE / "quizzes" / "basics-one.yaml").read_text()


def parsed(text: str) -> content.Quiz:
    quiz, problems = content.parse_quiz(text, "quizzes/basics-one.yaml")
    assert quiz is not None, problems
    return quiz


def test_steps_go_in_rows_by_distance_and_choices_to_one_step_merge():
    graph = content.layout(parsed(SOURCE))
    nodes = {n.id: n for n in graph.nodes}
    assert graph.start == "first"
    assert nodes["first"].y < nodes["second"].y < nodes["third"].y < nodes["finish"].y
    assert nodes["good-end"].y == nodes["bad-end"].y > nodes["finish"].y
    assert nodes["good-end"].caption == "ending: success"
    merged = next(e for e in graph.edges if e.source == "first")
    assert merged.target == "second" and merged.label == "b: poor, a: best, c: acceptable"
    assert merged.rating == "best" and not merged.back
    gate = {e.label: e.target for e in graph.edges if e.source == "finish"}
    assert gate == {"pass": "good-end", "fail": "bad-end"}
    assert not any(n.unreachable or n.dead_end or n.missing for n in graph.nodes)
    assert all(n.x >= 0 and n.x + 170 <= graph.width for n in graph.nodes)


def test_unreachable_steps_dead_ends_and_missing_steps_are_marked():
    text = SOURCE.replace("next: finish", "next: loop", 1) + (
        "  loop:\n    type: single\n    prompt: Again?\n    competency: alpha\n    weight: 1.0\n"
        "    options:\n      - text: Yes.\n        correct: true\n      - text: No.\n"
        "        correct: false\n    next: third\n"
        "  lost:\n    type: ending\n    outcome: failure\n    title: Lost\n    text: Lost.\n"
    )
    text = text.replace("next: loop", "next: nowhere", 1)
    graph = content.layout(parsed(text))
    nodes = {n.id: n for n in graph.nodes}
    assert nodes["lost"].unreachable and "unreachable" in nodes["lost"].caption
    assert nodes["lost"].y == max(n.y for n in graph.nodes)  # the last row
    assert nodes["third"].missing == ("nowhere",)
    cycle = content.layout(parsed(SOURCE.replace("pass: good-end", "pass: first")))
    by_id = {n.id: n for n in cycle.nodes}
    back = next(e for e in cycle.edges if e.source == "finish" and e.target == "first")
    assert back.back
    assert not by_id["finish"].dead_end  # its fail branch still ends
    stuck = SOURCE.replace("pass: good-end", "pass: first").replace("fail: bad-end", "fail: third")
    stuck_nodes = {n.id: n for n in content.layout(parsed(stuck)).nodes}
    assert stuck_nodes["finish"].dead_end and stuck_nodes["first"].dead_end
