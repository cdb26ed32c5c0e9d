"""Each trainee's figures for cohort pages, stored as events arrive and read one row per trainee.

A learning event marks its trainee; when the transaction commits, the trainee's summary is
recomputed from their state and records and written in that same transaction. A change to a
cohort's rules refreshes its trainees the same way. A cohort page then reads stored rows, and
computes (without storing: reading never writes) only those the engine or content has outdated.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import groupby

from sqlalchemy import Select, bindparam, delete, event, exists, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from course import engine
from course.engine.bkt import days_between
from course.extensions import db
from course.models import (
    Attempt,
    Cohort,
    CohortMember,
    CohortRule,
    Event,
    LearnerState,
    LearnerSummary,
    LearnerWeek,
    ModuleProgress,
    User,
)
from course.models.types import utcnow
from course.services import learning
from course.services.catalogue import Course

PENDING = "summaries.pending"


@dataclass(frozen=True)
class Figures:
    """One trainee's figures: mastery as of when they are read, the rest as of `at`."""

    at: datetime
    estimates: dict[str, float]  # the engine's estimates at `at`
    held: tuple[str, ...]  # competencies whose record does not yet back the estimate
    mastery: dict[str, float]  # as shown now: estimates faded to now, held ones capped
    mastered: int
    modules_done: int
    seconds: int
    attempts: int
    passed: int
    last_active: datetime | None
    next_kind: str | None  # None: nothing left to do
    next_module: str | None
    struggling: tuple[str, str] | None  # (competency, the module not passed)
    spent: tuple[str, ...]
    done: tuple[str, ...]
    complete: bool = False  # the course complete (capstones and required modules passed)


def mark(user_id: int, course: Course, state: engine.LearnerState, at: datetime) -> None:
    """Have this trainee's summary recomputed when the current transaction commits, from the
    state the event left (at: when it happened)."""
    db.session.info.setdefault(PENDING, {})[user_id] = (course, state, at)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit will come
    pending: dict[int, tuple[Course, engine.LearnerState, datetime]] = session.info.pop(PENDING, {})
    by_course: dict[int, tuple[Course, dict[int, tuple[engine.LearnerState, datetime]]]] = {}
    for user_id, (course, state, at) in pending.items():
        by_course.setdefault(id(course), (course, {}))[1][user_id] = (state, at)
    for course, known in by_course.values():
        figures = compute(list(known), course, utcnow(), known)
        store(figures, course)
        store_weeks({uid: (known[uid][1], f) for uid, f in figures.items()})


def _forget(session: Session, *args: object) -> None:
    session.info.pop(PENDING, None)


event.listen(db.session, "before_commit", _before_commit)
event.listen(db.session, "after_rollback", _forget)


def week_of(at: datetime) -> date:
    """Return the Monday (UTC) of the week a moment falls in."""
    day = at.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def store_weeks(snapshots: dict[int, tuple[datetime, Figures]]) -> None:
    """Write each trainee's figures as their snapshot for the week of their event."""
    if not snapshots:
        return
    upsert = _upsert(LearnerWeek)
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["user_id", "week"],
            set_={c: upsert.excluded[c] for c in ("at", "mastery", "modules", "complete")},
        ),
        [
            {
                "user_id": uid,
                "week": week_of(at),
                "at": at,
                "mastery": {c: round(v, 4) for c, v in f.mastery.items()},
                "modules": f.modules_done,
                "complete": f.complete,
            }
            for uid, (at, f) in snapshots.items()
        ],
    )


def _upsert(model: type):  # noqa: ANN202 - the dialect's INSERT ... ON CONFLICT construct
    insert = sqlite_insert if db.engine.dialect.name == "sqlite" else postgresql_insert
    return insert(model)


def refresh(user_ids: Collection[int], course: Course) -> None:
    """Recompute and store these trainees' summaries now (the caller commits)."""
    store(compute(user_ids, course, utcnow()), course)


def store(figures: dict[int, Figures], course: Course) -> None:
    """Replace the stored summaries of these trainees."""
    if not figures:
        return
    upsert = _upsert(LearnerSummary)
    columns = [c.name for c in LearnerSummary.__table__.columns if c.name != "user_id"]
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["user_id"], set_={c: upsert.excluded[c] for c in columns}
        ),
        [
            {
                **{n: getattr(f_, n) for n in STORED if n != "snapshot"},
                "snapshot": {
                    "estimates": [round(f_.estimates[c], 6) for c in _order(course)],
                    "held": list(f_.held),
                    "struggling": list(f_.struggling) if f_.struggling else None,
                    "spent": list(f_.spent),
                },
                "done": list(f_.done),
                "user_id": uid,
                "engine_version": engine.ENGINE_VERSION,
                "params_hash": course.params_hash,
            }
            for uid, f_ in figures.items()
        ],
    )


def read(
    user_ids: Collection[int], course: Course, now: datetime, with_done: bool = True
) -> dict[int, Figures]:
    """Return every trainee's figures: stored ones when current, the rest computed (not stored).
    Without with_done, `done` is left empty (it is only needed against a deadline)."""
    names = STORED if with_done else tuple(n for n in STORED if n != "done")
    order = _order(course)
    # Core rows on the session's connection, not the ORM's result machinery: thousands of them.
    rows = db.session.connection().execute(
        select(LearnerSummary.user_id, *(getattr(LearnerSummary, n) for n in names)).where(
            LearnerSummary.user_id.in_(list(user_ids)),
            LearnerSummary.params_hash == course.params_hash,
            LearnerSummary.engine_version == engine.ENGINE_VERSION,
        )
    )
    project, thresholds = course.engine.projector(), _thresholds(course)
    found = {
        row[0]: _figures(dict(zip(names, row[1:], strict=True)), order, project, thresholds, now)
        for row in rows
    }
    missing = [uid for uid in user_ids if uid not in found]
    if missing:
        found.update(compute(missing, course, now))
    return found


# Figures' fields with a column of their own (mastery and mastered are worked out on reading).
# (One JSON column, `snapshot`, holds the estimates and the notes: one decoding per trainee read.)
IN_SNAPSHOT = ("estimates", "held", "struggling", "spent")
STORED = (
    *(f.name for f in fields(Figures) if f.name not in ("mastery", "mastered", *IN_SNAPSHOT)),
    "snapshot",
)


def _figures(
    row: dict,
    order: tuple[str, ...],
    project: Callable[..., dict[str, float]],
    thresholds: dict[str, float],
    now: datetime,
) -> Figures:
    """Make a trainee's figures from their stored columns (by name), mastery faded to now."""
    snapshot = row["snapshot"]
    estimates = dict(zip(order, snapshot["estimates"], strict=True))
    mastery = project(estimates, snapshot["held"], days_between(row["at"], now))
    struggling = snapshot["struggling"]
    return Figures(
        at=row["at"],
        estimates=estimates,
        held=tuple(snapshot["held"]),
        mastery=mastery,
        mastered=_mastered(mastery, thresholds),
        modules_done=row["modules_done"],
        seconds=row["seconds"],
        attempts=row["attempts"],
        passed=row["passed"],
        last_active=row["last_active"],
        next_kind=row["next_kind"],
        next_module=row["next_module"],
        struggling=tuple(struggling) if struggling else None,
        spent=tuple(snapshot["spent"]),
        done=tuple(row.get("done", ())),
        complete=row["complete"],
    )


def _thresholds(course: Course) -> dict[str, float]:
    return {c["id"]: c["params"].get("threshold", 0.95) for c in course.competencies}


def _mastered(mastery: dict[str, float], thresholds: dict[str, float]) -> int:
    return sum(mastery[c] >= t for c, t in thresholds.items())


def _order(course: Course) -> tuple[str, ...]:
    """The competencies in the course's order: stored mastery is a list in this order (the
    params hash that every summary carries pins it)."""
    return tuple(c["id"] for c in course.competencies)


def compute(
    user_ids: Collection[int],
    course: Course,
    now: datetime,
    known: dict[int, tuple[engine.LearnerState, datetime]] | None = None,
) -> dict[int, Figures]:
    """Compute trainees' figures in a fixed number of queries, whatever their number (known:
    the state and last event time of trainees whose event is being recorded)."""
    ids = list(user_ids)
    if not ids:
        return {}
    known = known or {}
    missing = [uid for uid in ids if uid not in known]
    states = {uid: state for uid, (state, _) in known.items()}
    states.update(states_of(missing, course) if missing else {})
    facts = {row[0]: row[1:] for row in db.session.execute(_facts_query(), {"ids": ids})}
    skipped = {uid for uid, f in facts.items() if f[0]}
    rules = {uid: r for uid, f in facts.items() if (r := learning.parse_rules(f[1], f[2]))}
    reading = {uid: (f[3], f[4]) for uid, f in facts.items()}
    tries = {uid: (f[5], f[6]) for uid, f in facts.items()}
    activity = {uid: at for uid, (_, at) in known.items()}
    if missing:
        activity.update(
            db.session.execute(
                select(Event.user_id, func.max(Event.at))
                .where(Event.user_id.in_(missing))
                .group_by(Event.user_id)
            ).all()
        )
    return {
        uid: _compute(
            states[uid],
            course,
            now,
            course.engine_after_skip if uid in skipped else course.engine,
            rules.get(uid),
            activity.get(uid),
            reading.get(uid, (0, 0)),
            tries.get(uid, (0, 0)),
        )
        for uid in ids
    }


@cache
def _facts_query() -> Select:
    """Per trainee, in one query: placement skipped, cohort rules and target date (as
    learning.parse_rules reads them), modules read and seconds, attempts finished and passed."""
    uid = User.id
    finished = (Attempt.user_id == uid, Attempt.status == "finished")
    return select(
        uid,
        exists().where(Event.user_id == uid, Event.kind == "placement-skipped"),
        select(func.aggregate_strings(learning.RULE_LINE, "\n"))
        .join(CohortMember, CohortMember.cohort_id == CohortRule.cohort_id)
        .where(CohortMember.user_id == uid)
        .scalar_subquery(),
        select(func.min(Cohort.target_date))
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == uid)
        .scalar_subquery(),
        select(func.count(ModuleProgress.completed_at))
        .where(ModuleProgress.user_id == uid)
        .scalar_subquery(),
        select(func.coalesce(func.sum(ModuleProgress.seconds), 0))
        .where(ModuleProgress.user_id == uid)
        .scalar_subquery(),
        select(func.count(Attempt.id)).where(*finished).scalar_subquery(),
        select(func.count(Attempt.id)).where(*finished, Attempt.passed.is_(True)).scalar_subquery(),
    ).where(uid.in_(bindparam("ids", expanding=True)))


def _compute(
    state: engine.LearnerState,
    course: Course,
    now: datetime,
    policy: engine.Engine,
    rules: engine.CohortRules | None,
    last: datetime | None,
    reading: tuple[int, int],
    tries: tuple[int, int],
) -> Figures:
    """Compute one trainee's figures, as My path would show them now."""
    model = course.engine
    mastery = model.mastery(state, now)
    rec = policy.recommend(state, now, rules)
    remediation = state.remediation
    completion = course.engine.completion(state, now, rules)
    return Figures(
        at=now,
        estimates={c: model.estimate(state, c, now) for c in model.competencies},
        held=tuple(c for c in model.competencies if model.held(state, c)),
        mastery=mastery,
        mastered=_mastered(mastery, _thresholds(course)),
        modules_done=reading[0],
        seconds=reading[1],
        attempts=tries[0],
        passed=tries[1],
        last_active=last,
        next_kind=rec.kind if rec else None,
        next_module=rec.module_id if rec else None,
        struggling=(remediation.competency, remediation.module_id) if remediation else None,
        spent=tuple(completion.spent),
        done=tuple(
            s.module_id for s in course.engine.path(state, now, rules) if s.status == "done"
        ),
        complete=completion.complete,
    )


def states_of(ids: list[int], course: Course) -> dict[int, engine.LearnerState]:
    """Load stored states; replay, from one query of events, those the content has outdated."""
    rows = {
        r.user_id: r
        for r in db.session.scalars(select(LearnerState).where(LearnerState.user_id.in_(ids)))
    }
    fresh = {
        uid: engine.LearnerState.from_json(r.state)
        for uid, r in rows.items()
        if learning.is_current(r, course)
    }
    stale = [uid for uid in ids if uid not in fresh]
    events = learning.histories(stale) if stale else {}
    fresh.update({uid: course.engine.replay(events.get(uid, [])) for uid in stale})
    return fresh


def rules_of(ids: list[int]) -> dict[int, engine.CohortRules]:
    """Merge each trainee's cohorts' rules as My path does (earliest target date wins), in one
    query for everyone."""
    rows = db.session.execute(
        select(CohortMember.user_id, Cohort.target_date, CohortRule.kind, CohortRule.module_slug)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .outerjoin(CohortRule, CohortRule.cohort_id == CohortMember.cohort_id)
        .where(CohortMember.user_id.in_(ids))
        .order_by(CohortRule.id)
    ).all()
    targets: dict[int, date] = {}
    kinds: dict[int, dict[str, list[str]]] = {}
    for uid, target, kind, slug in rows:
        if target is not None and (uid not in targets or target < targets[uid]):
            targets[uid] = target
        if kind is not None:
            kinds.setdefault(uid, {"required": [], "pinned": []})[kind].append(slug)
    return {
        uid: engine.CohortRules(
            required=tuple(dict.fromkeys(kinds.get(uid, {}).get("required", ()))),
            pinned=tuple(dict.fromkeys(kinds.get(uid, {}).get("pinned", ()))),
            target_date=targets.get(uid),
        )
        for uid in set(kinds) | set(targets)
    }


REBUILD_BATCH = 200  # trainees replayed at a time: memory stays flat whatever the cohort's size


def rebuild_weeks(user_ids: Collection[int], course: Course) -> int:
    """Rewrite these trainees' weekly snapshots by replaying their events (for records kept
    before snapshots were, or after an engine change); return how many snapshots were written."""
    ids, written = list(user_ids), 0
    for start in range(0, len(ids), REBUILD_BATCH):
        batch = ids[start : start + REBUILD_BATCH]
        rules = rules_of(batch)
        db.session.execute(delete(LearnerWeek).where(LearnerWeek.user_id.in_(batch)))
        rows = db.session.execute(
            select(Event.user_id, Event.kind, Event.module_slug, Event.data, Event.at)
            .where(Event.user_id.in_(batch))
            .order_by(Event.user_id, Event.id)
        )
        snapshots = []
        for uid, events in groupby(rows, key=lambda row: row.user_id):
            snapshots += _replay_weeks(uid, list(events), course, rules.get(uid))
        if snapshots:
            db.session.execute(insert(LearnerWeek), snapshots)
        written += len(snapshots)
    return written


def _replay_weeks(
    uid: int, events: list, course: Course, rules: engine.CohortRules | None
) -> list[dict]:
    """Replay one trainee's events, taking a snapshot at the last event of each week."""
    model, state, read, out = course.engine, course.engine.initial_state(), set(), []
    for n, row in enumerate(events):
        for item in row.data.get("engine", ()):
            state = model.apply(state, engine.event_from_json(item))
        if row.kind == "module-completed":
            read.add(row.module_slug)
        if n + 1 == len(events) or week_of(events[n + 1].at) != week_of(row.at):
            out.append(
                {
                    "user_id": uid,
                    "week": week_of(row.at),
                    "at": row.at,
                    "mastery": {c: round(v, 4) for c, v in model.mastery(state, row.at).items()},
                    "modules": len(read),
                    "complete": model.completion(state, row.at, rules).complete,
                }
            )
    return out
