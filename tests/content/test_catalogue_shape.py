"""The shipped course has the shape the curriculum promises."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from course import content

ROOT = Path(__file__).resolve().parents[2]
TRACKS = (
    "cultural-sensitivity",
    "political-interference",
    "security-risk",
    "civil-military-coordination",
)


@pytest.fixture(scope="module")
def catalogue() -> content.Catalogue:
    catalogue, problems = content.check(ROOT)
    assert not problems, "\n".join(map(str, problems))
    return catalogue


def test_tracks_and_counts(catalogue):
    kinds = Counter((m.track, m.kind) for m in catalogue.modules)
    assert 2 <= kinds[("foundations", "core")] <= 3
    for track in TRACKS:
        assert kinds[(track, "core")] == 3, track
        assert kinds[(track, "refresher")] == 1, track
        assert kinds[(track, "capstone")] == 1, track
    assert kinds[("case-studies", "case-study")] == 3
    assert sum(n for (track, _), n in kinds.items() if track == "impact-and-future") == 2
    assert {m.id for m in catalogue.modules if m.track == "case-studies"} == {
        "case-korea",
        "case-bosnia",
        "case-somalia",
    }


def test_every_competency_is_taught_tested_and_placed(catalogue):
    ids = {c.id for c in catalogue.competencies}
    taught = {c for m in catalogue.modules for c, _ in m.competencies}
    tested = {
        e.competency
        for q in catalogue.quizzes
        if not q.placement
        for s in q.steps
        for e in _evidence(s)
    }
    placed = {e.competency for s in catalogue.placement.steps for e in _evidence(s)}
    assert taught == ids and tested == ids and placed == ids


def test_core_modules_build_on_each_other(catalogue):
    by_id = {m.id: m for m in catalogue.modules}
    for track in TRACKS:
        core = sorted(
            (m for m in catalogue.modules if m.track == track and m.kind == "core"),
            key=lambda m: m.level,
        )
        assert [m.level for m in core] == [1, 2, 3]
        for earlier, later in zip(core, core[1:], strict=False):
            assert earlier.id in {p.module for p in later.prerequisites}, later.id
        capstone = next(m for m in catalogue.modules if m.track == track and m.kind == "capstone")
        assert core[-1].id in {p.module for p in capstone.prerequisites}
    roots = [m for m in catalogue.modules if not m.prerequisites]
    assert [m.id for m in roots] == ["foundations-roles"]
    for module in catalogue.modules:  # every prerequisite module is no harder than what needs it
        for prereq in module.prerequisites:
            if prereq.module:
                assert by_id[prereq.module].level <= module.level, module.id


def test_every_module_teaches_in_depth(catalogue):
    for module in catalogue.modules:
        rendered = content.render(module.body)
        low = 700 if module.kind == "refresher" else 800
        assert low <= rendered.words <= 1800, (module.id, rendered.words)
        assert len(module.objectives) >= 3, module.id
        if module.kind != "refresher":
            assert "callout-vignette" in rendered.html, module.id
            headings = {h.text for h in rendered.toc}
            assert {"Key terms", "Reflection questions"} <= headings, module.id


def test_every_scenario_has_four_decisions_on_every_path(catalogue):
    for quiz in catalogue.quizzes:
        if quiz.placement:
            continue
        shortest = _fewest_decisions(quiz, quiz.start)
        needed = 6 if catalogue.module(quiz.module).kind == "capstone" else 4
        assert shortest >= needed, (quiz.id, shortest)
        ratings = [
            {c.rating for c in s.choices} for s in quiz.steps if isinstance(s, content.Decision)
        ]
        assert sum(len(r) >= 2 for r in ratings) >= 4, quiz.id
        outcomes = {s.outcome for s in quiz.steps if isinstance(s, content.Ending)}
        assert len(outcomes) >= 2, quiz.id


def _evidence(step: content.Step) -> tuple[content.Evidence, ...]:
    if isinstance(step, content.Decision):
        return tuple(e for c in step.choices for e in c.evidence)
    if isinstance(step, content.Check):
        return (content.Evidence(step.competency, "best", step.weight),)
    return ()


def _fewest_decisions(quiz: content.Quiz, start: str) -> int:
    @cache
    def fewest(step_id: str) -> int:
        step = quiz.step(step_id)
        if isinstance(step, content.Ending):
            return 0
        if isinstance(step, content.Gate):
            return min(fewest(step.pass_to), fewest(step.fail_to))
        nexts = (
            {c.next for c in step.choices} if isinstance(step, content.Decision) else {step.next}
        )
        return int(isinstance(step, content.Decision)) + min(fewest(n) for n in nexts)

    return fewest(start)
