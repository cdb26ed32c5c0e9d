"""Parsing: the valid folder's values, and every per-file problem with its file and line."""

from __future__ import annotations

import hashlib

import pytest

from course.content import (
    Decision,
    Ending,
    EngineParams,
    Evidence,
    Prerequisite,
    check,
    parse,
    parse_quiz,
)

# The valid folder


def test_valid_folder_has_no_problems(content):
    catalogue, problems = check(content.root)
    assert [p for p in problems if p.is_error] == []
    assert [module.id for module in catalogue.modules] == ["sec-1", "sec-2"]
    assert [quiz.id for quiz in catalogue.quizzes] == ["placement", "sec-1-quiz", "sec-2-quiz"]
    assert catalogue.placement is catalogue.quiz("placement")


def test_competencies_get_default_params_with_overrides(content):
    catalogue, _ = check(content.root)
    assert catalogue.competency("threat-assessment").params == EngineParams(prior=0.2)
    assert catalogue.competency("protective-measures").params == EngineParams()
    assert EngineParams() == EngineParams(0.15, 0.20, 0.20, 0.10, 0.01, 0.95)


def test_module_values(content):
    module = check(content.root)[0].module("sec-2")
    assert (module.level, module.minutes, module.kind) == (2, 5, "refresher")
    assert module.competencies == (("protective-measures", 1.0), ("threat-assessment", 0.5))
    assert module.prerequisites == (
        Prerequisite(module="sec-1"),
        Prerequisite(competency="threat-assessment", mastery=0.6),
    )
    assert module.objectives == ("Balance protection and access.",)
    assert module.body.strip() == "A short refresher on protection."
    assert module.path == "modules/sec-2.md"
    expected = hashlib.sha256((content.root / module.path).read_bytes()).hexdigest()
    assert module.sha256 == expected


def test_quiz_values_and_lookups(content):
    catalogue, _ = check(content.root)
    quiz = catalogue.quiz_for("sec-2")
    assert (quiz.id, quiz.module, quiz.pass_mark, quiz.feedback) == (
        "sec-2-quiz",
        "sec-2",
        0.6,
        "end",
    )
    assert (quiz.max_attempts, quiz.cooldown_hours, quiz.placement) == (0, 12.0, False)
    assert [step.id for step in quiz.steps] == ["gate", "order", "pick", "done"]
    assert [step.type for step in quiz.steps] == ["decision", "ordering", "multiple", "ending"]
    assert isinstance(quiz.step("done"), Ending)
    with pytest.raises(KeyError):
        quiz.step("nowhere")
    assert catalogue.module("nowhere") is None
    assert catalogue.quiz_for("nowhere") is None
    assert catalogue.track("security-risk").name == "Security risk"


def test_evidence_rating_defaults_to_the_choice_rating(content):
    gate = check(content.root)[0].quiz("sec-2-quiz").step("gate")
    assert isinstance(gate, Decision)
    assert gate.choices[0].evidence == (
        Evidence("protective-measures", "best", 1.0),
        Evidence("threat-assessment", "acceptable", 0.5),
    )
    assert gate.choices[1].evidence == (Evidence("protective-measures", "acceptable", 1.0),)


def test_parse_alone_does_not_validate(content):
    content.write(
        "quizzes/sec-2.yaml", content.read("quizzes/sec-2.yaml").replace("next: done", "next: x")
    )
    parsed = parse(content.root)
    assert parsed.problems == ()
    assert parsed.catalogue is not None


def test_nothing_to_parse_gives_no_catalogue(tmp_path):
    catalogue, problems = check(tmp_path)
    assert catalogue is None
    assert [str(problem) for problem in problems] == [
        "modules/competencies.yaml:1: the file is missing - create it with the tracks and "
        "competencies (see docs/authoring.md)"
    ]


# Bad YAML, with the line YAML gives


def test_bad_yaml_in_a_quiz(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "text: Your survey kept", "text: Note: your survey kept")
    assert_problem("quizzes/sec-1.yaml", "Note: your survey", "invalid YAML", "mapping values")


def test_bad_yaml_in_front_matter_gives_the_line_in_the_md_file(content, assert_problem):
    content.replace("modules/sec-2.md", "title: Protection refresher", "title: [Protection")
    problem = content.only_problem()
    assert problem.path == "modules/sec-2.md"
    assert "invalid YAML" in problem.message
    # YAML notices the unclosed bracket at the next key; lines count from the file's first line.
    assert problem.line == content.line("modules/sec-2.md", "track: security-risk")


def test_bad_yaml_in_competencies(content, assert_problem):
    content.replace("modules/competencies.yaml", "  - id: protective-measures", "  - id: [x")
    assert "invalid YAML" in content.problems()[0].message
    assert content.problems()[0].path == "modules/competencies.yaml"


def test_missing_front_matter(content, assert_problem):
    content.write("modules/sec-2.md", "# Protection\n\nNo front matter.\n")
    assert_problem("modules/sec-2.md", "# Protection", "no front matter")


def test_unclosed_front_matter(content, assert_problem):
    content.write(
        "modules/sec-2.md", content.read("modules/sec-2.md").replace("---\n\nA short", "\nA short")
    )
    assert_problem("modules/sec-2.md", "---", "never closed")


def test_not_utf8(content):
    (content.root / "modules/sec-2.md").write_bytes(b"---\nid: sec-2\ntitle: caf\xe9\n---\n")
    problem = content.only_problem()
    assert (problem.path, problem.line) == ("modules/sec-2.md", 3)
    assert "UTF-8" in problem.message


def test_yml_extension_is_reported(content):
    content.write("quizzes/extra.yml", "id: extra\n")
    problem = content.only_problem()
    assert (problem.path, problem.line) == ("quizzes/extra.yml", 1)
    assert "rename it to extra.yaml" in problem.fix


# Unknown and missing fields


def test_unknown_field_in_front_matter(content, assert_problem):
    content.replace("modules/sec-1.md", "level: 1\n", "level: 1\nauthor: Someone\n")
    assert_problem("modules/sec-1.md", "author: Someone", "unknown field 'author'")


def test_unknown_field_in_a_step(content, assert_problem):
    content.replace(
        "quizzes/sec-1.yaml", "    weight: 0.5\n", "    weight: 0.5\n    hint: Think.\n"
    )
    assert_problem("quizzes/sec-1.yaml", "hint: Think.", "unknown field 'hint'", "step 'briefing'")


def test_missing_field_in_front_matter(content, assert_problem):
    content.replace("modules/sec-2.md", "summary: Protect people without closing the talks.\n", "")
    assert_problem("modules/sec-2.md", "---", "has no 'summary'")


def test_missing_field_in_a_choice_names_the_choice_line(content, assert_problem):
    content.replace(
        "quizzes/sec-1.yaml", "rating: poor\n        feedback: You learn", "feedback: You learn"
    )
    assert_problem("quizzes/sec-1.yaml", "- id: b", "choice 'b'", "has no 'rating'")


def test_missing_field_in_an_ending(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "    outcome: partial\n", "")
    assert_problem("quizzes/sec-1.yaml", "  end-good:", "step 'end-good' has no 'outcome'")


def test_missing_retakes(content, assert_problem):
    content.replace("quizzes/sec-2.yaml", "retakes:\n  max_attempts: 0\n  cooldown_hours: 12\n", "")
    assert_problem("quizzes/sec-2.yaml", "id: sec-2-quiz", "the quiz has no 'retakes'")


def test_missing_step_type(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "    type: single\n", "")
    assert_problem("quizzes/sec-1.yaml", "  briefing:", "step 'briefing' has no 'type'")


def test_unknown_step_type(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "type: single", "type: essay")
    assert_problem("quizzes/sec-1.yaml", "type: essay", "unknown type 'essay'")


# Wrong types and values


@pytest.mark.parametrize(
    ("path", "old", "new", "words"),
    [
        (
            "quizzes/sec-1.yaml",
            "rating: poor",
            "rating: great",
            "is not one of best, acceptable, poor",
        ),
        (
            "quizzes/sec-2.yaml",
            "rating: acceptable\n            weight: 0.5",
            "rating: fine\n            weight: 0.5",
            "rating: 'fine'",
        ),
        (
            "quizzes/sec-2.yaml",
            "weight: 0.5\n    items",
            "weight: 1.5\n    items",
            "weight: the number 1.5 is outside (0, 1]",
        ),
        (
            "quizzes/sec-2.yaml",
            "weight: 0.5\n        next: order",
            "weight: 0\n        next: order",
            "outside (0, 1]",
        ),
        (
            "quizzes/sec-2.yaml",
            "pass_mark: 0.6",
            "pass_mark: 0",
            "pass_mark: the number 0 is outside (0, 1]",
        ),
        ("quizzes/sec-1.yaml", "pass_mark: 0.7", "pass_mark: 1.2", "outside (0, 1]"),
        (
            "quizzes/sec-1.yaml",
            "feedback: immediate",
            "feedback: later",
            "not one of immediate, end",
        ),
        ("quizzes/sec-1.yaml", "max_attempts: 3", "max_attempts: -1", "not a whole number"),
        ("quizzes/sec-1.yaml", "correct: true", "correct: maybe", "not true or false"),
        (
            "quizzes/sec-1.yaml",
            "text: Wait at the hotel",
            "text: yes # Wait at the hotel",
            "YAML reads the yes/no value true",
        ),
        (
            "quizzes/sec-1.yaml",
            "outcome: partial",
            "outcome: win",
            "not one of success, partial, failure",
        ),
        ("modules/sec-1.md", "level: 1", "level: 4", "level: the number 4 is not one of 1, 2, 3"),
        ("modules/sec-1.md", "kind: core", "kind: lecture", "not one of core, refresher"),
        ("modules/sec-1.md", "minutes: 10", "minutes: 0", "not a whole number"),
        ("modules/sec-1.md", "title: Threats to the table", "title: 1951", "must be text"),
        ("modules/sec-1.md", "  - Rate a threat.", "  - 12", "objectives entry 2 must be text"),
        (
            "modules/sec-1.md",
            "threat-assessment: 1.0",
            "threat-assessment: 2",
            "weight of threat-assessment",
        ),
        (
            "modules/sec-2.md",
            "mastery: 0.6",
            "mastery: 60",
            "mastery: the number 60 is outside (0, 1]",
        ),
        ("modules/sec-2.md", "  - sec-1", "  - 7", "prerequisite module: the number 7"),
        (
            "modules/competencies.yaml",
            "prior: 0.2",
            "prior: 1.5",
            "prior: the number 1.5 is outside [0, 1]",
        ),
    ],
)
def test_wrong_values(content, assert_problem, path, old, new, words):
    content.replace(path, old, new)
    snippet = new.split("\n")[0].split(" #")[0]
    assert_problem(path, snippet, words)


def test_empty_competencies_mapping(content, assert_problem):
    content.replace(
        "modules/sec-1.md", "competencies:\n  threat-assessment: 1.0\n", "competencies: {}\n"
    )
    assert_problem("modules/sec-1.md", "competencies: {}", "competencies is empty")


def test_choice_that_is_not_a_mapping(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "      - id: b\n", "      - just text\n      - id: b\n")
    assert_problem("quizzes/sec-1.yaml", "- just text", "choice 2 must be a mapping")


# Ids


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        ("modules/sec-1.md", "id: sec-1", "id: Sec_1"),
        ("modules/sec-2.md", "track: security-risk", "track: security--risk"),
        ("quizzes/sec-1.yaml", "id: sec-1-quiz", "id: 1-quiz"),
        ("quizzes/sec-1.yaml", "- id: a", "- id: A"),
        ("quizzes/sec-1.yaml", "next: end-good", "next: end good"),
        ("modules/competencies.yaml", "- id: protective-measures", "- id: protective-measures-"),
    ],
)
def test_bad_id_syntax(content, path, old, new):
    content.replace(path, old, new)
    problems = content.problems()
    first = problems[0]
    assert (first.path, first.line) == (path, content.line(path, new))
    assert "is not a valid id" in first.message
    assert "lowercase letters" in first.fix


def test_yes_as_an_id_is_read_as_true(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "- id: a", "- id: yes")
    assert_problem("quizzes/sec-1.yaml", "- id: yes", "the yes/no value true is not a valid id")


def test_module_file_name_must_match_id(content, assert_problem):
    content.write("modules/sec-one.md", content.read("modules/sec-1.md"))
    (content.root / "modules/sec-1.md").unlink()
    assert_problem(
        "modules/sec-one.md", "id: sec-1", "named sec-one.md but the module id is 'sec-1'"
    )


def test_quiz_file_name_must_match_module(content, assert_problem):
    content.write("quizzes/other.yaml", content.read("quizzes/sec-2.yaml"))
    (content.root / "quizzes/sec-2.yaml").unlink()
    assert_problem(
        "quizzes/other.yaml", "module: sec-2", "named other.yaml but the quiz is for module"
    )


def test_placement_must_be_named_placement(content, assert_problem):
    content.write("quizzes/start.yaml", content.read("quizzes/placement.yaml"))
    (content.root / "quizzes/placement.yaml").unlink()
    assert_problem("quizzes/start.yaml", "placement: true", "only quizzes/placement.yaml")


def test_placement_file_must_say_so(content):
    content.replace("quizzes/placement.yaml", "placement: true\n", "")
    messages = [str(problem) for problem in content.problems()]
    assert (
        "quizzes/placement.yaml:1: quizzes/placement.yaml is not marked as the placement check"
        in messages[0]
    )


def test_placement_belongs_to_no_module(content):
    content.replace(
        "quizzes/placement.yaml", "placement: true\n", "placement: true\nmodule: sec-1\n"
    )
    problem = content.problems()[0]
    assert (problem.path, problem.line) == ("quizzes/placement.yaml", 3)
    assert problem.message == "the placement check belongs to no module"


# Duplicates


def test_duplicate_module_id(content):
    content.write("modules/zz-copy.md", content.read("modules/sec-1.md"))
    messages = {str(problem) for problem in content.problems()}
    line = content.line("modules/zz-copy.md", "id: sec-1")
    assert len(messages) == 2  # the id, and the file name that does not match it
    assert (
        f"modules/zz-copy.md:{line}: module id 'sec-1' is already used in modules/sec-1.md"
        " - give each module its own id"
    ) in messages


def test_duplicate_quiz_id(content, assert_problem):
    content.replace("quizzes/sec-2.yaml", "id: sec-2-quiz", "id: sec-1-quiz")
    assert_problem(
        "quizzes/sec-2.yaml",
        "id: sec-1-quiz",
        "quiz id 'sec-1-quiz' is already used in quizzes/sec-1.yaml",
    )


def test_duplicate_step_id(content, assert_problem):
    extra = (
        "  briefing:\n    type: ending\n    outcome: failure\n    title: Again\n    text: Again.\n"
    )
    content.write("quizzes/sec-1.yaml", content.read("quizzes/sec-1.yaml") + extra)
    problem = assert_problem(
        "quizzes/sec-1.yaml", "  briefing:", "step id 'briefing' appears twice", occurrence=2
    )
    assert f"first on line {content.line('quizzes/sec-1.yaml', '  briefing:')}" in problem.message


def test_duplicate_choice_id(content, assert_problem):
    content.replace("quizzes/sec-1.yaml", "- id: b", "- id: a")
    assert_problem("quizzes/sec-1.yaml", "- id: a", "choice id 'a' is used twice", occurrence=2)


def test_duplicate_competency_id(content):
    content.replace(
        "modules/competencies.yaml", "- id: protective-measures", "- id: threat-assessment"
    )
    problem = content.problems()[0]
    line = content.line("modules/competencies.yaml", "- id: threat-assessment", 2)
    assert (problem.path, problem.line) == ("modules/competencies.yaml", line)
    assert "competency id 'threat-assessment' is used twice" in problem.message


def test_duplicate_key_in_a_mapping(content, assert_problem):
    content.replace("modules/sec-1.md", "minutes: 10\n", "minutes: 10\nminutes: 12\n")
    assert_problem("modules/sec-1.md", "minutes: 12", "field 'minutes' appears twice")


def test_all_problems_are_collected(content):
    content.replace("modules/sec-1.md", "level: 1", "level: 9")
    content.replace("modules/sec-1.md", "kind: core", "kind: talk")
    content.replace("quizzes/sec-1.yaml", "rating: poor", "rating: bad")
    content.replace("quizzes/sec-2.yaml", "pass_mark: 0.6", "pass_mark: 2")
    content.write("quizzes/broken.yaml", "id: [\n")
    paths = [problem.path for problem in content.problems()]
    assert paths.count("modules/sec-1.md") == 2
    assert {"quizzes/sec-1.yaml", "quizzes/sec-2.yaml", "quizzes/broken.yaml"} <= set(paths)


def test_optional_field_left_empty_counts_as_left_out(content):
    content.write(
        "modules/sec-1.md",
        content.read("modules/sec-1.md").replace("---\n\nTalks", "prerequisites:\n---\n\nTalks"),
    )
    catalogue, problems = check(content.root)
    assert [p for p in problems if p.is_error] == []
    assert catalogue.module("sec-1").prerequisites == ()


def test_required_field_left_empty(content, assert_problem):
    content.replace("modules/sec-1.md", "title: Threats to the table", "title:")
    assert_problem("modules/sec-1.md", "title:", "title is empty")


def test_python_tags_are_never_executed(content, tmp_path):
    marker = tmp_path / "ran"
    content.replace(
        "modules/sec-1.md",
        "title: Threats to the table",
        f'title: !!python/object/apply:os.system ["touch {marker}"]',
    )
    content.replace(
        "quizzes/sec-1.yaml", "title: The venue", "title: !!python/name:os.system The venue"
    )
    problems = content.problems()
    assert not marker.exists()
    assert [p.path for p in problems] == ["modules/sec-1.md", "quizzes/sec-1.yaml"]
    assert "title must be text" in problems[0].message
    assert "invalid YAML" in problems[1].message


def test_broken_competencies_file_does_not_make_every_id_unknown(content, assert_problem):
    content.write(
        "modules/competencies.yaml", content.read("modules/competencies.yaml") + "  - [\n"
    )
    problem = content.problems()[0]
    assert (problem.path, "invalid YAML") == ("modules/competencies.yaml", problem.message[:12])
    assert not any("unknown" in p.message for p in content.problems())


def test_missing_competencies_file(content):
    (content.root / "modules/competencies.yaml").unlink()
    assert [p.message for p in content.problems()] == ["the file is missing"]


def test_parse_quiz_from_text(content):
    text = content.read("quizzes/sec-1.yaml")
    quiz, problems = parse_quiz(text, "quizzes/sec-1.yaml")
    assert problems == ()
    assert quiz == check(content.root)[0].quiz("sec-1-quiz")
    broken, problems = parse_quiz(
        text.replace("pass_mark: 0.7", "pass_mark: 7"), "quizzes/sec-1.yaml"
    )
    assert broken is None
    assert [(p.path, p.line) for p in problems] == [("quizzes/sec-1.yaml", 4)]
