"""YAML loading that keeps the line of every key, value and list item."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from course.content.model import Problem

# libyaml's composer is about ten times faster than the pure-Python one, and gives the same marks.
COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAML_FIX = (
    "fix the YAML here: check the indentation and the colons, and put text that contains ': ' "
    "or starts with a special character in quotes"
)


class Unreadable:
    """The value of YAML that could not be parsed (the syntax error is already reported)."""


UNREADABLE = Unreadable()


class YamlMap(dict):
    """A YAML mapping that remembers where it, its keys and its values are."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[object, int] = {}
        self.value_lines: dict[object, int] = {}
        self.duplicates: list[tuple[object, int]] = []


class YamlList(list):
    """A YAML sequence that remembers where it and each of its items are."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


@dataclass
class Source:
    """Where things are in the content files, for problems found after parsing."""

    lines: dict[tuple[object, ...], int] = field(default_factory=dict)
    broken: set[tuple[str, str]] = field(default_factory=set)

    def line(self, path: str, *key: object) -> int:
        """Return the line of the longest recorded prefix of (path, *key), else 1."""
        for end in range(len(key), -1, -1):
            found = self.lines.get((path, *key[:end]))
            if found is not None:
                return found
        return 1

    def known(self, kind: str, ident: str) -> bool:
        """Tell whether a file defines this id even though it could not be parsed."""
        return (kind, ident) in self.broken

    def any_broken(self, kind: str) -> bool:
        """Tell whether any definition of this kind could not be parsed."""
        return any(broken_kind == kind for broken_kind, _ in self.broken)


@dataclass
class SourceFile:
    """One file being read: its path, the problems found in it and where things are."""

    path: str
    source: Source
    problems: list[Problem]

    def report(self, line: int, message: str, fix: str) -> None:
        """Record a problem at a line of this file."""
        self.problems.append(Problem(self.path, line, message, fix))

    def note(self, key: tuple[object, ...], line: int) -> None:
        """Record the line of a key of this file."""
        self.source.lines[(self.path, *key)] = line

    def line(self, key: tuple[object, ...]) -> int:
        """Return the recorded line of a key of this file (or of its nearest parent)."""
        return self.source.line(self.path, *key)

    def broke(self, kind: str, ident: str) -> None:
        """Remember that an id exists in the files though its definition is broken."""
        self.source.broken.add((kind, ident))


def load(text: str, file: SourceFile, offset: int = 0) -> object:
    """Parse YAML text into plain values with lines; report a syntax error, returning UNREADABLE."""
    try:
        node = yaml.compose(text, Loader=COMPOSER)
        return None if node is None else _Builder(file, offset).value(node)
    except yaml.MarkedYAMLError as error:
        file.report(_error_line(error, offset), f"invalid YAML: {_describe(error)}", YAML_FIX)
    except yaml.YAMLError as error:
        file.report(_reader_line(error, text, offset), f"invalid YAML: {error}", YAML_FIX)
    return UNREADABLE


def _error_line(error: yaml.MarkedYAMLError, offset: int) -> int:
    mark = error.problem_mark or error.context_mark
    return (mark.line + 1 if mark else 1) + offset


def _reader_line(error: yaml.YAMLError, text: str, offset: int) -> int:
    position = getattr(error, "position", 0) or 0
    return text.count("\n", 0, position) + 1 + offset


def _describe(error: yaml.MarkedYAMLError) -> str:
    parts = [error.context, error.problem]
    return ", ".join(part for part in parts if part) or "unreadable"


class _Builder:
    """Turn a composed YAML node tree into YamlMap, YamlList and plain scalars."""

    def __init__(self, file: SourceFile, offset: int) -> None:
        self.file = file
        self.offset = offset
        self.constructor = yaml.SafeLoader("")
        self.built: dict[int, object] = {}  # aliases share one value, and cycles end

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.offset

    def value(self, node: yaml.Node) -> object:
        if id(node) in self.built:
            return self.built[id(node)]
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node)
        return self.constructor.construct_object(node)

    def mapping(self, node: yaml.MappingNode) -> YamlMap:
        result = self.built[id(node)] = YamlMap(self.line(node))
        for key_node, value_node in node.value:
            self.entry(result, key_node, value_node)
        return result

    def entry(self, result: YamlMap, key_node: yaml.Node, value_node: yaml.Node) -> None:
        line = self.line(key_node)
        if not isinstance(key_node, yaml.ScalarNode):
            self.file.report(line, "a key must be a plain word", "write `key: value`")
            return
        key = self.constructor.construct_object(key_node)
        if key in result:
            result.duplicates.append((key, line))
            return
        result[key] = self.value(value_node)
        result.key_lines[key] = line
        result.value_lines[key] = self.line(value_node)

    def sequence(self, node: yaml.SequenceNode) -> YamlList:
        result = self.built[id(node)] = YamlList(self.line(node))
        for item in node.value:
            result.append(self.value(item))
            result.item_lines.append(self.line(item))
        return result
