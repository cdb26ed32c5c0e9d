"""Cross-file checks on a parsed catalogue: every problem names its file and line and a fix."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from course.content.lint import lint
from course.content.model import (
    Catalogue,
    Check,
    Decision,
    Ending,
    Gate,
    Module,
    Problem,
    Quiz,
    Step,
)
from course.content.parser import COMPETENCIES_PATH, parse
from course.content.render import CALLOUTS, parse_markdown
from course.content.yamlsource import Source

PLACEMENT_PATH = "quizzes/placement.yaml"
FULL_MODULE_KINDS = ("core", "case-study", "capstone")  # kinds that need vignette, terms, questions
Edge = tuple[str, tuple]  # (target id, (path, *key) of the line that names it)


def check(
    root: Path, lint_only: Collection[str] | None = None
) -> tuple[Catalogue | None, list[Problem]]:
    """Parse and validate a content folder; Catalogue is None only when nothing could be parsed.

    lint_only: run the assessment lint on these quiz paths only (an editor's quick check);
    everything else is checked in full.
    """
    parsed = parse(root)
    problems = list(parsed.problems)
    if parsed.catalogue is not None:
        problems += validate(parsed.catalogue, parsed.source)
        if not problems:  # the lint plays quizzes, so it needs them whole and well formed
            problems += lint(parsed.catalogue, parsed.source, lint_only)
    return parsed.catalogue, sorted(problems, key=lambda problem: (problem.path, problem.line))


def validate(catalogue: Catalogue, source: Source | None = None) -> list[Problem]:
    """Run every cross-file rule on a catalogue (source gives lines; without it, line 1)."""
    context = _Context(catalogue, source or Source())
    return [problem for rule in RULES for problem in rule(context)]


@dataclass(frozen=True)
class _Context:
    catalogue: Catalogue
    source: Source

    def problem(self, where: tuple, message: str, fix: str) -> Problem:
        """Make a problem at (path, *key)."""
        return Problem(where[0], self.source.line(*where), message, fix)

    def exists(self, kind: str, name: str) -> bool:
        """Tell whether an id is defined, even by a file that failed to parse."""
        lookup = getattr(self.catalogue, kind)
        return lookup(name) is not None or self.source.known(kind, name)


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# References: tracks, competencies, prerequisite modules


def _unknown_tracks(context: _Context) -> Iterator[Problem]:
    if context.source.any_broken("competencies-file"):
        return
    ids = [track.id for track in context.catalogue.tracks]
    uses = [
        (item.track, (COMPETENCIES_PATH, "competency", item.id, "track"))
        for item in context.catalogue.competencies
    ]
    uses += [(module.track, (module.path, "track")) for module in context.catalogue.modules]
    for name, where in uses:
        if not context.exists("track", name):
            fix = f"use a track id from {COMPETENCIES_PATH}{_did_you_mean(name, ids)}"
            yield context.problem(where, f"unknown track {name!r}", fix)


def _competency_uses(catalogue: Catalogue) -> Iterator[tuple[str, tuple]]:
    for module in catalogue.modules:
        yield from ((name, (module.path, "competencies", name)) for name, _ in module.competencies)
        for index, prerequisite in enumerate(module.prerequisites):
            if prerequisite.competency:
                where = (module.path, "prerequisites", index, "competency")
                yield prerequisite.competency, where
    for quiz in catalogue.quizzes:
        yield from _quiz_competency_uses(quiz)


def _quiz_competency_uses(quiz: Quiz) -> Iterator[tuple[str, tuple]]:
    for step in quiz.steps:
        if isinstance(step, Check):
            yield step.competency, (quiz.path, "steps", step.id, "competency")
        for choice in step.choices if isinstance(step, Decision) else ():
            for index, item in enumerate(choice.evidence):
                key = ("steps", step.id, "choices", choice.id, "evidence", index, "competency")
                yield item.competency, (quiz.path, *key)


def _unknown_competencies(context: _Context) -> Iterator[Problem]:
    if context.source.any_broken("competencies-file"):
        return
    ids = [competency.id for competency in context.catalogue.competencies]
    for name, where in _competency_uses(context.catalogue):
        if not context.exists("competency", name):
            fix = f"use a competency id from {COMPETENCIES_PATH}{_did_you_mean(name, ids)}"
            yield context.problem(where, f"unknown competency {name!r}", fix)


def _unknown_prerequisites(context: _Context) -> Iterator[Problem]:
    ids = [module.id for module in context.catalogue.modules]
    for module in context.catalogue.modules:
        for name, where in _prerequisite_edges(module):
            if not context.exists("module", name):
                fix = f"name an existing module id{_did_you_mean(name, ids)}, or remove it"
                yield context.problem(where, f"prerequisite module {name!r} does not exist", fix)


def _prerequisite_edges(module: Module) -> list[Edge]:
    return [
        (item.module, (module.path, "prerequisites", index))
        for index, item in enumerate(module.prerequisites)
        if item.module
    ]


def _prerequisite_cycles(context: _Context) -> Iterator[Problem]:
    catalogue = context.catalogue
    ids = [module.id for module in catalogue.modules]

    def successors(name: str) -> list[Edge]:
        return [edge for edge in _prerequisite_edges(catalogue.module(name)) if edge[0] in ids]

    for cycle, where in find_cycles(ids, successors):
        fix = "remove one of these prerequisites so that one module can be opened first"
        yield context.problem(where, f"prerequisites form a cycle: {' -> '.join(cycle)}", fix)


def find_cycles(nodes: Iterable[str], successors: Callable[[str], Iterable[Edge]]):
    """Yield (cycle, where) for each back edge found by depth-first search, in node order."""
    state: dict[str, str] = {}  # "open" while on the current path, then "done"
    for root in nodes:
        if root not in state:
            yield from _cycles_from(root, successors, state)


def _cycles_from(root: str, successors, state: dict[str, str]):
    path, stack = [root], [iter(successors(root))]
    state[root] = "open"
    while stack:
        edge = next(stack[-1], None)
        if edge is None:
            state[path.pop()] = "done"
            stack.pop()
        elif state.get(edge[0]) == "open":
            yield [*path[path.index(edge[0]) :], edge[0]], edge[1]
        elif edge[0] not in state:
            state[edge[0]] = "open"
            path.append(edge[0])
            stack.append(iter(successors(edge[0])))


# Module bodies


def _module_bodies(context: _Context) -> Iterator[Problem]:
    for module in context.catalogue.modules:
        first_line = context.source.line(module.path, "body")
        tokens = parse_markdown(module.body)
        yield from _body_problems(context, module, tokens, first_line)
        if module.kind in FULL_MODULE_KINDS:
            yield from _missing_parts(context, module, tokens)


def _body_problems(context: _Context, module: Module, tokens: list, first_line: int):
    for token in tokens:
        line = first_line + (token.map or (0,))[0]
        if token.type == "heading_open" and token.tag == "h1":
            fix = "start headings at `##`: the title comes from the front matter"
            yield Problem(module.path, line, "the body has a `#` heading", fix)
        if token.type == "inline":
            yield from _unknown_callouts(module, token.content, line)


def _unknown_callouts(module: Module, content: str, first_line: int) -> Iterator[Problem]:
    for offset, text in enumerate(content.split("\n")):
        words = text.strip().lstrip(":").split() if text.startswith(":::") else []
        kind = words[0] if words else ""
        if kind and kind not in CALLOUTS:
            fix = "use `::: key-point`, `::: vignette Optional title` or `::: caution`"
            yield Problem(module.path, first_line + offset, f"unknown callout {kind!r}", fix)


def _missing_parts(context: _Context, module: Module, tokens: list) -> Iterator[Problem]:
    where = (module.path, "kind")
    headings = {
        _heading_text(tokens, index)
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag == "h2"
    }
    if not any(token.type == "container_vignette_open" for token in tokens):
        fix = "add a `::: vignette Title` callout (a short true-to-life story), closed by `:::`"
        yield context.problem(where, f"this {module.kind} module has no vignette", fix)
    for title, fix in MODULE_SECTIONS.items():
        if title not in headings:
            yield context.problem(where, f"this {module.kind} module has no `## {title}`", fix)


def _heading_text(tokens: list, index: int) -> str:
    return tokens[index + 1].content.strip().capitalize()


MODULE_SECTIONS = {
    "Key terms": "add a `## Key terms` section: a list of `**Term**: definition` items",
    "Reflection questions": "add a `## Reflection questions` section: a numbered list",
}


# Quiz graphs


def _edges(quiz: Quiz, step: Step) -> list[Edge]:
    if isinstance(step, Decision):
        key = ("steps", step.id, "choices")
        return [(choice.next, (quiz.path, *key, choice.id, "next")) for choice in step.choices]
    if isinstance(step, Check):
        return [(step.next, (quiz.path, "steps", step.id, "next"))]
    if isinstance(step, Gate):
        key = (quiz.path, "steps", step.id)
        return [(step.pass_to, (*key, "pass")), (step.fail_to, (*key, "fail"))]
    return []


def _missing_steps(context: _Context) -> Iterator[Problem]:
    for quiz in context.catalogue.quizzes:
        ids = [step.id for step in quiz.steps]
        edges = [(quiz.start, (quiz.path, "start"))]
        edges += [edge for step in quiz.steps for edge in _edges(quiz, step)]
        for name, where in edges:
            if name not in ids and not context.source.known("step", f"{quiz.path}#{name}"):
                fix = f"name one of this quiz's steps{_did_you_mean(name, ids)}, or add the step"
                yield context.problem(where, f"there is no step {name!r} in this quiz", fix)


def _quiz_paths(context: _Context) -> Iterator[Problem]:
    for quiz in context.catalogue.quizzes:
        if not context.source.known("quiz-steps", quiz.path):
            yield from _path_problems(context, quiz)


def _path_problems(context: _Context, quiz: Quiz) -> Iterator[Problem]:
    ids = {step.id for step in quiz.steps}

    def successors(name: str) -> list[Edge]:
        return [edge for edge in _edges(quiz, quiz.step(name)) if edge[0] in ids]

    reached = _reachable(quiz.start, successors) if quiz.start in ids else set()
    looping: set[str] = set()
    for cycle, where in find_cycles([s.id for s in quiz.steps if s.id in reached], successors):
        looping.update(cycle)
        fix = "point a `next` in the loop at a later step or an ending: no path may loop"
        yield context.problem(where, f"the path loops: {' -> '.join(cycle)}", fix)
    if _dangling(quiz, ids):
        return  # a `next` naming no step is reported alone: what it cuts off follows from it
    yield from _unreachable(context, quiz, reached)
    yield from _dead_ends(context, quiz, reached - looping, successors)


def _dangling(quiz: Quiz, ids: set[str]) -> bool:
    return any(name not in ids for step in quiz.steps for name, _ in _edges(quiz, step))


def _reachable(start: str, successors: Callable[[str], list[Edge]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for name, _ in successors(todo.pop()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def _unreachable(context: _Context, quiz: Quiz, reached: set[str]) -> Iterator[Problem]:
    if quiz.start not in reached:
        return  # the missing start is reported on its own
    for step in quiz.steps:
        if step.id not in reached:
            message = f"step {step.id!r} cannot be reached from the start {quiz.start!r}"
            fix = "point a `next` at it, or remove it"
            yield context.problem((quiz.path, "steps", step.id), message, fix)


def _dead_ends(context: _Context, quiz: Quiz, candidates: set[str], successors):
    ending = {step.id for step in quiz.steps if isinstance(step, Ending)}
    for step in quiz.steps:
        edges = successors(step.id)
        # A step with no valid next is reported as such (missing step, too few choices).
        if step.id in candidates - ending and edges and not _ends(step.id, successors, ending):
            message = f"no path from step {step.id!r} reaches an ending"
            fix = "make each `next` from it lead, without looping, to an ending"
            yield context.problem((quiz.path, "steps", step.id), message, fix)


def _ends(start: str, successors, ending: set[str]) -> bool:
    return bool(_reachable(start, successors) & ending)


# Decision points and knowledge checks


def _decisions(context: _Context) -> Iterator[Problem]:
    for quiz in context.catalogue.quizzes:
        for step in quiz.steps:
            if isinstance(step, Decision):
                yield from _decision_problems(context, quiz, step)


def _decision_problems(context: _Context, quiz: Quiz, step: Decision) -> Iterator[Problem]:
    key = (quiz.path, "steps", step.id, "choices")
    if len(step.choices) < 2:
        message = f"decision point {step.id!r} has {len(step.choices)} choice(s)"
        yield context.problem(key, message, "give it at least two choices")
    for choice in step.choices:
        what = f"choice {choice.id!r} of step {step.id!r}"
        if not choice.feedback:
            fix = "add `feedback:` saying why the choice is rated so"
            yield context.problem((*key, choice.id), f"{what} has no feedback", fix)
        if not choice.evidence:
            fix = "add `evidence:` naming at least one competency with a weight"
            yield context.problem((*key, choice.id), f"{what} gives no evidence", fix)


def _rated_decisions(context: _Context) -> Iterator[Problem]:
    for quiz in context.catalogue.quizzes:
        if _has_rated_decision(quiz) or context.source.known("quiz-steps", quiz.path):
            continue
        message = "no decision point in this quiz has choices that differ in rating"
        fix = "rate the choices of at least one decision point differently (best, acceptable, poor)"
        yield context.problem((quiz.path, "steps"), message, fix)


def _has_rated_decision(quiz: Quiz) -> bool:
    return any(
        len({choice.rating for choice in step.choices}) > 1
        for step in quiz.steps
        if isinstance(step, Decision)
    )


def _checks(context: _Context) -> Iterator[Problem]:
    for quiz in context.catalogue.quizzes:
        for step in quiz.steps:
            if isinstance(step, Check):
                yield from _check_problems(context, (quiz.path, "steps", step.id), step)


def _check_problems(context: _Context, key: tuple, step: Check) -> Iterator[Problem]:
    correct = sum(option.correct for option in step.options)
    name = f"{step.type} check {step.id!r}"
    if step.type == "ordering" and len(step.items) < 2:
        yield context.problem(
            (*key, "items"), f"{name} has fewer than two items", "list two or more"
        )
    if step.type != "ordering" and len(step.options) < 2:
        yield context.problem(
            (*key, "options"), f"{name} has fewer than two options", "add options"
        )
    if step.type == "single" and correct != 1:
        fix = "mark exactly one option `correct: true` (or use `type: multiple`)"
        yield context.problem((*key, "options"), f"{name} has {correct} correct options", fix)
    if step.type == "multiple" and not correct:
        fix = "mark at least one option `correct: true`"
        yield context.problem((*key, "options"), f"{name} has no correct option", fix)


def _gates(context: _Context) -> Iterator[Problem]:
    for quiz in context.catalogue.quizzes:
        for step in quiz.steps:
            if isinstance(step, Gate):
                yield from _gate_problems(context, quiz, step)


GATE_OUTCOMES = {"pass": ("success", "partial"), "fail": ("failure", "partial")}


def _gate_problems(context: _Context, quiz: Quiz, gate: Gate) -> Iterator[Problem]:
    for band, target in (("pass", gate.pass_to), ("fail", gate.fail_to)):
        where = (quiz.path, "steps", gate.id, band)
        step = next((s for s in quiz.steps if s.id == target), None)
        allowed = GATE_OUTCOMES[band]
        if step is None:
            continue  # a missing step is reported on its own
        if not isinstance(step, Ending):
            message = f"gate {gate.id!r} sends a {band} to {target!r}, which is not an ending"
            yield context.problem(where, message, "point a gate at endings only")
        elif step.outcome not in allowed:
            message = f"gate {gate.id!r} sends a {band} to the {step.outcome} ending {target!r}"
            fix = f"point `{band}:` at an ending whose outcome is {' or '.join(allowed)}"
            yield context.problem(where, message, fix)


# Modules and quizzes belong together


def _quiz_modules(context: _Context) -> Iterator[Problem]:
    owners: dict[str, str] = {}
    for quiz in context.catalogue.quizzes:
        if not quiz.placement:
            yield from _quiz_module_problems(context, quiz, owners)


def _quiz_module_problems(context: _Context, quiz: Quiz, owners: dict[str, str]):
    if quiz.module is None:
        fix = "add `module: <module id>` (or `placement: true` for the placement check)"
        yield context.problem((quiz.path, "id"), f"quiz {quiz.id!r} belongs to no module", fix)
    elif not context.exists("module", quiz.module):
        ids = [module.id for module in context.catalogue.modules]
        message = f"quiz {quiz.id!r} is for module {quiz.module!r}, which does not exist"
        fix = f"name an existing module{_did_you_mean(quiz.module, ids)}"
        yield context.problem((quiz.path, "module"), message, fix)
    elif quiz.module in owners:
        message = f"module {quiz.module!r} already has a quiz in {owners[quiz.module]}"
        yield context.problem((quiz.path, "module"), message, "keep one quiz per module")
    else:
        owners[quiz.module] = quiz.path


def _modules_without_quiz(context: _Context) -> Iterator[Problem]:
    for module in context.catalogue.modules:
        known = context.source.known("quiz-module", module.id)
        if context.catalogue.quiz_for(module.id) is None and not known:
            fix = f"add quizzes/{module.id}.yaml with `module: {module.id}`"
            yield context.problem((module.path, "id"), f"module {module.id!r} has no quiz", fix)


# Coverage of competencies


def _tested(quizzes: Iterable[Quiz]) -> set[str]:
    return {name for quiz in quizzes for name, _ in _quiz_competency_uses(quiz)}


def _coverage(context: _Context) -> Iterator[Problem]:
    catalogue, source = context.catalogue, context.source
    taught = {name for module in catalogue.modules for name, _ in module.competencies}
    tested = _tested(quiz for quiz in catalogue.quizzes if not quiz.placement)
    check_taught = not source.any_broken("module-file")
    check_tested = not (source.any_broken("quiz-file") or source.any_broken("quiz-steps"))
    for competency in catalogue.competencies:
        where = (COMPETENCIES_PATH, "competency", competency.id)
        if check_taught and competency.id not in taught:
            fix = "list it under `competencies:` in the front matter of a module that teaches it"
            yield context.problem(where, f"no module teaches {competency.id!r}", fix)
        if check_tested and competency.id not in tested:
            fix = "give evidence on it in a module's quiz (a choice's evidence or a check)"
            yield context.problem(where, f"no quiz tests {competency.id!r}", fix)


def _placement(context: _Context) -> Iterator[Problem]:
    placement = context.catalogue.placement
    if placement is None and not context.source.any_broken("placement"):
        fix = f"add {PLACEMENT_PATH} with `placement: true` and evidence on every competency"
        yield Problem(PLACEMENT_PATH, 1, "there is no placement check", fix)
    if placement is None or context.source.known("quiz-steps", placement.path):
        return
    tested = _tested([placement])
    for competency in context.catalogue.competencies:
        if competency.id not in tested:
            message = f"the placement check gives no evidence on {competency.id!r}"
            fix = f"add a choice with evidence on {competency.id}, or a check on it"
            yield context.problem((placement.path, "steps"), message, fix)


RULES: tuple[Callable[[_Context], Iterator[Problem]], ...] = (
    _unknown_tracks,
    _unknown_competencies,
    _unknown_prerequisites,
    _prerequisite_cycles,
    _module_bodies,
    _missing_steps,
    _quiz_paths,
    _decisions,
    _rated_decisions,
    _checks,
    _gates,
    _quiz_modules,
    _modules_without_quiz,
    _coverage,
    _placement,
)
