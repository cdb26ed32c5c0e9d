"""Cohort trends: mastery and completion week by week, mastery bands now, and who is at risk.

Fixed queries whatever the cohort's size: the cohort report (the same figures as the cohort page)
and one query of the trainees' weekly snapshots, stored as their events arrive (the figures at
each trainee's last event of each week; see services/summaries.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate, groupby

from sqlalchemy import select

from course.extensions import db
from course.models import Cohort, LearnerWeek
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
    """Measure a cohort week by week since its first recorded week, and its mastery bands now."""
    report = reports.cohort_report(cohort, course)
    ids = [r.user.id for r in report.rows]
    rows = db.session.execute(
        select(
            LearnerWeek.user_id,
            LearnerWeek.week,
            LearnerWeek.mastery,
            LearnerWeek.modules,
            LearnerWeek.complete,
        )
        .where(LearnerWeek.user_id.in_(ids))
        .order_by(LearnerWeek.user_id, LearnerWeek.week)
    ).all()
    weeks = _weeks(rows, len(ids), course, utcnow()) if rows else ()
    return Trends(report, weeks, distribution(report), len(course.modules))


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


def _weeks(rows: list, count: int, course: Course, now: datetime) -> tuple[Week, ...]:
    """Average the trainees' snapshots week by week: a trainee's last snapshot holds until their
    next one; before their first (and for trainees with none) they sit at the priors. Each
    snapshot adds its values to a run of weeks through difference arrays, so the cost grows with
    the snapshots, not with trainees x weeks."""
    starts = week_starts(datetime.combine(min(r.week for r in rows), time(), UTC), now)
    index = {start.date(): i for i, start in enumerate(starts)}
    span = len(starts)
    competencies = list(course.engine.competencies)
    prior = course.engine.mastery(course.engine.initial_state(), now)
    mastery = {c: [0.0] * (span + 1) for c in competencies}
    modules, complete, active = [0] * (span + 1), [0] * (span + 1), [0] * span

    def add(values: dict, begin: int, end: int) -> None:
        for c in competencies:
            value = values.get(c, prior[c])
            mastery[c][begin] += value
            mastery[c][end] -= value

    seen = 0
    for _, group in groupby(rows, key=lambda row: row.user_id):
        snaps = list(group)
        seen += 1
        add(prior, 0, index[snaps[0].week])
        for k, snap in enumerate(snaps):
            begin = index[snap.week]
            end = index[snaps[k + 1].week] if k + 1 < len(snaps) else span
            add(snap.mastery, begin, end)
            modules[begin] += snap.modules
            modules[end] -= snap.modules
            complete[begin] += snap.complete
            complete[end] -= snap.complete
            active[begin] += 1
    totals = {c: list(accumulate(mastery[c])) for c in competencies}
    read, done = list(accumulate(modules)), list(accumulate(complete))
    idle = count - seen
    return tuple(
        Week(
            start.date(),
            min(start + WEEK, now),
            {c: (totals[c][i] + idle * prior[c]) / count for c in competencies},
            read[i] / count,
            done[i] / count,
            active[i],
        )
        for i, start in enumerate(starts)
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


RISK_PAGE = 100  # trainees a page of the at-risk list shows


def risk_page(rows: list[TraineeRow], number: int) -> reports.ReportPage:
    """Return one page of the at-risk list (most of a large cohort may be on it)."""
    pages = max(1, -(-len(rows) // RISK_PAGE))
    number = min(max(number, 1), pages)
    chosen = rows[(number - 1) * RISK_PAGE : number * RISK_PAGE]
    return reports.ReportPage(tuple(chosen), number, pages)


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
