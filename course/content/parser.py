"""Read a content folder (modules/ and quizzes/) into a Catalogue, collecting every problem."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from course.content.fields import (
    Invalid,
    Spec,
    anything,
    flag,
    hours,
    ident,
    items,
    mapping,
    one_of,
    probability,
    rating,
    read,
    report_duplicates,
    text,
    texts,
    weight,
    whole_number,
)
from course.content.model import (
    CHECK_TYPES,
    FEEDBACK_MODES,
    KINDS,
    LEVELS,
    OUTCOMES,
    Catalogue,
    Check,
    Choice,
    Competency,
    Decision,
    Ending,
    EngineParams,
    Evidence,
    Gate,
    Module,
    Option,
    Prerequisite,
    Problem,
    Quiz,
    Step,
    Track,
)
from course.content.yamlsource import UNREADABLE, Source, SourceFile, YamlList, YamlMap, load

COMPETENCIES_PATH = "modules/competencies.yaml"
PLACEMENT_NAME = "placement"

TOP_FIELDS: Spec = {"tracks": (items, True), "competencies": (items, True)}
TRACK_FIELDS: Spec = {"id": (ident, True), "name": (text, True), "description": (text, True)}
COMPETENCY_FIELDS: Spec = {
    "id": (ident, True),
    "name": (text, True),
    "track": (ident, True),
    "description": (text, True),
    "params": (mapping, False),
}
PARAMS_FIELDS: Spec = {
    "prior": (probability, False),
    "learn": (probability, False),
    "guess": (probability, False),
    "slip": (probability, False),
    "forget": (probability, False),
    "threshold": (weight, False),
}
MODULE_FIELDS: Spec = {
    "id": (ident, True),
    "title": (text, True),
    "track": (ident, True),
    "level": (one_of(*LEVELS), True),
    "minutes": (whole_number(1), True),
    "kind": (one_of(*KINDS), True),
    "summary": (text, True),
    "objectives": (texts, True),
    "competencies": (mapping, True),
    "prerequisites": (items, False),
}
PREREQUISITE_FIELDS: Spec = {"competency": (ident, True), "mastery": (weight, True)}
QUIZ_FIELDS: Spec = {
    "id": (ident, True),
    "module": (ident, False),
    "title": (text, True),
    "pass_mark": (weight, True),
    "feedback": (one_of(*FEEDBACK_MODES), True),
    "retakes": (mapping, True),
    "start": (ident, True),
    "steps": (mapping, True),
    "placement": (flag, False),
}
RETAKES_FIELDS: Spec = {"max_attempts": (whole_number(0), True), "cooldown_hours": (hours, True)}
DECISION_FIELDS: Spec = {
    "type": (anything, True),
    "situation": (text, True),
    "choices": (items, True),
}
CHOICE_FIELDS: Spec = {
    "id": (ident, True),
    "text": (text, True),
    "rating": (rating, True),
    "feedback": (text, False),
    "evidence": (items, False),
    "next": (ident, True),
}
EVIDENCE_FIELDS: Spec = {
    "competency": (ident, True),
    "rating": (rating, False),
    "weight": (weight, True),
}
CHECK_FIELDS: Spec = {
    "type": (anything, True),
    "prompt": (text, True),
    "competency": (ident, True),
    "weight": (weight, True),
    "options": (items, True),
    "feedback": (text, False),
    "next": (ident, True),
}
ORDERING_FIELDS: Spec = {
    **{name: spec for name, spec in CHECK_FIELDS.items() if name != "options"},
    "items": (texts, True),
}
OPTION_FIELDS: Spec = {"text": (text, True), "correct": (flag, True), "feedback": (text, False)}
ENDING_FIELDS: Spec = {
    "type": (anything, True),
    "outcome": (one_of(*OUTCOMES), True),
    "title": (text, True),
    "text": (text, True),
}
GATE_FIELDS: Spec = {"type": (anything, True), "pass": (ident, True), "fail": (ident, True)}
STEP_TYPES = ("decision", *CHECK_TYPES, "gate", "ending")


@dataclass(frozen=True)
class Parsed:
    """What parsing a content folder gave: the catalogue, the problems, and where things are."""

    catalogue: Catalogue | None
    problems: tuple[Problem, ...]
    source: Source


@dataclass(frozen=True)
class _Opened:
    file: SourceFile
    text: str | None  # None when the file could not be read
    sha256: str


@dataclass(frozen=True)
class _FrontMatter:
    yaml: str
    body: str
    body_line: int


def parse(root: Path) -> Parsed:
    """Read every file under root/modules and root/quizzes; never raise on bad content."""
    source, problems = Source(), []
    tracks, competencies = _read_competencies(root, source, problems)
    modules = _read_all(root, "modules/*.md", _module, source, problems)
    quizzes = _read_all(root, "quizzes/*.yaml", _quiz, source, problems)
    modules = _unique(modules, "module", source, problems)
    quizzes = _unique(quizzes, "quiz", source, problems)
    _report_stray_files(root, problems)
    parts = (tracks, competencies, modules, quizzes)
    placement = next((quiz for quiz in quizzes if quiz.placement), None)
    catalogue = Catalogue(*parts, placement) if any(parts) else None
    return Parsed(catalogue, tuple(problems), source)


def _open(root: Path, path: Path, source: Source, problems: list[Problem]) -> _Opened:
    """Read a file; on failure report it and give text None."""
    file = SourceFile(path.relative_to(root).as_posix(), source, problems)
    try:
        data = path.read_bytes()
    except OSError as error:
        file.report(1, f"cannot read the file ({error.strerror})", "make it a readable file")
        return _Opened(file, None, "")
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        file.report(line, "the file is not UTF-8 text", "save it with UTF-8 encoding")
        return _Opened(file, None, "")
    return _Opened(file, decoded.removeprefix("\ufeff"), hashlib.sha256(data).hexdigest())


def _read_all(root: Path, pattern: str, reader: Callable, source: Source, problems: list) -> list:
    found = (reader(_open(root, path, source, problems)) for path in sorted(root.glob(pattern)))
    return [item for item in found if item is not None]


def _report_stray_files(root: Path, problems: list[Problem]) -> None:
    for path in sorted(root.glob("quizzes/*.yml")):
        message = "quiz files must end in .yaml; this one is ignored"
        fix = f"rename it to {path.stem}.yaml"
        problems.append(Problem(path.relative_to(root).as_posix(), 1, message, fix))


def _unique(things: list, kind: str, source: Source, problems: list[Problem]) -> tuple:
    """Keep the first of each id and report the others."""
    first: dict[str, str] = {}
    for thing in things:
        if thing.id in first:
            message = f"{kind} id {thing.id!r} is already used in {first[thing.id]}"
            line = source.line(thing.path, "id")
            problems.append(Problem(thing.path, line, message, f"give each {kind} its own id"))
            source.broken.add((f"{kind}-file", thing.path))
            source.broken.add(("quiz-module", getattr(thing, "module", None) or ""))
        else:
            first[thing.id] = thing.path
    return tuple(thing for thing in things if first[thing.id] == thing.path)


# competencies.yaml


def _read_competencies(root: Path, source: Source, problems: list[Problem]):
    path = root / COMPETENCIES_PATH
    if not path.is_file():
        fix = "create it with the tracks and competencies (see docs/authoring.md)"
        problems.append(Problem(COMPETENCIES_PATH, 1, "the file is missing", fix))
        source.broken.add(("competencies-file", COMPETENCIES_PATH))
        return (), ()
    opened = _open(root, path, source, problems)
    file = opened.file
    data = UNREADABLE if opened.text is None else load(opened.text, file)
    values, ok = read(file, data, TOP_FIELDS, (), "competencies.yaml")
    if not ok:
        file.broke("competencies-file", file.path)  # so that every id is not also reported unknown
    tracks = _entries(file, values.get("tracks"), ("track",), "track", _track)
    competencies = values.get("competencies")
    return tracks, _entries(file, competencies, ("competency",), "competency", _competency)


def _track(file: SourceFile, raw: object, key: tuple, what: str) -> Track | None:
    values, ok = read(file, raw, TRACK_FIELDS, key, what)
    return Track(**values) if ok else None


def _competency(file: SourceFile, raw: object, key: tuple, what: str) -> Competency | None:
    values, ok = read(file, raw, COMPETENCY_FIELDS, key, what)
    params = _params(file, values.pop("params", None), (*key, "params"), what)
    return Competency(**values, params=params) if ok else None


def _params(file: SourceFile, raw: YamlMap | None, key: tuple, what: str) -> EngineParams:
    if raw is None:
        return EngineParams()
    values, ok = read(file, raw, PARAMS_FIELDS, key, f"the params of {what}")
    return EngineParams(**values) if ok else EngineParams()


# Lists of things with ids: tracks, competencies, choices


def _entry_id(raw: object, index: int) -> object:
    name = raw.get("id") if isinstance(raw, YamlMap) else None
    return name if isinstance(name, str) else index


def _entries(file: SourceFile, entries: YamlList | None, prefix: tuple, noun: str, build) -> tuple:
    """Build each entry of a list of id-bearing mappings, reporting repeated ids."""
    built, lines = [], {}
    for index, raw in enumerate(entries or ()):
        name, line = _entry_id(raw, index), entries.item_lines[index]
        label = f"{noun} {name!r}" if isinstance(name, str) else f"{noun} {index + 1}"
        if name in lines:
            fix = f"give each {noun} its own id"
            file.report(
                line, f"{noun} id {name!r} is used twice (first on line {lines[name]})", fix
            )
            continue
        lines[name] = line
        file.note((*prefix, name), line)
        item = build(file, raw, (*prefix, name), label)
        _keep_or_break(file, built, item, noun, name)
    return tuple(built)


def _keep_or_break(file: SourceFile, built: list, item: object, kind: str, name: object) -> None:
    if item is not None:
        built.append(item)
    elif isinstance(name, str):
        file.broke(kind, name)


# Modules


def _module(opened: _Opened) -> Module | None:
    file = opened.file
    front = None if opened.text is None else _front_matter(file, opened.text)
    if front is None:
        _break_module(file, {})
        return None
    file.note(("body",), front.body_line)
    values, ok = read(file, load(front.yaml, file, offset=1), MODULE_FIELDS, (), "the front matter")
    taught = _taught(file, values.pop("competencies", None))
    prerequisites = _prerequisites(file, values.pop("prerequisites", None))
    _check_module_name(file, values.get("id"))
    if not ok or taught is None or prerequisites is None:
        _break_module(file, values)
        return None
    extra = {"body": front.body, "path": file.path, "sha256": opened.sha256}
    return Module(**values, competencies=taught, prerequisites=prerequisites, **extra)


def _front_matter(file: SourceFile, content: str) -> _FrontMatter | None:
    lines = content.split("\n")
    if lines[0].strip() != "---":
        fix = "start the file with a `---` line, then the YAML fields, then another `---` line"
        file.report(1, "the module has no front matter", fix)
        return None
    end = next((n for n, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
    if end is None:
        file.report(1, "the front matter is never closed", "end the YAML fields with a `---` line")
        return None
    return _FrontMatter("\n".join(lines[1:end]), "\n".join(lines[end + 1 :]), end + 2)


def _taught(file: SourceFile, raw: YamlMap | None) -> tuple[tuple[str, float], ...] | None:
    if raw is None:
        return None
    report_duplicates(file, raw, "competency", "competencies")
    if not raw:
        file.report(raw.line, "competencies is empty", "list at least one `competency-id: weight`")
        return None
    pairs = [_taught_pair(file, raw, name) for name in raw]
    return None if None in pairs else tuple(pairs)


def _taught_pair(file: SourceFile, raw: YamlMap, name: object) -> tuple[str, float] | None:
    file.note(("competencies", name), raw.key_lines[name])
    try:
        return ident(name, "competency"), weight(raw[name], f"the weight of {name}")
    except Invalid as error:
        file.report(raw.key_lines[name], error.message, error.fix)
        return None


def _prerequisites(file: SourceFile, raw: YamlList | None) -> tuple[Prerequisite, ...] | None:
    found = []
    for index, entry in enumerate(raw or ()):
        file.note(("prerequisites", index), raw.item_lines[index])
        found.append(_prerequisite(file, entry, ("prerequisites", index)))
    return None if None in found else tuple(found)


def _prerequisite(file: SourceFile, entry: object, key: tuple) -> Prerequisite | None:
    if isinstance(entry, YamlMap):
        values, ok = read(file, entry, PREREQUISITE_FIELDS, key, f"prerequisite {key[-1] + 1}")
        return Prerequisite(**values) if ok else None
    try:
        return Prerequisite(module=ident(entry, "prerequisite module"))
    except Invalid as error:
        fix = f"{error.fix}; or write `competency:` and `mastery:` lines"
        file.report(file.line(key), error.message, fix)
        return None


def _check_module_name(file: SourceFile, module_id: str | None) -> None:
    name = Path(file.path).name
    if module_id and name != f"{module_id}.md":
        message = f"the file is named {name} but the module id is {module_id!r}"
        fix = f"rename the file to {module_id}.md (or fix the id: the two must match)"
        file.report(file.line(("id",)), message, fix)


def _break_module(file: SourceFile, values: dict) -> None:
    file.broke("module", values.get("id") or Path(file.path).stem)
    file.broke("module-file", file.path)


# Quizzes


def _quiz(opened: _Opened) -> Quiz | None:
    file = opened.file
    data = UNREADABLE if opened.text is None else load(opened.text, file)
    values, ok = read(file, data, QUIZ_FIELDS, (), "the quiz")
    retakes, retakes_ok = _retakes(file, values.pop("retakes", None))
    steps = _steps(file, values.pop("steps", None))
    _check_quiz_name(file, values)
    if not (ok and retakes_ok):
        _break_quiz(file, values)
        return None
    values.setdefault("module", None)
    values.setdefault("placement", False)
    return Quiz(**values, **retakes, steps=steps, path=file.path, sha256=opened.sha256)


def _retakes(file: SourceFile, raw: YamlMap | None) -> tuple[dict, bool]:
    if raw is None:
        return {}, False
    return read(file, raw, RETAKES_FIELDS, ("retakes",), "retakes")


def _check_quiz_name(file: SourceFile, values: dict) -> None:
    stem, module = Path(file.path).stem, values.get("module")
    if values.get("placement"):
        _check_placement_name(file, stem, module)
    elif stem == PLACEMENT_NAME:
        fix = "add `placement: true` (and no `module:`)"
        file.report(1, "quizzes/placement.yaml is not marked as the placement check", fix)
    elif module and stem != module:
        message = f"the file is named {stem}.yaml but the quiz is for module {module!r}"
        fix = f"rename the file to {module}.yaml: a quiz file is named after its module"
        file.report(file.line(("module",)), message, fix)


def _check_placement_name(file: SourceFile, stem: str, module: str | None) -> None:
    if module:
        fix = "remove `module:` (or remove `placement: true`)"
        file.report(file.line(("module",)), "the placement check belongs to no module", fix)
    if stem != PLACEMENT_NAME:
        message = "only quizzes/placement.yaml may be the placement check"
        fix = "rename the file to placement.yaml, or remove `placement: true`"
        file.report(file.line(("placement",)), message, fix)


def _break_quiz(file: SourceFile, values: dict) -> None:
    file.broke("quiz", values.get("id") or file.path)
    file.broke("quiz-file", file.path)
    file.broke("quiz-module", values.get("module") or Path(file.path).stem)
    if values.get("placement") or Path(file.path).stem == PLACEMENT_NAME:
        file.broke("placement", file.path)


def _steps(file: SourceFile, raw: YamlMap | None) -> tuple[Step, ...]:
    if raw is None:
        return ()
    report_duplicates(file, raw, "step id", "steps")
    steps = [_keyed_step(file, raw, name) for name in raw]
    return tuple(step for step in steps if step is not None)


def _keyed_step(file: SourceFile, raw: YamlMap, name: object) -> Step | None:
    key = ("steps", name)
    file.note(key, raw.key_lines[name])
    step = _step(file, name, raw[name], key)
    if step is None:
        file.broke("step", f"{file.path}#{name}")
        file.broke("quiz-steps", file.path)
    return step


def _step(file: SourceFile, name: object, raw: object, key: tuple) -> Step | None:
    try:
        ident(name, "step id")
    except Invalid as error:
        file.report(file.line(key), error.message, error.fix)
        return None
    kind = raw.get("type") if isinstance(raw, YamlMap) else None
    if isinstance(kind, str) and kind in STEP_READERS:
        return STEP_READERS[kind](file, name, raw, key)
    _report_step_type(file, raw, key, name)
    return None


def _report_step_type(file: SourceFile, raw: object, key: tuple, name: str) -> None:
    fix = f"add `type:` with one of {', '.join(STEP_TYPES)}"
    if not isinstance(raw, YamlMap):
        file.report(file.line(key), f"step {name!r} must be a mapping of fields", fix)
    elif "type" not in raw:
        file.report(file.line(key), f"step {name!r} has no 'type'", fix)
    else:
        message = f"step {name!r} has an unknown type {raw['type']!r}"
        file.report(raw.value_lines["type"], message, f"use one of {', '.join(STEP_TYPES)}")


def _decision(file: SourceFile, name: str, raw: YamlMap, key: tuple) -> Decision | None:
    values, ok = read(file, raw, DECISION_FIELDS, key, f"step {name!r}")
    choices = values.get("choices") or YamlList(raw.line)
    built = _entries(file, choices, (*key, "choices"), "choice", _choice)
    if not ok or len(built) != len(choices):
        return None
    return Decision(name, values["situation"], built)


def _choice(file: SourceFile, raw: object, key: tuple, what: str) -> Choice | None:
    values, ok = read(file, raw, CHOICE_FIELDS, key, what)
    evidence = _evidence(file, values.pop("evidence", None), (*key, "evidence"), values)
    if not ok or evidence is None:
        return None
    values.setdefault("feedback", "")
    return Choice(**values, evidence=evidence)


def _evidence(file: SourceFile, raw: YamlList | None, key: tuple, choice: dict):
    found = []
    for index, entry in enumerate(raw or ()):
        file.note((*key, index), raw.item_lines[index])
        what = f"evidence {index + 1} of the choice"
        values, ok = read(file, entry, EVIDENCE_FIELDS, (*key, index), what)
        default = choice.get("rating")
        found.append(Evidence(**{"rating": default, **values}) if ok and default else None)
    return None if None in found else tuple(found)


def _check(file: SourceFile, name: str, raw: YamlMap, key: tuple) -> Check | None:
    spec = ORDERING_FIELDS if raw["type"] == "ordering" else CHECK_FIELDS
    values, ok = read(file, raw, spec, key, f"step {name!r}")
    options = _options(file, values.pop("options", None), (*key, "options"))
    if not ok or options is None:
        return None
    values.setdefault("items", ())
    values.setdefault("feedback", "")
    return Check(name, **values, options=options)


def _options(file: SourceFile, raw: YamlList | None, key: tuple) -> tuple[Option, ...] | None:
    found = []
    for index, entry in enumerate(raw or ()):
        file.note((*key, index), raw.item_lines[index])
        values, ok = read(file, entry, OPTION_FIELDS, (*key, index), f"option {index + 1}")
        found.append(Option(**values) if ok else None)
    return None if None in found else tuple(found)


def _ending(file: SourceFile, name: str, raw: YamlMap, key: tuple) -> Ending | None:
    values, ok = read(file, raw, ENDING_FIELDS, key, f"step {name!r}")
    del values["type"]
    return Ending(name, **values) if ok else None


def _gate(file: SourceFile, name: str, raw: YamlMap, key: tuple) -> Gate | None:
    values, ok = read(file, raw, GATE_FIELDS, key, f"step {name!r}")
    return Gate(name, values["pass"], values["fail"]) if ok else None


STEP_READERS: dict[str, Callable[[SourceFile, str, YamlMap, tuple], Step | None]] = {
    "decision": _decision,
    "single": _check,
    "multiple": _check,
    "ordering": _check,
    "gate": _gate,
    "ending": _ending,
}


def parse_quiz(text: str, path: str) -> tuple[Quiz | None, tuple[Problem, ...]]:
    """Parse one quiz from its text, as stored with a content version; path names it in problems."""
    problems: list[Problem] = []
    file = SourceFile(path, Source(), problems)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    quiz = _quiz(_Opened(file, text, digest))
    return quiz, tuple(problems)
