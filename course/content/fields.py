"""Field converters and the reader that checks a YAML mapping against a field spec."""

from __future__ import annotations

import re
from collections.abc import Callable

from course.content.model import RATINGS
from course.content.yamlsource import UNREADABLE, SourceFile, YamlList, YamlMap

ID_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*\Z")
ID_FIX = (
    "use lowercase letters, digits and single hyphens, starting with a letter"
    " (like security-1-threats)"
)


class Invalid(Exception):
    """A value that does not fit its field."""

    def __init__(self, message: str, fix: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.line = line


Converter = Callable[[object, str], object]
Spec = dict[str, tuple[Converter, bool]]  # field name -> (converter, required)


def describe(value: object) -> str:
    """Name the kind of a YAML value in plain words."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def is_number(value: object) -> bool:
    """Tell whether a YAML value is an int or float (YAML's true/false are not numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def anything(value: object, name: str) -> object:
    """Accept any value (for fields checked elsewhere)."""
    return value


def ident(value: object, name: str) -> str:
    """Accept an id: lowercase words joined by hyphens."""
    if isinstance(value, str) and ID_PATTERN.match(value):
        return value
    raise Invalid(f"{name}: {describe(value)} is not a valid id", ID_FIX)


def text(value: object, name: str) -> str:
    """Accept non-empty text."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if value is None or isinstance(value, str):
        raise Invalid(f"{name} is empty", f"write the {name} after `{name}:`")
    raise Invalid(
        f"{name} must be text, but YAML reads {describe(value)}",
        "put the text in quotes so YAML keeps it as text",
    )


def one_of(*allowed: object) -> Converter:
    """Make a converter that accepts only the listed values."""
    choices = ", ".join(str(item) for item in allowed)

    def convert(value: object, name: str) -> object:
        if not isinstance(value, bool) and value in allowed:
            return value
        raise Invalid(f"{name}: {describe(value)} is not one of {choices}", f"use one of {choices}")

    return convert


rating = one_of(*RATINGS)


def number_in(low: float, high: float | None, *, low_open: bool) -> Converter:
    """Make a converter for a number in [low, high] or (low, high]."""
    shown = f"{'(' if low_open else '['}{low:g}, {'∞)' if high is None else f'{high:g}]'}"

    def convert(value: object, name: str) -> float:
        above = is_number(value) and (value > low if low_open else value >= low)
        if above and (high is None or value <= high):
            return float(value)
        raise Invalid(f"{name}: {describe(value)} is outside {shown}", f"use a number in {shown}")

    return convert


weight = number_in(0, 1, low_open=True)
probability = number_in(0, 1, low_open=False)
hours = number_in(0, None, low_open=False)


def whole_number(low: int) -> Converter:
    """Make a converter for a whole number at least low."""

    def convert(value: object, name: str) -> int:
        if is_number(value) and float(value).is_integer() and value >= low:
            return int(value)
        message = f"{name}: {describe(value)} is not a whole number of at least {low}"
        raise Invalid(message, f"use a whole number of at least {low}")

    return convert


def flag(value: object, name: str) -> bool:
    """Accept true or false."""
    if isinstance(value, bool):
        return value
    raise Invalid(f"{name}: {describe(value)} is not true or false", "use true or false")


def mapping(value: object, name: str) -> YamlMap:
    """Accept a mapping (read further by the caller)."""
    if isinstance(value, YamlMap):
        return value
    raise Invalid(
        f"{name} must be a mapping, not {describe(value)}",
        f"indent `key: value` lines under {name}",
    )


def items(value: object, name: str) -> YamlList:
    """Accept a list (read further by the caller)."""
    if isinstance(value, YamlList):
        return value
    raise Invalid(
        f"{name} must be a list, not {describe(value)}",
        f"write one `- item` line per entry under {name}",
    )


def texts(value: object, name: str) -> tuple[str, ...]:
    """Accept a non-empty list of texts."""
    entries = items(value, name)
    if not entries:
        raise Invalid(f"{name} is an empty list", f"add at least one `- entry` under {name}")
    for index, entry in enumerate(entries):
        if not (isinstance(entry, str) and entry.strip()):
            message = f"{name} entry {index + 1} must be text, not {describe(entry)}"
            raise Invalid(message, "write text (in quotes if needed)", entries.item_lines[index])
    return tuple(entry.strip() for entry in entries)


def read(file: SourceFile, data: object, spec: Spec, key: tuple, what: str) -> tuple[dict, bool]:
    """Check a mapping against a spec; return the converted values and whether all were fine."""
    if data is UNREADABLE:
        return {}, False
    if not isinstance(data, YamlMap):
        fix = "write its fields as indented `field: value` lines"
        file.report(file.line(key), f"{what} must be a mapping, not {describe(data)}", fix)
        return {}, False
    report_duplicates(file, data, "field", what)
    values, ok = _convert_all(file, data, spec, key, what)
    return values, ok and _has_required(file, data, spec, key, what)


def report_duplicates(file: SourceFile, data: YamlMap, noun: str, what: str) -> None:
    """Report keys written twice in one mapping."""
    for name, line in data.duplicates:
        first = data.key_lines[name]
        fix = "keep one of them: each may appear only once"
        file.report(line, f"{noun} {name!r} appears twice in {what} (first on line {first})", fix)


def _convert_all(file: SourceFile, data: YamlMap, spec: Spec, key: tuple, what: str):
    values, ok = {}, True
    for name, raw in data.items():
        file.note((*key, name), data.key_lines[name])
        if name not in spec:
            fix = f"use only {', '.join(spec)} here (check the spelling)"
            file.report(data.key_lines[name], f"unknown field {name!r} in {what}", fix)
            continue
        if raw is None and not spec[name][1]:
            continue  # an optional field left empty (`prerequisites:`) counts as left out
        try:
            values[name] = spec[name][0](raw, name)
        except Invalid as error:
            ok = False
            file.report(error.line or data.value_lines[name], error.message, error.fix)
    return values, ok


def _has_required(file: SourceFile, data: YamlMap, spec: Spec, key: tuple, what: str) -> bool:
    missing = [name for name, (_, required) in spec.items() if required and name not in data]
    for name in missing:
        file.report(file.line(key), f"{what} has no {name!r}", f"add `{name}:` to {what}")
    return not missing
