"""The worked examples in docs/authoring.md pass the checker and score as the text says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course.content import check, grade, score

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs/authoring.md").read_text(encoding="utf-8")
MODULE_PATH = "modules/security-venue-survey.md"
QUIZ_PATH = "quizzes/security-venue-survey.yaml"


def example(heading: str, language: str) -> str:
    """Return the first fenced block of a language after a heading of the doc."""
    section = DOC[DOC.index(heading) :]
    match = re.search(rf"^```{language}\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert match, f"no {language} block after {heading!r}"
    return match.group(1)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The repository's competencies with the doc's example module and quiz."""
    (tmp_path / "modules").mkdir()
    (tmp_path / "quizzes").mkdir()
    competencies = (ROOT / "modules/competencies.yaml").read_text(encoding="utf-8")
    (tmp_path / "modules/competencies.yaml").write_text(competencies, encoding="utf-8")
    (tmp_path / MODULE_PATH).write_text(
        example("## A complete module", "markdown"), encoding="utf-8"
    )
    (tmp_path / QUIZ_PATH).write_text(example("## A complete quiz", "yaml"), encoding="utf-8")
    return tmp_path


def test_examples_have_no_problems_of_their_own(folder):
    catalogue, problems = check(folder)
    # Other competencies' coverage and the missing placement check are not the examples' fault.
    assert [str(p) for p in problems if p.path in (MODULE_PATH, QUIZ_PATH)] == []
    assert catalogue.quiz_for("security-venue-survey") is not None


def test_worked_scoring_matches_the_doc(folder):
    quiz = check(folder)[0].quiz_for("security-venue-survey")
    path = [
        grade(quiz.step("arrival"), "host"),
        grade(quiz.step("convoy"), "press-on"),
        grade(quiz.step("rate"), 1),
        grade(quiz.step("survey-order"), (0, 1, 2, 3)),
        grade(quiz.step("close"), (0, 1)),
    ]
    result = score(quiz, path)
    assert result.score == pytest.approx(2.75 / 4.0)
    assert not result.passed
    assert result.outcome == "partial"
    assert result.per_competency == pytest.approx(
        {"threat-assessment": 0.6, "cross-cultural-communication": 0.5, "protective-measures": 1.0}
    )
