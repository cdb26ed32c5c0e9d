"""Cross-file rules: every problem names its file and line and says how to fix it."""

from __future__ import annotations

from course.content import check, validate


def messages(content) -> set[str]:
    """Return every problem as 'path:line: message' (without the fix)."""
    return {f"{p.path}:{p.line}: {p.message}" for p in content.problems()}


# Unknown references


def test_unknown_track_in_a_module(content, assert_problem):
    content.replace("modules/sec-1.md", "track: security-risk", "track: security-risks")
    problem = assert_problem(
        "modules/sec-1.md", "track: security-risks", "unknown track 'security-risks'"
    )
    assert "did you mean 'security-risk'" in problem.fix


def test_unknown_track_in_competencies(content, assert_problem):
    content.replace(
        "modules/competencies.yaml",
        "    track: security-risk\n    description: Protect",
        "    track: safety\n    description: Protect",
    )
    assert_problem("modules/competencies.yaml", "track: safety", "unknown track 'safety'")


def test_unknown_prerequisite_module(content, assert_problem):
    content.replace("modules/sec-2.md", "  - sec-1", "  - sec-3")
    assert_problem("modules/sec-2.md", "  - sec-3", "prerequisite module 'sec-3' does not exist")


def test_unknown_competency_in_module(content, assert_problem):
    content.replace("modules/sec-2.md", "  threat-assessment: 0.5", "  threat-assesment: 0.5")
    problem = assert_problem(
        "modules/sec-2.md", "threat-assesment: 0.5", "unknown competency 'threat-assesment'"
    )
    assert "did you mean 'threat-assessment'" in problem.fix


def test_unknown_competency_in_prerequisite(content, assert_problem):
    content.replace(
        "modules/sec-2.md", "  - competency: threat-assessment", "  - competency: threats"
    )
    assert_problem("modules/sec-2.md", "competency: threats", "unknown competency 'threats'")


def test_unknown_competency_in_evidence(content, assert_problem):
    content.replace(
        "quizzes/sec-2.yaml",
        "          - competency: threat-assessment",
        "          - competency: rapport",
    )
    assert_problem("quizzes/sec-2.yaml", "competency: rapport", "unknown competency 'rapport'")


def test_unknown_competency_in_a_check(content, assert_problem):
    content.replace(
        "quizzes/sec-1.yaml", "    competency: threat-assessment", "    competency: rapport"
    )
    assert_problem("quizzes/sec-1.yaml", "competency: rapport", "unknown competency 'rapport'")


def test_prerequisite_cycle_is_named(content, assert_problem):
    content.replace(
        "modules/sec-1.md",
        "  threat-assessment: 1.0\n",
        "  threat-assessment: 1.0\nprerequisites:\n  - sec-2\n",
    )
    assert_problem(
        "modules/sec-2.md", "  - sec-1", "prerequisites form a cycle: sec-1 -> sec-2 -> sec-1"
    )


def test_longer_prerequisite_cycle(content):
    third = (
        content.read("modules/sec-2.md")
        .replace("id: sec-2", "id: sec-3")
        .replace("  - sec-1\n", "  - sec-2\n")
    )
    content.write("modules/sec-3.md", third)
    content.write(
        "quizzes/sec-3.yaml", content.read("quizzes/sec-2.yaml").replace("sec-2", "sec-3")
    )
    content.replace(
        "modules/sec-1.md",
        "  threat-assessment: 1.0\n",
        "  threat-assessment: 1.0\nprerequisites:\n  - sec-3\n",
    )
    # The cycle is reported once, at the prerequisite that closes it (sec-2 naming sec-1).
    line = content.line("modules/sec-2.md", "  - sec-1")
    assert messages(content) == {
        f"modules/sec-2.md:{line}: prerequisites form a cycle: sec-1 -> sec-3 -> sec-2 -> sec-1"
    }


def test_self_prerequisite(content, assert_problem):
    content.replace("modules/sec-2.md", "  - sec-1", "  - sec-2")
    assert_problem("modules/sec-2.md", "  - sec-2", "cycle: sec-2 -> sec-2")


# Quiz graphs


def test_next_names_a_missing_step(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "next: end-good", "next: end-bad")
    problem = assert_problem("quizzes/sec-1.yaml", "next: end-bad", "there is no step 'end-bad'")
    assert "did you mean 'end-good'" in problem.fix


def test_start_names_a_missing_step(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "start: arrival", "start: arival")
    assert_problem("quizzes/sec-1.yaml", "start: arival", "there is no step 'arival'")


def test_unreachable_step(content, assert_problem):
    extra = "  orphan:\n    type: ending\n    outcome: failure\n    title: Lost\n    text: Lost.\n"
    content.write("quizzes/sec-1.yaml", content.read("quizzes/sec-1.yaml") + extra)
    assert_problem(
        "quizzes/sec-1.yaml",
        "  orphan:",
        "step 'orphan' cannot be reached from the start 'arrival'",
    )


def test_loop_is_named(content):
    content.replace("quizzes/sec-1.yaml", "next: end-good", "next: arrival")
    loop_line = content.line("quizzes/sec-1.yaml", "next: arrival")
    end_line = content.line("quizzes/sec-1.yaml", "  end-good:")
    assert messages(content) == {
        f"quizzes/sec-1.yaml:{loop_line}: the path loops: arrival -> briefing -> arrival",
        f"quizzes/sec-1.yaml:{end_line}: "
        "step 'end-good' cannot be reached from the start 'arrival'",
    }


def test_step_with_no_way_to_an_ending(content):
    content.replace("quizzes/sec-2.yaml", "next: done", "next: order")
    path = "quizzes/sec-2.yaml"
    assert messages(content) == {
        f"{path}:{content.line(path, 'next: order', 3)}: the path loops: order -> pick -> order",
        f"{path}:{content.line(path, '  gate:')}: no path from step 'gate' reaches an ending",
        f"{path}:{content.line(path, '  done:')}: "
        "step 'done' cannot be reached from the start 'gate'",
    }


def test_decision_with_one_choice(content):
    text = content.read("quizzes/sec-1.yaml")
    start, end = text.index("      - id: b"), text.index("  briefing:")
    content.write("quizzes/sec-1.yaml", text[:start] + text[end:])
    path, line = "quizzes/sec-1.yaml", content.line("quizzes/sec-1.yaml", "    choices:")
    assert messages(content) == {
        f"{path}:{line}: decision point 'arrival' has 1 choice(s)",
        f"{path}:{content.line(path, 'steps:')}: "
        "no decision point in this quiz has choices that differ in rating",
    }


def test_choice_without_feedback(content, assert_problem):
    content.replace(
        "quizzes/sec-1.yaml", "        feedback: You learn nothing about the ground.\n", ""
    )
    assert_problem("quizzes/sec-1.yaml", "- id: b", "choice 'b' of step 'arrival' has no feedback")


def test_choice_without_evidence(content, assert_problem):
    old = (
        "        feedback: You learn nothing about the ground.\n"
        "        evidence:\n          - competency: threat-assessment\n            weight: 1.0\n"
    )
    content.replace(
        "quizzes/sec-1.yaml", old, "        feedback: You learn nothing about the ground.\n"
    )
    assert_problem(
        "quizzes/sec-1.yaml", "- id: b", "choice 'b' of step 'arrival' gives no evidence"
    )


def test_quiz_without_a_rated_decision(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "rating: poor", "rating: best")
    assert_problem(
        "quizzes/sec-1.yaml",
        "steps:",
        "no decision point in this quiz has choices that differ in rating",
    )


def test_single_choice_needs_exactly_one_correct(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "        correct: false", "        correct: true")
    problem = assert_problem(
        "quizzes/sec-1.yaml", "    options:", "single check 'briefing' has 2 correct options"
    )
    assert "exactly one" in problem.fix


def test_single_choice_with_none_correct(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "        correct: true", "        correct: false")
    assert_problem(
        "quizzes/sec-1.yaml", "    options:", "single check 'briefing' has 0 correct options"
    )


def test_multiple_choice_needs_a_correct_option(content, assert_problem):
    text = content.read("quizzes/sec-2.yaml").replace("correct: true", "correct: false")
    content.write("quizzes/sec-2.yaml", text)
    assert_problem(
        "quizzes/sec-2.yaml", "    options:", "multiple check 'pick' has no correct option"
    )


def test_ordering_needs_two_items(content, assert_problem):
    content.replace(
        "quizzes/sec-2.yaml", "      - Walk the perimeter.\n      - Agree the access plan.\n", ""
    )
    assert_problem(
        "quizzes/sec-2.yaml", "    items:", "ordering check 'order' has fewer than two items"
    )


# Modules and quizzes


def test_module_with_no_quiz(content):
    (content.root / "quizzes/sec-2.yaml").unlink()
    line = content.line("modules/competencies.yaml", "- id: protective-measures")
    assert messages(content) == {
        "modules/sec-2.md:2: module 'sec-2' has no quiz",
        f"modules/competencies.yaml:{line}: no quiz tests 'protective-measures'",
    }


def test_quiz_with_no_module(content):
    content.replace("quizzes/sec-2.yaml", "module: sec-2\n", "")
    assert "quizzes/sec-2.yaml:1: quiz 'sec-2-quiz' belongs to no module" in messages(content)
    assert "modules/sec-2.md:2: module 'sec-2' has no quiz" in messages(content)


def test_quiz_for_a_missing_module(content):
    content.write(
        "quizzes/sec-9.yaml", content.read("quizzes/sec-2.yaml").replace("sec-2", "sec-9")
    )
    line = content.line("quizzes/sec-9.yaml", "module: sec-9")
    assert messages(content) == {
        f"quizzes/sec-9.yaml:{line}: quiz 'sec-9-quiz' is for module 'sec-9', which does not exist"
    }


def test_two_quizzes_for_one_module(content):
    content.write(
        "quizzes/zz.yaml",
        content.read("quizzes/sec-2.yaml").replace("id: sec-2-quiz", "id: other-quiz"),
    )
    line = content.line("quizzes/zz.yaml", "module: sec-2")
    assert (
        f"quizzes/zz.yaml:{line}: module 'sec-2' already has a quiz in quizzes/sec-2.yaml"
        in messages(content)
    )


def test_competency_nobody_teaches_or_tests(content):
    extra = (
        "  - id: rapport\n    name: Rapport\n    track: security-risk\n    description: Trust.\n"
    )
    content.write("modules/competencies.yaml", content.read("modules/competencies.yaml") + extra)
    line = content.line("modules/competencies.yaml", "- id: rapport")
    assert messages(content) == {
        f"modules/competencies.yaml:{line}: no module teaches 'rapport'",
        f"modules/competencies.yaml:{line}: no quiz tests 'rapport'",
        f"quizzes/placement.yaml:{content.line('quizzes/placement.yaml', 'steps:')}: "
        "the placement check gives no evidence on 'rapport'",
    }


def test_placement_only_evidence_does_not_count_as_tested(content):
    content.replace(
        "quizzes/sec-2.yaml",
        "competency: protective-measures\n    weight: 0.5",
        "competency: threat-assessment\n    weight: 0.5",
    )
    content.replace(
        "quizzes/sec-2.yaml",
        "competency: protective-measures\n    weight: 1.0",
        "competency: threat-assessment\n    weight: 1.0",
    )
    text = content.read("quizzes/sec-2.yaml").replace(
        "- competency: protective-measures", "- competency: threat-assessment"
    )
    content.write("quizzes/sec-2.yaml", text)
    line = content.line("modules/competencies.yaml", "- id: protective-measures")
    assert messages(content) == {
        f"modules/competencies.yaml:{line}: no quiz tests 'protective-measures'"
    }


def test_placement_misses_a_competency(content):
    text = content.read("quizzes/placement.yaml").replace(
        "          - competency: protective-measures\n            weight: 1.0\n", ""
    )
    content.write("quizzes/placement.yaml", text)
    line = content.line("quizzes/placement.yaml", "steps:")
    assert messages(content) == {
        f"quizzes/placement.yaml:{line}: "
        "the placement check gives no evidence on 'protective-measures'"
    }


def test_no_placement_check(content):
    (content.root / "quizzes/placement.yaml").unlink()
    assert [str(p) for p in content.problems()] == [
        "quizzes/placement.yaml:1: there is no placement check - add quizzes/placement.yaml with "
        "`placement: true` and evidence on every competency"
    ]


# Module bodies


def test_h1_in_body(content, assert_problem):
    content.replace("modules/sec-2.md", "A short refresher", "# Protection\n\nA short refresher")
    assert_problem("modules/sec-2.md", "# Protection", "the body has a `#` heading")


def test_unknown_callout(content, assert_problem):
    content.replace(
        "modules/sec-2.md",
        "A short refresher on protection.\n",
        "A short refresher.\n\n::: warning Careful\nText.\n:::\n",
    )
    assert_problem("modules/sec-2.md", "::: warning", "unknown callout 'warning'")


def test_core_module_needs_vignette_and_sections(content):
    text = content.read("modules/sec-1.md")
    text = text.replace("::: vignette Kaesong, 1951", "::: key-point").replace(
        "## Key terms", "## Terms"
    )
    text = text.replace("## Reflection questions", "## Questions")
    content.write("modules/sec-1.md", text)
    line = content.line("modules/sec-1.md", "kind: core")
    assert messages(content) == {
        f"modules/sec-1.md:{line}: this core module has no vignette",
        f"modules/sec-1.md:{line}: this core module has no `## Key terms`",
        f"modules/sec-1.md:{line}: this core module has no `## Reflection questions`",
    }


# Collection, order and use without files


def test_problems_from_many_files_are_all_listed_in_order(content):
    content.replace("modules/sec-1.md", "track: security-risk", "track: nowhere")
    content.replace("quizzes/sec-1.yaml", "next: end-good", "next: end-bad")
    content.replace("modules/sec-2.md", "  - sec-1", "  - sec-7")
    problems = content.problems()
    assert [p.path for p in problems] == [
        "modules/sec-1.md",
        "modules/sec-2.md",
        "quizzes/sec-1.yaml",
    ]
    assert all(str(p).count(" - ") >= 1 for p in problems)


def test_validate_works_on_a_catalogue_without_source(content):
    catalogue, _ = check(content.root)
    assert validate(catalogue) == []
