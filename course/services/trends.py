"""Cohort trends: mastery and completion week by week, mastery bands now, and who is at risk.

Fixed queries whatever the cohort's size: the cohort report (the same figures as the cohort page)
and one query of the trainees' events, replayed through the course's engine week by week.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby

from sqlalchemy import func, select

from course import engine
from course.extensions import db
from course.models import Cohort, Event
from course.models.types import utcnow
from course.services import charts, reports
from course.services.catalogue import Course
from course.services.reports import CohortReport, TraineeRow

WEEK = timedelta(days=7)
BATCH = 2000  # events read at a time: memory stays flat whatever the cohort's size
# The cohort page's heatmap shading: under 40%, 40-69%, 70% to the threshold, mastered.
BANDS = ("under 40%", "40–69%", "70% to mastery", "mastered")


def band(value: float, threshold: float) -> int:
    """Return the heatmap band of a mastery value."""
    if value >= threshold:
        return 3
    return 2 if value >= 0.7 else (1 if value >= 0.4 else 0)


@dataclass(frozen=True)
class Week:
    """The cohort at the end of one week (or now, for the week under way)."""

    start: date
    measured_at: datetime
    mastery: dict[str, float]  # cohort average per competency
    modules: float  # modules read per trainee, on average
    complete: float  # share of trainees who have completed the course
    active: int  # trainees who did anything during the week


@dataclass(frozen=True)
class Trends:
    """Everything the trends page shows."""

    report: CohortReport
    weeks: tuple[Week, ...]
    distribution: dict[str, tuple[int, int, int, int]]
    module_count: int


def trends(cohort: Cohort, course: Course) -> Trends:
    """Measure a cohort week by week since its first event, and its mastery bands now."""
    report = reports.cohort_report(cohort, course)
    ids = [r.user.id for r in report.rows]
    first = db.session.scalar(select(func.min(Event.at)).where(Event.user_id.in_(ids)))
    weeks: tuple[Week, ...] = ()
    if first is not None:
        rows = db.session.execute(
            select(Event.user_id, Event.kind, Event.module_slug, Event.data, Event.at)
            .where(Event.user_id.in_(ids))
            .order_by(Event.user_id, Event.id)
            .execution_options(yield_per=BATCH)
        )
        weeks = _weeks(rows, len(ids), course, rules(cohort), first, utcnow())
    return Trends(report, weeks, distribution(report), len(course.modules))


def rules(cohort: Cohort) -> engine.CohortRules:
    """Return the cohort's own rules (what the cohort page judges its trainees by)."""
    return engine.CohortRules(
        required=tuple(r.module_slug for r in cohort.rules if r.kind == "required"),
        pinned=tuple(r.module_slug for r in cohort.rules if r.kind == "pinned"),
        target_date=cohort.target_date,
    )


def distribution(report: CohortReport) -> dict[str, tuple[int, int, int, int]]:
    """Count the trainees in each mastery band, per competency."""
    counts = {}
    for c in report.competencies:
        threshold = c["params"].get("threshold", 0.95)
        bands = [0, 0, 0, 0]
        for row in report.rows:
            bands[band(row.mastery.get(c["id"], 0.0), threshold)] += 1
        counts[c["id"]] = tuple(bands)
    return counts


def week_starts(first: datetime, now: datetime) -> list[datetime]:
    """Return the Mondays (00:00 UTC) from the week of first to the week of now."""
    monday = datetime.combine(first.date() - timedelta(days=first.weekday()), time(), UTC)
    starts = []
    while monday <= now:
        starts.append(monday)
        monday += WEEK
    return starts


@dataclass
class _Sums:
    """Running totals over the cohort for one week."""

    mastery: dict[str, float]
    modules: int = 0
    complete: int = 0
    active: int = 0


def _weeks(
    rows: Iterable,
    count: int,
    course: Course,
    rules: engine.CohortRules,
    first: datetime,
    now: datetime,
) -> tuple[Week, ...]:
    """Replay one trainee at a time (rows come ordered by trainee), adding their measures at each
    week's end to the week's totals; trainees with no events sit at the priors."""
    model = course.engine
    starts = week_starts(first, now)
    ends = [min(start + WEEK, now) for start in starts]
    sums = [_Sums(dict.fromkeys(model.competencies, 0.0)) for _ in ends]
    prior = model.mastery(model.initial_state(), now)  # an untouched prior does not fade
    seen = 0
    for _, events in groupby(rows, key=lambda row: row.user_id):
        _trace(model, list(events), ends, rules, sums, prior)
        seen += 1
    return tuple(
        Week(
            start.date(),
            end,
            {c: (total + (count - seen) * prior[c]) / count for c, total in week.mastery.items()},
            week.modules / count,
            week.complete / count,
            week.active,
        )
        for start, end, week in zip(starts, ends, sums, strict=True)
    )


def _trace(
    model: engine.Engine,
    events: list,
    ends: list[datetime],
    rules: engine.CohortRules,
    sums: list[_Sums],
    prior: dict[str, float],
) -> None:
    """Replay one trainee's events, adding their measures at the end of each week to its sums."""
    state, read, complete, i = model.initial_state(), set(), False, 0
    for end, week in zip(ends, sums, strict=True):
        begin = i
        while i < len(events) and events[i].at < end:
            for item in events[i].data.get("engine", ()):
                state = model.apply(state, engine.event_from_json(item))
            if events[i].kind == "module-completed":
                read.add(events[i].module_slug)
            i += 1
        if i > begin:  # passing, not time, completes a course: judge again only after events
            complete = model.completion(state, end, rules).complete
            week.active += 1
        touched = state.competencies
        for c in week.mastery:
            week.mastery[c] += model.mastery_of(state, c, end) if c in touched else prior[c]
        week.modules += len(read)
        week.complete += complete


# What each kind of attention note (reports._attention) begins with, and its filter label.
REASONS = {
    "not-started": ("has not started", "Has not started"),
    "inactive": ("inactive for", "Inactive for over a week"),
    "struggling": ("struggling with", "Struggling (a failed scenario to retry)"),
    "spent": ("used every attempt", "Used every attempt without passing"),
    "behind": ("behind:", "Behind the target date"),
}
SORTS = {
    "name": ("Name", lambda r: (r.user.display_name.lower(), r.user.id)),
    "last-active": (
        "Last active, longest ago first",
        lambda r: (r.last_active is not None, r.last_active or datetime.min.replace(tzinfo=UTC)),
    ),
    "mastered": ("Competencies mastered, fewest first", lambda r: (r.mastered, r.user.id)),
}


def reasons(row: TraineeRow) -> tuple[str, ...]:
    """Return the reason codes of a trainee's attention notes."""
    return tuple(
        code
        for code, (start, _) in REASONS.items()
        if any(n.startswith(start) for n in row.attention)
    )


def at_risk(report: CohortReport, reason: str = "", sort: str = "name") -> list[TraineeRow]:
    """Return the trainees with attention notes, of one reason if given, in the order asked for
    (unknown values fall back to every reason, by name)."""
    rows = [
        r for r in report.rows if r.attention and (reason not in REASONS or reason in reasons(r))
    ]
    return sorted(rows, key=SORTS.get(sort, SORTS["name"])[1])


def mastery_charts(measured: Trends, course: Course) -> tuple[charts.Panel, ...]:
    """Lay out the cohort's average mastery per week as one small chart per track."""
    xs = list(range(len(measured.weeks)))
    labels = [(i, f"{w.start.day} {w.start:%b}") for i, w in enumerate(measured.weeks)]
    return charts.track_panels(
        course.tracks,
        course.competencies,
        lambda c: [w.mastery.get(c, 0.0) for w in measured.weeks],
        xs,
        labels,
    )


def completion_chart(measured: Trends) -> charts.LineChart:
    """Lay out modules read (as a share of the course's modules) and courses complete per week."""
    xs = list(range(len(measured.weeks)))
    labels = [(i, f"{w.start.day} {w.start:%b}") for i, w in enumerate(measured.weeks)]
    count = max(measured.module_count, 1)
    return charts.line_chart(
        xs,
        {
            "Modules read (share of the course's modules, average)": [
                min(w.modules / count, 1.0) for w in measured.weeks
            ],
            "Trainees who completed the course": [w.complete for w in measured.weeks],
        },
        labels,
    )
