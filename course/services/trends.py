"""Cohort trends: mastery and completion week by week, mastery bands now, and who is at risk.

Fixed queries whatever the cohort's size: the cohort report (the same figures as the cohort page)
and one query of the trainees' events, replayed through the course's engine week by week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from course import engine
from course.extensions import db
from course.models import Cohort, Event
from course.models.types import utcnow
from course.services import charts, reports
from course.services.catalogue import Course
from course.services.reports import CohortReport, TraineeRow

WEEK = timedelta(days=7)
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
    rows = db.session.execute(
        select(Event.user_id, Event.kind, Event.module_slug, Event.data, Event.at)
        .where(Event.user_id.in_(ids))
        .order_by(Event.user_id, Event.id)
    ).all()
    return Trends(
        report,
        _weeks(rows, ids, course, rules(cohort), utcnow()),
        distribution(report),
        len(course.modules),
    )


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
class _Trainee:
    """One trainee's replay, advanced week by week."""

    state: engine.LearnerState
    read: set[str]
    complete: bool = False
    changed: bool = True


def _weeks(
    rows: Sequence, ids: list[int], course: Course, rules: engine.CohortRules, now: datetime
) -> tuple[Week, ...]:
    if not rows or not ids:
        return ()
    model = course.engine
    per_user: dict[int, list] = {uid: [] for uid in ids}
    for row in rows:
        per_user[row.user_id].append(row)
    people = {uid: _Trainee(model.initial_state(), set()) for uid in ids}
    cursor = dict.fromkeys(ids, 0)
    weeks = []
    for start in week_starts(min(r.at for r in rows), now):
        end = min(start + WEEK, now)
        active = 0
        for uid, person in people.items():
            events = per_user[uid]
            begin = cursor[uid]
            while cursor[uid] < len(events) and events[cursor[uid]].at < end:
                _fold(model, person, events[cursor[uid]])
                cursor[uid] += 1
            active += cursor[uid] > begin
            if person.changed:  # passing, not time, completes a course
                person.complete = model.completion(person.state, end, rules).complete
                person.changed = False
        weeks.append(_measure(start.date(), end, people.values(), model, active))
    return tuple(weeks)


def _fold(model: engine.Engine, person: _Trainee, row: object) -> None:
    for item in row.data.get("engine", ()):
        person.state = model.apply(person.state, engine.event_from_json(item))
    if row.kind == "module-completed":
        person.read.add(row.module_slug)
    person.changed = True


def _measure(start: date, end: datetime, people, model: engine.Engine, active: int) -> Week:  # noqa: ANN001
    people = list(people)
    n = len(people)
    # A competency a trainee never touched sits at its prior whenever it is measured: work it
    # out once, and ask the engine only about the ones each trainee has evidence on.
    untouched = model.mastery(model.initial_state(), end)
    mastery = {c: 0.0 for c in model.competencies}
    for person in people:
        touched = person.state.competencies
        for c in model.competencies:
            value = model.mastery_of(person.state, c, end) if c in touched else untouched[c]
            mastery[c] += value / n
    return Week(
        start,
        end,
        mastery,
        sum(len(p.read) for p in people) / n,
        sum(p.complete for p in people) / n,
        active,
    )


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
