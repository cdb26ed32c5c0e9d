"""Write a synthetic, valid content folder: N modules of ~1,000 words, each with a 6-decision quiz.

Usage: python bench/gen_catalogue.py DIR [N]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

TRACKS = ("foundations", "culture", "politics", "security", "civmil", "verification")
PER_TRACK = 2  # competencies per track
DECISIONS = 6
VOCABULARY = (
    "ceasefire mediator delegation liaison convoy venue mandate protocol interpreter host party "
    "observer verification monitor patrol checkpoint agreement talks negotiation leverage trust "
    "commander envoy capital perimeter escort briefing drafts incident rumour press the a of and "
    "to in on with before after while because although every each their its under across"
)
WORDS = VOCABULARY.split()


def competency_ids() -> list[str]:
    """Return the synthetic competency ids, two per track."""
    return [f"{track}-skill-{n}" for track in TRACKS for n in range(1, PER_TRACK + 1)]


def sentence(rng: random.Random, length: int = 14) -> str:
    """Make one sentence of filler words."""
    words = [rng.choice(WORDS) for _ in range(length)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int = 5) -> str:
    """Make a paragraph of filler sentences."""
    return " ".join(sentence(rng) for _ in range(sentences))


def competencies_yaml() -> str:
    """Write modules/competencies.yaml for the synthetic tracks."""
    lines = ["tracks:"]
    for track in TRACKS:
        lines += [f"  - id: {track}", f"    name: {track.title()}", "    description: A track."]
    lines.append("competencies:")
    for name in competency_ids():
        track = name.split("-skill-")[0]
        lines += [f"  - id: {name}", f"    name: {name}", f"    track: {track}"]
        lines += ["    description: A competency.", "    params:", "      prior: 0.2"]
    return "\n".join(lines) + "\n"


def module_id(index: int) -> str:
    """Return the id of the index-th module."""
    return f"module-{index:04d}"


def front_matter(index: int, competency: str, rng: random.Random) -> str:
    """Write the front matter of one module."""
    prerequisite = f"prerequisites:\n  - {module_id(index - 1)}\n" if index % 5 else ""
    return (
        f"---\nid: {module_id(index)}\ntitle: Module {index}\n"
        f"track: {competency.split('-skill-')[0]}\n"
        f"level: {index % 3 + 1}\nminutes: 5\nkind: core\nsummary: >\n  {sentence(rng)}\n"
        f"objectives:\n  - {sentence(rng)}\n  - {sentence(rng)}\n"
        f"competencies:\n  {competency}: 1.0\n{prerequisite}---\n\n"
    )


def body(rng: random.Random) -> str:
    """Write a ~1,000-word body with sections, a table, callouts and footnotes."""
    parts = [paragraph(rng)]
    for section in range(1, 7):
        parts += [f"## Section {section}", paragraph(rng), paragraph(rng) + f"[^{section}]"]
    parts += ["::: vignette A day at the venue", paragraph(rng), ":::"]
    parts += ["::: key-point", sentence(rng), ":::", "| Risk | Rating |", "|---|--:|"]
    parts += [f"| {rng.choice(WORDS)} | {rng.randint(1, 5)} |" for _ in range(4)]
    parts += ["## Key terms", "- **Spoiler**: one who wrecks talks.", "- **Liaison**: a link."]
    parts += ["## Reflection questions", "1. " + sentence(rng), "2. " + sentence(rng)]
    parts += [f"[^{n}]: Source {n}, {1950 + n}." for n in range(1, 7)]
    return "\n\n".join(parts) + "\n"


def choice_lines(choice: str, rating: str, competency: str, target: str, rng) -> list[str]:
    """Write one choice of a decision point."""
    return [
        f"      - id: {choice}",
        f"        text: {sentence(rng, 12)}",
        f"        rating: {rating}",
        f"        feedback: |\n          {paragraph(rng, 2)}",
        "        evidence:",
        f"          - competency: {competency}",
        "            weight: 1.0",
        f"        next: {target}",
    ]


def decision_lines(step: int, competency: str, rng: random.Random) -> list[str]:
    """Write one decision point with a best, an acceptable and a poor choice."""
    last = step == DECISIONS
    targets = ("end-good", "end-partial", "end-bad") if last else (f"d{step + 1}",) * 3
    lines = [f"  d{step}:", "    type: decision", f"    situation: |\n      {paragraph(rng, 3)}"]
    lines.append("    choices:")
    for choice, rating, target in zip("abc", ("best", "acceptable", "poor"), targets, strict=True):
        lines += choice_lines(choice, rating, competency, target, rng)
    return lines


def ending_lines(name: str, outcome: str, rng: random.Random) -> list[str]:
    """Write one ending."""
    title = f"    title: {sentence(rng, 4)}"
    return [
        f"  {name}:",
        "    type: ending",
        f"    outcome: {outcome}",
        title,
        f"    text: {sentence(rng)}",
    ]


def quiz_yaml(index: int, competency: str, rng: random.Random) -> str:
    """Write the quiz of one module: six decisions in a row, then three endings."""
    lines = [f"id: {module_id(index)}-quiz", f"module: {module_id(index)}", "title: Scenario"]
    lines += ["pass_mark: 0.7", "feedback: immediate", "retakes:", "  max_attempts: 3"]
    lines += ["  cooldown_hours: 0", "start: d1", "steps:"]
    for step in range(1, DECISIONS + 1):
        lines += decision_lines(step, competency, rng)
    for name, outcome in (
        ("end-good", "success"),
        ("end-partial", "partial"),
        ("end-bad", "failure"),
    ):
        lines += ending_lines(name, outcome, rng)
    return "\n".join(lines) + "\n"


def placement_yaml() -> str:
    """Write a placement check with one knowledge check per competency."""
    names = competency_ids()
    lines = ["id: placement", "placement: true", "title: Placement", "pass_mark: 0.5"]
    lines += ["feedback: end", "retakes:", "  max_attempts: 1", "  cooldown_hours: 0", "start: q0"]
    lines += ["steps:", "  q0:", "    type: decision", "    situation: Where do you start?"]
    lines += ["    choices:"]
    for choice, rating in (("a", "best"), ("b", "poor")):
        lines += [f"      - id: {choice}", "        text: A choice.", f"        rating: {rating}"]
        lines += ["        feedback: Why.", "        evidence:"]
        lines += [f"          - competency: {name}\n            weight: 1.0" for name in names]
        lines += ["        next: done"]
    lines += [
        "  done:",
        "    type: ending",
        "    outcome: success",
        "    title: Done",
        "    text: Done.",
    ]
    return "\n".join(lines) + "\n"


def generate(root: Path, count: int, seed: int = 1) -> None:
    """Write a valid content folder of count modules (and a quiz each) under root."""
    rng = random.Random(seed)
    (root / "modules").mkdir(parents=True, exist_ok=True)
    (root / "quizzes").mkdir(parents=True, exist_ok=True)
    (root / "modules/competencies.yaml").write_text(competencies_yaml(), encoding="utf-8")
    (root / "quizzes/placement.yaml").write_text(placement_yaml(), encoding="utf-8")
    names = competency_ids()
    for index in range(count):
        competency = names[index % len(names)]
        text = front_matter(index, competency, rng) + body(rng)
        (root / f"modules/{module_id(index)}.md").write_text(text, encoding="utf-8")
        quiz = quiz_yaml(index, competency, rng)
        (root / f"quizzes/{module_id(index)}.yaml").write_text(quiz, encoding="utf-8")


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 200)
