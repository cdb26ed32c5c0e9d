"""Cohort trends: mastery and completion week by week, mastery bands now, and who is at risk.

Fixed queries whatever the cohort's size: the cohort report (the same figures as the cohort page)
and one query of the trainees' events, replayed through the course's engine week by week.
"""

from __future__ import annotations

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
    spans = {
        uid: tuple(span)
        for uid, *span in db.session.execute(
            select(Event.user_id, func.min(Event.at), func.max(Event.at), func.max(Event.id))
            .where(Event.user_id.in_(ids))
            .group_by(Event.user_id)
        )
    }
    weeks: tuple[Week, ...] = ()
    if spans:
        now = utcnow()
        starts = week_starts(min(span[0] for span in spans.values()), now)
        weeks = _weeks(course, rules(cohort), starts, now, spans, len(ids))
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


# A trainee measured at one moment: mastery of every competency (in the engine's order), modules
# read, whether the course is complete, and whether they did anything that week.
Measure = tuple[tuple[float, ...], int, bool, bool]


@dataclass(frozen=True)
class _Trace:
    """One trainee replayed: their measures at the end of each finished week, and where they
    stand after their last event (the week under way is measured from it at the moment asked)."""

    finished: tuple[Measure, ...]
    state: engine.LearnerState  # only the competencies: all that mastery later needs
    read: int
    complete: bool
    active: bool


# Replays kept between requests, per trainee, under what they depend on (the trainee's events, the
# engine and its parameters, the cohort's rules, the finished weeks' ends): a trainee with no new
# event is not replayed again. Cleared when it grows past MEMO_LIMIT trainees.
_memo: dict[int, tuple[tuple, _Trace]] = {}
MEMO_LIMIT = 10_000  # about 5 KB each (tracemalloc, 300 trainees of the shipped course)


def _weeks(
    course: Course,
    rules: engine.CohortRules,
    starts: list[datetime],
    now: datetime,
    spans: dict[int, tuple],
    count: int,
) -> tuple[Week, ...]:
    """Sum each trainee's trace into the weeks; trainees with no events sit at the priors."""
    model = course.engine
    ends = [start + WEEK for start in starts[:-1]]
    prior = tuple(model.mastery(model.initial_state(), now).values())  # a prior does not fade
    traces = _traces(course, rules, ends, spans, prior)
    idle = count - len(traces)
    weeks = []
    for i, start in enumerate(starts):
        current = i == len(ends)
        rows = [_current(model, t, now, prior) if current else t.finished[i] for t in traces]
        totals = [idle * p for p in prior]
        for mastery, *_ in rows:
            totals = [t + m for t, m in zip(totals, mastery, strict=True)]
        weeks.append(
            Week(
                start.date(),
                now if current else ends[i],
                {c: t / count for c, t in zip(model.competencies, totals, strict=True)},
                sum(r[1] for r in rows) / count,
                sum(r[2] for r in rows) / count,
                sum(r[3] for r in rows),
            )
        )
    return tuple(weeks)


def _traces(
    course: Course,
    rules: engine.CohortRules,
    ends: list[datetime],
    spans: dict[int, tuple],
    prior: tuple[float, ...],
) -> list[_Trace]:
    """Return every trainee's trace, replaying (in one streamed query) only those not kept. A
    trainee's span (first and last event time, last event id) tells a new event, or a history
    that is not the one kept (a restored database reuses ids, not times)."""
    depends = (course.params_hash, engine.ENGINE_VERSION, rules, tuple(ends))
    keys = {uid: (span, depends) for uid, span in spans.items()}
    kept = dict(_memo)  # another thread may clear the memo meanwhile
    found = {uid: kept[uid][1] for uid, key in keys.items() if kept.get(uid, (None,))[0] == key}
    stale = [uid for uid in keys if uid not in found]
    rows = db.session.execute(
        select(Event.user_id, Event.kind, Event.module_slug, Event.data, Event.at)
        .where(Event.user_id.in_(stale))
        .order_by(Event.user_id, Event.id)
        .execution_options(yield_per=BATCH)
    )
    if len(_memo) + len(stale) > MEMO_LIMIT:
        _memo.clear()
    for uid, events in groupby(rows, key=lambda row: row.user_id):
        found[uid] = _trace(course.engine, list(events), ends, rules, prior)
        _memo[uid] = (keys[uid], found[uid])
    return [found[uid] for uid in spans]


def _trace(
    model: engine.Engine,
    events: list,
    ends: list[datetime],
    rules: engine.CohortRules,
    prior: tuple[float, ...],
) -> _Trace:
    """Replay one trainee's events, measuring them at the end of each finished week."""
    state, read, complete, i = model.initial_state(), set(), False, 0
    finished = []
    for end in [*ends, None]:
        begin = i
        while i < len(events) and (end is None or events[i].at < end):
            for item in events[i].data.get("engine", ()):
                state = model.apply(state, engine.event_from_json(item))
            if events[i].kind == "module-completed":
                read.add(events[i].module_slug)
            i += 1
        if i > begin:  # passing, not time, completes a course: judge again only after events
            complete = model.completion(state, end or events[i - 1].at, rules).complete
        if end is not None:
            finished.append((_mastery(model, state, end, prior), len(read), complete, i > begin))
    slim = engine.LearnerState(competencies=state.competencies)
    return _Trace(tuple(finished), slim, len(read), complete, i > begin)


def _mastery(
    model: engine.Engine, state: engine.LearnerState, at: datetime, prior: tuple[float, ...]
) -> tuple[float, ...]:
    """Return the mastery of every competency at a moment; untouched ones sit at their prior."""
    touched = state.competencies
    return tuple(
        model.mastery_of(state, c, at) if c in touched else p
        for c, p in zip(model.competencies, prior, strict=True)
    )


def _current(
    model: engine.Engine, trace: _Trace, now: datetime, prior: tuple[float, ...]
) -> Measure:
    """Measure a trace now, for the week under way."""
    return _mastery(model, trace.state, now, prior), trace.read, trace.complete, trace.active


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
