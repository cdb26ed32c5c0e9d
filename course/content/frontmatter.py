"""A module's front matter as form values, and back: read a file's fields, write a file from them.

Pure. Reading is lenient (an editor opens whatever is saved; the validator judges it); writing
uses the layout of the shipped modules, so that a form save reads like a hand-written file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

FENCE = "---"


@dataclass
class Fields:
    """A module's front matter as an editor's form holds it."""

    id: str = ""
    title: str = ""
    track: str = ""
    level: str = "1"
    minutes: str = ""
    kind: str = "core"
    summary: str = ""
    objectives: list[str] = field(default_factory=list)
    competencies: dict[str, str] = field(default_factory=dict)  # id -> weight as written
    modules: list[str] = field(default_factory=list)  # prerequisite modules
    mastery: dict[str, str] = field(default_factory=dict)  # prerequisite competency -> level
    unknown: list[str] = field(default_factory=list)  # what a form cannot hold: keys, odd values


def split(text: str) -> tuple[str, str] | None:
    """Return (front matter YAML, body) of a module file, or None without a closed front matter."""
    lines = text.removeprefix("\ufeff").split("\n")
    if not lines or lines[0].strip() != FENCE:
        return None
    end = next((n for n, line in enumerate(lines[1:], 1) if line.strip() == FENCE), None)
    if end is None:
        return None
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :]).removeprefix("\n")


def read(text: str) -> tuple[Fields, str] | None:
    """Return the fields and body of a module file; None if its front matter is not a mapping."""
    parts = split(text)
    if parts is None:
        return None
    try:
        raw = yaml.safe_load(parts[0])
    except yaml.YAMLError:
        return None
    if not isinstance(raw, dict):
        return None
    return _fields(raw), parts[1]


def _text(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


KNOWN = ("id", "title", "track", "level", "minutes", "kind", "summary", "objectives")
KNOWN += ("competencies", "prerequisites")


def _fields(raw: dict) -> Fields:
    found = Fields(*(_text(raw.get(name)) for name in ("id", "title", "track")))
    found.unknown = [f"the field {key!r}" for key in raw if key not in KNOWN]
    found.level, found.minutes = _text(raw.get("level")), _text(raw.get("minutes"))
    found.kind, found.summary = _text(raw.get("kind")), _text(raw.get("summary"))
    objectives = raw.get("objectives")
    if isinstance(objectives, list):
        found.objectives = [_text(o) for o in objectives]
    elif objectives is not None:
        found.unknown.append("objectives that are not a list")
    taught = raw.get("competencies")
    if isinstance(taught, dict):
        found.competencies = {str(k): _text(v) for k, v in taught.items()}
    elif taught is not None:
        found.unknown.append("competencies that are not a mapping")
    prerequisites = raw.get("prerequisites")
    if prerequisites is not None and not isinstance(prerequisites, list):
        found.unknown.append("prerequisites that are not a list")
    for entry in prerequisites if isinstance(prerequisites, list) else []:
        if isinstance(entry, dict):
            found.mastery[_text(entry.get("competency"))] = _text(entry.get("mastery"))
        else:
            found.modules.append(_text(entry))
    return found


def scalar(value: str) -> str:
    """Write a one-line string as YAML, quoted only when it must be."""
    dumped = yaml.safe_dump(value, width=1_000_000, allow_unicode=True)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def write(fields: Fields, body: str) -> str:
    """Return a module file: the front matter in the shipped layout, then the body."""
    lines = [FENCE, f"id: {scalar(fields.id)}", f"title: {scalar(fields.title)}"]
    lines += [f"track: {scalar(fields.track)}", f"level: {fields.level}"]
    lines += [f"minutes: {fields.minutes}", f"kind: {scalar(fields.kind)}"]
    lines += [f"summary: {scalar(fields.summary)}", "objectives:"]
    lines += [f"  - {scalar(o)}" for o in fields.objectives]
    lines += ["competencies:"] + [f"  {k}: {w}" for k, w in fields.competencies.items()]
    if fields.modules or fields.mastery:
        lines.append("prerequisites:")
        lines += [f"  - {m}" for m in fields.modules]
        for competency, level in fields.mastery.items():
            lines += [f"  - competency: {competency}", f"    mastery: {level}"]
    lines += [FENCE, ""]
    return "\n".join(lines) + "\n" + body.lstrip("\n")
