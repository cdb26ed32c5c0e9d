"""A module's front matter read into form fields and written back means the same thing."""

from __future__ import annotations

import shutil
from pathlib import Path

from course import content
from course.content import frontmatter

ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_module_survives_the_form(tmp_path):
    shutil.copytree(ROOT / "modules", tmp_path / "modules")
    shutil.copytree(ROOT / "quizzes", tmp_path / "quizzes")
    before, _ = content.check(tmp_path)
    for path in (tmp_path / "modules").glob("*.md"):
        fields, body = frontmatter.read(path.read_text())
        assert fields.unknown == [], path
        path.write_text(frontmatter.write(fields, body))
    after, problems = content.check(tmp_path)
    assert [p for p in problems if p.is_error] == []
    for old in before.modules:
        new = after.module(old.id)
        assert (new.title, new.summary, new.objectives) == (old.title, old.summary, old.objectives)
        assert (new.track, new.level, new.minutes, new.kind) == (
            old.track,
            old.level,
            old.minutes,
            old.kind,
        )
        assert new.competencies == old.competencies and new.prerequisites == old.prerequisites
        assert new.body == old.body


def test_reading_is_lenient_and_says_what_a_form_cannot_hold():
    assert frontmatter.read("no front matter") is None
    assert frontmatter.read("---\ntitle: [open\n---\nbody") is None
    assert frontmatter.read("---\n- a list\n---\nbody") is None
    fields, body = frontmatter.read("---\ntitle: T\nextra: 1\nobjectives: one\n---\n\nBody\n")
    assert body == "Body\n" and fields.title == "T"
    assert fields.unknown == ["the field 'extra'", "objectives that are not a list"]


def test_values_are_quoted_only_when_they_must_be():
    assert frontmatter.scalar("Plain words") == "Plain words"
    assert frontmatter.scalar("Risk: high") == "'Risk: high'"
    assert frontmatter.scalar("yes") == "'yes'"
    assert frontmatter.scalar("#1 rule") == "'#1 rule'"
