"""Fixtures: a small valid content folder in tmp_path, and helpers to break it and check it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from course.content import Problem, check

COMPETENCIES = """\
tracks:
  - id: security-risk
    name: Security risk
    description: Threats to negotiators and how to balance protection and access.
competencies:
  - id: threat-assessment
    name: Threat assessment
    track: security-risk
    description: Identify who could harm the talks, how, and how likely.
    params:
      prior: 0.2
  - id: protective-measures
    name: Protection and access
    track: security-risk
    description: Protect people and information without cutting the talks off.
"""

CORE_MODULE = """\
---
id: sec-1
title: Threats to the table
track: security-risk
level: 1
minutes: 10
kind: core
summary: >
  Who might want the talks to fail.
objectives:
  - Name the main threats.
  - Rate a threat.
competencies:
  threat-assessment: 1.0
---

Talks draw violence because they change who holds power.

## Spoilers

Stedman called them spoilers.[^1]

::: vignette Kaesong, 1951
A convoy is fired on near the conference site.
:::

## Key terms

- **Spoiler**: a group that uses violence to wreck a peace process.

## Reflection questions

1. Who loses if these talks succeed?

[^1]: Stedman, "Spoiler Problems in Peace Processes", 1997.
"""

REFRESHER_MODULE = """\
---
id: sec-2
title: Protection refresher
track: security-risk
level: 2
minutes: 5
kind: refresher
summary: Protect people without closing the talks.
objectives:
  - Balance protection and access.
competencies:
  protective-measures: 1.0
  threat-assessment: 0.5
prerequisites:
  - sec-1
  - competency: threat-assessment
    mastery: 0.6
---

A short refresher on protection.
"""

CORE_QUIZ = """\
id: sec-1-quiz
module: sec-1
title: The venue walk-through
pass_mark: 0.7
feedback: immediate
retakes:
  max_attempts: 3
  cooldown_hours: 0
start: arrival
steps:
  arrival:
    type: decision
    situation: You arrive at the venue a day early.
    choices:
      - id: a
        text: Walk the venue with the host's security chief.
        rating: best
        feedback: You see the ground and meet the people who hold it.
        evidence:
          - competency: threat-assessment
            weight: 1.0
        next: briefing
      - id: b
        text: Wait at the hotel for the schedule.
        rating: poor
        feedback: You learn nothing about the ground.
        evidence:
          - competency: threat-assessment
            weight: 1.0
        next: briefing
  briefing:
    type: single
    prompt: Which factors rate a threat?
    competency: threat-assessment
    weight: 0.5
    options:
      - text: Intent, capability and opportunity.
        correct: true
        feedback: Right.
      - text: The size of the group alone.
        correct: false
        feedback: Size says little about intent.
    next: end-good
  end-good:
    type: ending
    outcome: partial
    title: The talks open on time
    text: Your survey kept the opening on schedule.
"""

REFRESHER_QUIZ = """\
id: sec-2-quiz
module: sec-2
title: Opening the gates
pass_mark: 0.6
feedback: end
retakes:
  max_attempts: 0
  cooldown_hours: 12
start: gate
steps:
  gate:
    type: decision
    situation: Local journalists ask to enter the venue.
    choices:
      - id: escort
        text: Let them in with an escort to a press area.
        rating: best
        feedback: Access with control.
        evidence:
          - competency: protective-measures
            weight: 1.0
          - competency: threat-assessment
            rating: acceptable
            weight: 0.5
        next: order
      - id: refuse
        text: Refuse all access.
        rating: acceptable
        feedback: Safe, but the talks look secret.
        evidence:
          - competency: protective-measures
            weight: 1.0
        next: order
  order:
    type: ordering
    prompt: Put the steps of a venue survey in order.
    competency: protective-measures
    weight: 0.5
    items:
      - Agree the purpose with the host.
      - Walk the perimeter.
      - Agree the access plan.
    feedback: Purpose first, then the ground, then the plan.
    next: pick
  pick:
    type: multiple
    prompt: Which of these protect information?
    competency: protective-measures
    weight: 1.0
    options:
      - text: Sweeping rooms for listening devices.
        correct: true
      - text: Publishing the seating plan.
        correct: false
      - text: Keeping drafts in a locked room.
        correct: true
    next: done
  done:
    type: ending
    outcome: partial
    title: The gates are open
    text: The press is in, and so is the risk.
"""

PLACEMENT = """\
id: placement
placement: true
title: Where do you start?
pass_mark: 0.5
feedback: end
retakes:
  max_attempts: 1
  cooldown_hours: 0
start: first
steps:
  first:
    type: decision
    situation: A party asks you to move the talks to its capital.
    choices:
      - id: agree
        text: Agree at once.
        rating: poor
        feedback: The other party will see you as partial, and the venue is theirs.
        evidence:
          - competency: threat-assessment
            weight: 1.0
          - competency: protective-measures
            weight: 1.0
        next: last
      - id: ask
        text: Ask what security each venue offers, then consult the mediator.
        rating: best
        feedback: You weigh the threat and keep the decision with the mediator.
        evidence:
          - competency: threat-assessment
            weight: 1.0
          - competency: protective-measures
            weight: 1.0
        next: last
  last:
    type: ending
    outcome: success
    title: Placed
    text: Your starting point is set.
"""

FILES = {
    "modules/competencies.yaml": COMPETENCIES,
    "modules/sec-1.md": CORE_MODULE,
    "modules/sec-2.md": REFRESHER_MODULE,
    "quizzes/sec-1.yaml": CORE_QUIZ,
    "quizzes/sec-2.yaml": REFRESHER_QUIZ,
    "quizzes/placement.yaml": PLACEMENT,
}


@dataclass
class Content:
    """A content folder on disk that tests can edit and check."""

    root: Path

    def write(self, path: str, text: str) -> None:
        """Write a file of the folder."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def read(self, path: str) -> str:
        """Read a file of the folder."""
        return (self.root / path).read_text(encoding="utf-8")

    def replace(self, path: str, old: str, new: str) -> None:
        """Replace text that must occur exactly once in a file."""
        text = self.read(path)
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
        self.write(path, text.replace(old, new))

    def line(self, path: str, snippet: str, occurrence: int = 1) -> int:
        """Return the 1-based line of the n-th line of a file that contains snippet."""
        found = [n for n, text in enumerate(self.read(path).split("\n"), 1) if snippet in text]
        return found[occurrence - 1]

    def problems(self) -> list[Problem]:
        """Check the folder and return every problem."""
        return check(self.root)[1]

    def only_problem(self) -> Problem:
        """Check the folder and return its one problem (fails if there are more or none)."""
        problems = self.problems()
        assert len(problems) == 1, "\n".join(map(str, problems))
        return problems[0]


@pytest.fixture
def content(tmp_path: Path) -> Content:
    """A valid folder: a track, two competencies, two modules, their quizzes and placement."""
    folder = Content(tmp_path / "course")
    for path, text in FILES.items():
        folder.write(path, text)
    return folder


@pytest.fixture
def assert_problem(content: Content) -> Callable[..., Problem]:
    """Check the folder has exactly one problem, at path and the line holding snippet."""

    def verify(path: str, snippet: str, *words: str, occurrence: int = 1) -> Problem:
        problem = content.only_problem()
        assert (problem.path, problem.line) == (path, content.line(path, snippet, occurrence))
        for word in words:
            assert word in problem.message, problem
        assert problem.fix
        return problem

    return verify
