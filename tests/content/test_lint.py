"""The assessment lint: surface strategies, honest endings and the warnings, on small and shipped
quizzes."""

from __future__ import annotations

from pathlib import Path

import pytest

from course import content
from course.content import lint
from course.content.parser import parse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> content.Catalogue:
    return parse(ROOT).catalogue


def scored(catalogue: content.Catalogue) -> list[content.Quiz]:
    return [q for q in catalogue.quizzes if not q.placement]


def test_no_surface_strategy_passes_a_shipped_quiz(shipped) -> None:  # noqa: ANN001
    for quiz in scored(shipped):
        cues = lint.cue_stats([q for q in shipped.quizzes if q is not quiz])
        for name, strategy in lint.strategies(cues).items():
            result = content.score(quiz, lint.play(quiz, strategy))
            assert not result.passed, f"{quiz.path}: {name} scores {result.score:.0%}"


def test_every_ending_agrees_with_pass_or_fail_on_every_path(shipped) -> None:  # noqa: ANN001
    for quiz in scored(shipped):
        walked = 0
        for path in lint.paths(quiz):
            walked += 1
            result = content.score(quiz, path)
            outcome = quiz.step(content.resolve(quiz, path)).outcome
            assert outcome != ("failure" if result.passed else "success"), (quiz.path, path)
        assert walked > 10


def test_best_choices_are_rarely_the_longest_and_answers_move(shipped) -> None:  # noqa: ANN001
    figures = lint.report(shipped)
    assert figures.best_longest_share <= 0.4
    assert figures.passed_by == dict.fromkeys(figures.passed_by, 0)
    positions = {
        (i, i == len(step.options) - 1)
        for quiz in shipped.quizzes
        for step in quiz.steps
        if isinstance(step, content.Check) and step.type == "single"
        for i, option in enumerate(step.options)
        if option.correct
    }
    assert len({i for i, _ in positions}) >= 3 and any(last for _, last in positions)


def choice(cid: str, text: str, rating: str, nxt: str = "end") -> content.Choice:
    evidence = (content.Evidence("c", rating, 1.0),)
    return content.Choice(cid, text, rating, "why", evidence, nxt)


def quiz_of(*steps: content.Step, pass_mark: float = 0.7) -> content.Quiz:
    ends = (
        content.Ending("end", "partial", "E", "e"),
        content.Ending("good", "success", "G", "g"),
        content.Ending("bad", "failure", "B", "b"),
    )
    return content.Quiz(
        "q",
        "m",
        "Q",
        pass_mark,
        "immediate",
        3,
        0,
        steps[0].id,
        (*steps, *ends),
        False,
        "quizzes/m.yaml",
        "",
    )


def decision(step_id: str, nxt: str, *texts: tuple[str, str]) -> content.Decision:
    return content.Decision(
        step_id, "s", tuple(choice(f"c{i}", t, r, nxt) for i, (t, r) in enumerate(texts))
    )


LONG_BEST = (("A full plan with every step spelled out at length.", "best"), ("Wait.", "poor"))


def test_a_longest_best_quiz_is_an_error_and_warned_per_decision() -> None:
    quiz = quiz_of(
        decision("one", "two", *LONG_BEST),
        decision("two", "three", *LONG_BEST),
        decision("three", "end", *LONG_BEST),
    )
    problems = lint.lint_quiz(quiz, lint.cue_stats([]), lint.Source())
    errors = [p.message for p in problems if p.is_error]
    assert errors == [
        "a trainee who answers by surface alone passes this quiz "
        "(always the longest, always the first, most cue words)"
    ]
    warned = [p.message for p in problems if not p.is_error]
    assert "decision point 'one': the best choice is the longest by a margin" in warned


def test_an_ending_that_contradicts_the_score_is_an_error() -> None:
    mixed = (("Plan A with steps.", "best"), ("Plan B with steps.", "poor"))
    quiz = quiz_of(
        decision("one", "two", *mixed),
        decision("two", "three", *mixed[::-1]),
        decision("three", "good", *mixed),
    )
    found = lint.contradictions(quiz)
    assert set(found) == {"good"} and found["good"][0] == "fails"
    gate = content.Gate("verdict", "good", "bad")
    fixed = quiz_of(
        decision("one", "two", *mixed),
        decision("two", "three", *mixed[::-1]),
        decision("three", "verdict", *mixed),
        gate,
    )
    assert lint.contradictions(fixed) == {}


def test_short_quizzes_are_warned_instead_of_played() -> None:
    quiz = quiz_of(decision("one", "end", *LONG_BEST))
    problems = lint.lint_quiz(quiz, lint.cue_stats([]), lint.Source())
    assert not any(p.is_error for p in problems)
    assert any("only 1 answered step" in p.message for p in problems)


def test_a_gate_must_lead_to_endings_of_the_right_outcome(tmp_path) -> None:  # noqa: ANN001
    from tests.content.conftest import FILES

    for path, text in FILES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    quiz = tmp_path / "quizzes/sec-1.yaml"
    text = quiz.read_text().replace("    next: end-good", "    next: verdict")
    quiz.write_text(
        text
        + "  verdict:\n    type: gate\n    pass: arrival\n    fail: end-good\n"
        + "  end-bad:\n    type: ending\n    outcome: failure\n    title: B\n    text: b\n"
    )
    _, problems = content.check(tmp_path)
    messages = {p.message for p in problems if p.is_error}
    assert "gate 'verdict' sends a pass to 'arrival', which is not an ending" in messages


def test_linting_some_quizzes_gives_them_the_same_problems(tmp_path):
    import shutil

    from course import content
    from tests.conftest import FIXTURE_COURSE

    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root)
    path = root / "quizzes" / "basics-one.yaml"
    text = path.read_text().replace(
        "text: Hold the talks and call the host.", "text: " + "Plan. " * 40
    )
    path.write_text(
        text.replace("text: Close the session on time.", "text: Close. " + "Plan. " * 40)
    )
    _, full = content.check(root)
    _, some = content.check(root, lint_only={"quizzes/basics-one.yaml"})
    mine = [p for p in full if p.path == "quizzes/basics-one.yaml"]
    assert mine and some == mine
