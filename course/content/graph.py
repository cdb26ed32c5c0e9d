"""Lay a quiz out as a graph to draw: steps as boxes in rows by depth, choices as arrows.

Pure: the web draws the result as SVG. Steps the start cannot reach go in a last row; steps from
which no ending can be reached (dead ends) and `next`s naming no step are marked.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from course.content.model import RATINGS, Check, Decision, Ending, Gate, Quiz, Step

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 170, 52, 40, 90, 20


@dataclass(frozen=True)
class Node:
    """One step as a box."""

    id: str
    kind: str  # decision | single | multiple | ordering | gate | ending
    outcome: str | None  # endings only
    x: int
    y: int
    unreachable: bool
    dead_end: bool
    missing: tuple[str, ...]  # `next`s naming no step

    @property
    def label(self) -> str:
        return self.id if len(self.id) <= 22 else self.id[:21] + "…"

    @property
    def caption(self) -> str:
        kind = f"ending: {self.outcome}" if self.kind == "ending" else self.kind
        flags = [
            f for f, on in (("unreachable", self.unreachable), ("dead end", self.dead_end)) if on
        ]
        return " · ".join([kind, *flags])


@dataclass(frozen=True)
class Edge:
    """The choices (or the check, or the gate's branch) leading from one step to another."""

    source: str
    target: str
    label: str  # e.g. "a: best, c: acceptable"
    rating: str | None  # the best rating among the choices; None for checks and gates
    x1: int
    y1: int
    x2: int
    y2: int
    back: bool  # points to the same row or one above: drawn as a curve

    @property
    def label_x(self) -> int:
        return (self.x1 + self.x2) // 2 + (60 if self.back else 0)

    @property
    def label_y(self) -> int:
        return (self.y1 + self.y2) // 2


@dataclass(frozen=True)
class Graph:
    """A quiz laid out: boxes, arrows and the size of the drawing."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: int
    height: int
    start: str


def _links(step: Step) -> list[tuple[str, str, str | None]]:
    """Return (target, label, rating) for each way out of a step."""
    if isinstance(step, Decision):
        return [(c.next, f"{c.id}: {c.rating}", c.rating) for c in step.choices]
    if isinstance(step, Gate):
        return [(step.pass_to, "pass", None), (step.fail_to, "fail", None)]
    if isinstance(step, Check):
        return [(step.next, "next", None)]
    return []


def _depths(quiz: Quiz, ids: set[str]) -> dict[str, int]:
    """Return each reachable step's shortest distance from the start."""
    if quiz.start not in ids:
        return {}
    depth, todo = {quiz.start: 0}, deque([quiz.start])
    while todo:
        here = todo.popleft()
        for target, _, _ in _links(quiz.step(here)):
            if target in ids and target not in depth:
                depth[target] = depth[here] + 1
                todo.append(target)
    return depth


def _reaches_ending(quiz: Quiz, ids: set[str]) -> set[str]:
    """Return the steps from which some path reaches an ending."""
    good = {s.id for s in quiz.steps if isinstance(s, Ending)}
    changed = True
    while changed:
        changed = False
        for step in quiz.steps:
            if step.id not in good and any(t in good for t, _, _ in _links(step)):
                good.add(step.id)
                changed = True
    return good


def layout(quiz: Quiz) -> Graph:
    """Lay a quiz out for drawing."""
    ids = {step.id for step in quiz.steps}
    depth = _depths(quiz, ids)
    last = max(depth.values(), default=-1) + 1
    rows: dict[int, list[Step]] = {}
    for step in quiz.steps:
        rows.setdefault(depth.get(step.id, last), []).append(step)
    widest = max((len(r) for r in rows.values()), default=1)
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X
    ending = _reaches_ending(quiz, ids)
    nodes = {}
    for row, steps in sorted(rows.items()):
        used = len(steps) * BOX_W + (len(steps) - 1) * GAP_X
        left = (width - used) // 2
        for n, step in enumerate(steps):
            nodes[step.id] = Node(
                step.id,
                step.type,
                step.outcome if isinstance(step, Ending) else None,
                left + n * (BOX_W + GAP_X),
                MARGIN + row * (BOX_H + GAP_Y),
                step.id not in depth,
                step.id in depth and step.id not in ending,
                tuple(t for t, _, _ in _links(step) if t not in ids),
            )
    height = MARGIN * 2 + (max(rows, default=0) + 1) * (BOX_H + GAP_Y) - GAP_Y
    edges = tuple(e for step in quiz.steps for e in _edges(step, nodes))
    return Graph(tuple(nodes.values()), edges, width, height, quiz.start)


def _edges(step: Step, nodes: dict[str, Node]) -> list[Edge]:
    """Merge the links of a step that lead to the same target into one arrow."""
    merged: dict[str, list[tuple[str, str | None]]] = {}
    for target, label, rating in _links(step):
        if target in nodes:
            merged.setdefault(target, []).append((label, rating))
    here = nodes[step.id]
    edges = []
    for target, links in merged.items():
        there = nodes[target]
        ratings = [r for _, r in links if r]
        best = min(ratings, key=RATINGS.index) if ratings else None
        back = there.y <= here.y
        edges.append(
            Edge(
                step.id,
                target,
                ", ".join(label for label, _ in links),
                best,
                here.x + BOX_W // 2,
                here.y + (BOX_H // 2 if back else BOX_H),
                there.x + BOX_W // 2,
                there.y + (BOX_H // 2 if back else 0),
                back,
            )
        )
    return edges
