"""Chart geometry for server-rendered SVG: numbers in, coordinates and labels out.

The templates draw the markup (templates/progress/_charts.html); nothing here knows Flask or the
database, so the arithmetic is tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 28, 12, 40
PERCENT_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
MAX_X_LABELS = 8


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis, in SVG units."""

    at: float
    label: str


@dataclass(frozen=True)
class Series:
    """One line of a chart: its name and its points in SVG units."""

    name: str
    points: tuple[tuple[float, float], ...]

    @property
    def path(self) -> str:
        """Return the points as an SVG polyline's points attribute."""
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass(frozen=True)
class LineChart:
    """A line chart of shares in [0, 1] against an ordered x, ready to draw."""

    series: tuple[Series, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    guide: Tick | None = None  # a dashed horizontal line, e.g. the mastery threshold
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def _y(value: float) -> float:
    """Place a share in [0, 1] on the vertical axis (0 at the bottom)."""
    share = min(max(value, 0.0), 1.0)
    return (HEIGHT - BOTTOM) - share * (HEIGHT - BOTTOM - TOP)


def _x_scale(xs: Sequence[float]):  # noqa: ANN202 - a function from x to SVG units
    """Map xs onto the plot's width; a single x (or all equal) sits in the middle."""
    low, high = (min(xs), max(xs)) if xs else (0.0, 0.0)
    span = WIDTH - RIGHT - LEFT
    if high == low:
        return lambda x: LEFT + span / 2
    return lambda x: LEFT + (x - low) / (high - low) * span


def line_chart(
    xs: Sequence[float],
    series: Mapping[str, Sequence[float]],
    x_labels: Sequence[tuple[float, str]],
    guide: float | None = None,
) -> LineChart:
    """Lay out lines of shares (one value per x) with percent ticks and at most eight x labels."""
    scale = _x_scale(xs)
    lines = tuple(
        Series(name, tuple((scale(x), _y(v)) for x, v in zip(xs, values, strict=True)))
        for name, values in series.items()
    )
    step = max(1, -(-len(x_labels) // MAX_X_LABELS))
    return LineChart(
        lines,
        tuple(Tick(scale(x), label) for x, label in x_labels[::step]),
        tuple(Tick(_y(v), f"{round(v * 100)}%") for v in PERCENT_TICKS),
        Tick(_y(guide), f"{round(guide * 100)}%") if guide is not None else None,
    )


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar: where it starts, how wide it is, and its band index."""

    x: float
    width: float
    band: int
    count: int


def stacked_bar(counts: Sequence[int], width: float = 300.0) -> tuple[Segment, ...]:
    """Split a bar of the given width into segments proportional to counts (empty ones left out)."""
    total = sum(counts)
    if total == 0:
        return ()
    segments, x = [], 0.0
    for band, count in enumerate(counts):
        if count:
            w = width * count / total
            segments.append(Segment(round(x, 1), round(w, 1), band, count))
            x += w
    return tuple(segments)


def time_labels(low: float, high: float, fmt: str) -> list[tuple[float, str]]:
    """Return five evenly spaced labels between two POSIX times (one when they are equal)."""
    spots = [low] if high == low else [low + i * (high - low) / 4 for i in range(5)]
    return [(t, datetime.fromtimestamp(t, UTC).strftime(fmt)) for t in spots]


@dataclass(frozen=True)
class Panel:
    """A titled chart, one of several small ones."""

    title: str
    chart: LineChart


def track_panels(
    tracks: Sequence[Mapping],
    competencies: Sequence[Mapping],
    values: Callable[[str], Sequence[float]],
    xs: Sequence[float],
    labels: Sequence[tuple[float, str]],
) -> tuple[Panel, ...]:
    """Lay out mastery lines as one small chart per track (a few lines each), with the mastery
    threshold as a guide; values(competency id) gives one share per x."""
    panels = []
    for track in tracks:
        comps = [c for c in competencies if c["track"] == track["id"]]
        if comps:
            series = {c["name"]: values(c["id"]) for c in comps}
            guide = comps[0]["params"].get("threshold", 0.95)
            panels.append(Panel(track["name"], line_chart(xs, series, labels, guide)))
    return tuple(panels)
