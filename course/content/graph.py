"""Lay a quiz out as a graph to draw: steps as boxes in rows by depth, choices as arrows.

Pure: the web draws the result as SVG. Steps the start cannot reach go in a last row; steps from
which no ending can be reached (dead ends) and `next`s naming no step are marked.
"""

from __future__ import annotations

from dataclasses import dataclass

from course.content.model import RATINGS, Check, Decision, Ending, Gate, Quiz, Step

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 170, 52, 40, 90, 20
LOOP_ROOM = 140  # each side, for the arrows drawn as curves


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
    back: bool  # points to the same row or one above: drawn as a curve on the right
    bend: int = 0  # skips rows: drawn as a curve this far to the side, clear of the boxes

    @property
    def label_x(self) -> int:
        if self.back:
            return max(self.x1, self.x2) + 70
        if not self.bend:
            return (self.x1 + self.x2) // 2
        return (self.x1 + self.x2) // 2 + self.bend * 3 // 4 + (4 if self.bend > 0 else -4)

    @property
    def label_anchor(self) -> str:
        """Where the label's text hangs from its point: off a curve, away from the boxes."""
        if self.back or self.bend > 0:
            return "start"
        return "end" if self.bend < 0 else "middle"

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
    """Return each reachable step's row: the longest path to it from the start, ignoring the
    links that close a loop, so that every other arrow points down."""
    if quiz.start not in ids:
        return {}
    order: list[str] = []  # postorder of a depth-first walk, reversed: a topological order
    loops: set[tuple[str, str]] = set()
    state = {quiz.start: 1}  # 1 on the walk's stack, 2 done
    stack = [(quiz.start, iter(_links(quiz.step(quiz.start))))]
    while stack:  # iterative: a long chain of steps must not exhaust Python's stack
        here, links = stack[-1]
        target = next((t for t, _, _ in links if t in ids), None)
        if target is None:
            state[here] = 2
            order.append(here)
            stack.pop()
        elif state.get(target) == 1:
            loops.add((here, target))
        elif target not in state:
            state[target] = 1
            stack.append((target, iter(_links(quiz.step(target)))))
    depth = dict.fromkeys(order, 0)
    for here in reversed(order):
        for target, _, _ in _links(quiz.step(here)):
            if target in depth and (here, target) not in loops:
                depth[target] = max(depth[target], depth[here] + 1)
    return depth


def _ordered(rows: dict[int, list[Step]], quiz: Quiz) -> dict[int, list[Step]]:
    """Order each row by the mean place of the steps that lead to it (fewer crossings)."""
    place: dict[str, float] = {}
    parents: dict[str, list[str]] = {}
    for step in quiz.steps:
        for target, _, _ in _links(step):
            parents.setdefault(target, []).append(step.id)
    for row in sorted(rows):

        def key(step: Step) -> float:
            seen = [place[p] for p in parents.get(step.id, []) if p in place]
            return sum(seen) / len(seen) if seen else float("inf")

        rows[row].sort(key=key)
        for n, step in enumerate(rows[row]):
            place[step.id] = n - (len(rows[row]) - 1) / 2
    return rows


def _reaches_ending(quiz: Quiz) -> set[str]:
    """Return the steps from which some path reaches an ending (a walk back from the endings)."""
    parents: dict[str, list[str]] = {}
    for step in quiz.steps:
        for target, _, _ in _links(step):
            parents.setdefault(target, []).append(step.id)
    good = {s.id for s in quiz.steps if isinstance(s, Ending)}
    todo = list(good)
    while todo:
        for parent in parents.get(todo.pop(), []):
            if parent not in good:
                good.add(parent)
                todo.append(parent)
    return good


def layout(quiz: Quiz) -> Graph:
    """Lay a quiz out for drawing."""
    ids = {step.id for step in quiz.steps}
    depth = _depths(quiz, ids)
    last = max(depth.values(), default=-1) + 1
    rows: dict[int, list[Step]] = {}
    for step in quiz.steps:
        rows.setdefault(depth.get(step.id, last), []).append(step)
    rows = _ordered(rows, quiz)
    widest = max((len(r) for r in rows.values()), default=1)
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X + 2 * LOOP_ROOM
    ending = _reaches_ending(quiz)
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
        skips = there.y - here.y > BOX_H + GAP_Y
        bend = (BOX_W if there.x > here.x else -BOX_W) if skips else 0
        edges.append(
            Edge(
                step.id,
                target,
                ", ".join(label for label, _ in links),
                best,
                here.x + (BOX_W if back else BOX_W // 2),
                here.y + (BOX_H // 2 if back else BOX_H),
                there.x + (BOX_W if back else BOX_W // 2),
                there.y + (BOX_H // 2 if back else 0),
                back,
                bend,
            )
        )
    return edges
