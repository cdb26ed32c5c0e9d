"""Learning events and the engine state they drive, written in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, exists, func, select
from sqlalchemy.exc import IntegrityError

from course import engine
from course.extensions import db
from course.models import (
    Attempt,
    Cohort,
    CohortMember,
    CohortRule,
    Event,
    JudgingRules,
    LearnerState,
    ModuleProgress,
    Role,
    User,
)
from course.models.types import utcnow
from course.prepared import Carried
from course.services import ServiceError, statements, summaries
from course.services.catalogue import Course, ModuleInfo

# Reading time counted for one visit is capped: a tab left open overnight is not study.
MAX_VISIT = timedelta(hours=2)


def add_event(
    user_id: int,
    kind: str,
    course: Course,
    engine_events: Sequence[engine.Event] = (),
    *,
    module_slug: str | None = None,
    attempt_id: int | None = None,
    data: dict | None = None,
    at: datetime | None = None,
) -> Event:
    """Record an event and fold its engine events into the trainee's state (caller commits)."""
    row = Event(
        user_id=user_id,
        kind=kind,
        module_slug=module_slug,
        attempt_id=attempt_id,
        at=at or utcnow(),
        data={**(data or {}), "engine": [engine.event_to_json(e) for e in engine_events]},
    )
    db.session.add(row)
    db.session.flush()
    state_row = db.session.scalar(
        select(LearnerState)
        .where(LearnerState.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    before = state = _fresh_state(user_id, course, state_row, exclude=row.id)
    for event in engine_events:
        state = course.engine.apply(state, event)
    _save(user_id, state, row.id, state_row)
    keep_rules(course)
    if engine_events:
        cause = "placement" if kind == "placement-finished" else "evidence"
        statements.queue(user_id, statements.mastery_changes(course, before, state, row.at, cause))
    summaries.mark(user_id, course, state, row.at)
    return row


def keep_rules(course: Course) -> None:
    """Store the engine's input under its hash the first time the hash judges anyone."""
    stored = select(JudgingRules.params_hash).where(JudgingRules.params_hash == course.params_hash)
    if db.session.scalar(stored) is None:  # (not the row itself: its catalogue is a large JSON)
        try:
            with db.session.begin_nested():  # another server may store the same hash first
                db.session.add(
                    JudgingRules(
                        params_hash=course.params_hash,
                        engine_version=engine.ENGINE_VERSION,
                        catalogue=course.engine.catalogue.to_json(),
                    )
                )
        except IntegrityError:
            pass


def state(user_id: int, course: Course) -> engine.LearnerState:
    """Return the trainee's engine state, replaying history if the engine or content changed."""
    return _fresh_state(user_id, course, db.session.get(LearnerState, user_id))


def is_current(row: LearnerState | Learner, course: Course) -> bool:
    """Tell whether a stored state was made by this engine under the current content."""
    return row.params_hash == course.params_hash and row.engine_version == engine.ENGINE_VERSION


def _fresh_state(
    user_id: int, course: Course, row: LearnerState | None, exclude: int | None = None
) -> engine.LearnerState:
    if row is not None and is_current(row, course):
        return engine.LearnerState.from_json(row.state)
    return course.engine.replay(_history(user_id, exclude))


@dataclass(frozen=True)
class Learner:
    """What the trainee's pages need to know of the trainee, read in one round trip."""

    user_id: int
    started: bool  # has recorded anything at all (else the welcome page is due)
    skipped_placement: bool
    state_json: dict | None  # the stored engine state, with what made it
    engine_version: str | None
    params_hash: str | None
    rules: engine.CohortRules | None
    seconds: int = 0  # reading time, every module
    unfinished: bool = False  # has a scenario attempt in progress (My path offers to resume it)

    def state(self, course: Course) -> engine.LearnerState:
        """Return the engine state, replaying history if the engine or content changed."""
        if self.state_json is not None and is_current(self, course):
            return engine.LearnerState.from_json(self.state_json)
        return course.engine.replay(_history(self.user_id))

    def policy(self, course: Course) -> engine.Engine:
        """Return the engine that recommends for this trainee (placement skipped or not)."""
        return course.engine_after_skip if self.skipped_placement else course.engine


def learner(user_id: int) -> Learner:
    """Read the trainee's stored state, cohort rules and target date, whether they have started
    or skipped the placement check, their reading time and whether a scenario attempt is in
    progress, in one query (or take them from the user's own query, when a page that only reads
    has them: remember_learner)."""
    row = _carried.take(user_id)
    if row is None:
        row = db.session.execute(_learner_query(), {"user_id": user_id}).one()
    started, skipped, state_json, version, params_hash, rule_text, target, seconds, unfinished = row
    rules = parse_rules(rule_text, target)
    return Learner(
        user_id, started, skipped, state_json, version, params_hash, rules, seconds, unfinished
    )


def learner_columns() -> list:
    """learner()'s figures as columns another query can carry, for the user bound as `user_id`
    (the session user's query does, on requests that only read: security.load_user)."""
    return list(_learner_query().selected_columns)


# Figures read with the request's user on a request that writes nothing (security.load_user),
# taken once by learner() for that user: they save a query a page.
_carried = Carried("learner")


def remember_learner(user_id: int, row: Sequence[Any]) -> None:
    """Keep learner()'s figures, just read alongside the user, for the request's learner() call."""
    _carried.keep(user_id, row)


def forget_learner() -> None:
    """Drop remembered figures: the next learner() reads them again."""
    _carried.forget()


@cache
def _learner_query() -> Select:
    """Build learner()'s query once per process (building it costs more than running it)."""
    user_id = bindparam("user_id")
    cohorts = select(CohortMember.cohort_id).where(CohortMember.user_id == user_id)
    stored = [
        select(column).where(LearnerState.user_id == user_id).scalar_subquery()
        for column in (LearnerState.state, LearnerState.engine_version, LearnerState.params_hash)
    ]
    return select(
        exists().where(Event.user_id == user_id),
        exists().where(Event.user_id == user_id, Event.kind == "placement-skipped"),
        *stored,
        select(func.aggregate_strings(RULE_LINE, "\n"))
        .where(CohortRule.cohort_id.in_(cohorts))
        .scalar_subquery(),
        select(func.min(Cohort.target_date)).where(Cohort.id.in_(cohorts)).scalar_subquery(),
        select(func.coalesce(func.sum(ModuleProgress.seconds), 0))
        .where(ModuleProgress.user_id == user_id)
        .scalar_subquery(),
        exists().where(Attempt.user_id == user_id, Attempt.status == "in-progress"),
    )


# A cohort rule as one line of text, "id:kind:slug": a trainee's rules travel as one column.
RULE_LINE = cast(CohortRule.id, String) + ":" + CohortRule.kind + ":" + CohortRule.module_slug


def parse_rules(text: str | None, target: date | None) -> engine.CohortRules | None:
    """Build merged cohort rules from "id:kind:slug" lines (rule order kept, repeats dropped)."""
    rows = sorted(
        (int(number), kind, slug)
        for number, kind, slug in (line.split(":", 2) for line in (text or "").splitlines())
    )
    if not rows and target is None:
        return None
    return engine.CohortRules(
        required=tuple(dict.fromkeys(s for _, k, s in rows if k == "required")),
        pinned=tuple(dict.fromkeys(s for _, k, s in rows if k == "pinned")),
        target_date=target,
    )


def _history(user_id: int, exclude: int | None = None) -> list[engine.Event]:
    query = select(Event.data).where(Event.user_id == user_id).order_by(Event.id)
    if exclude is not None:
        query = query.where(Event.id != exclude)
    return [e for data in db.session.scalars(query) for e in _decode(data)]


def _decode(data: dict) -> list[engine.Event]:
    """Return the engine events stored with one recorded event."""
    return [engine.event_from_json(e) for e in data.get("engine", ())]


def _save(
    user_id: int, state: engine.LearnerState, last_event_id: int, row: LearnerState | None
) -> None:
    if row is None:
        row = LearnerState(user_id=user_id)
        db.session.add(row)
    row.state = state.to_json()
    row.engine_version = engine.ENGINE_VERSION
    row.params_hash = state.params_hash
    row.last_event_id = last_event_id


def recompute(course: Course, user_ids: Iterable[int] | None = None) -> int:
    """Rebuild stored states from events for some trainees, or all; return how many."""
    query = select(User.id).where(User.role == Role.TRAINEE)
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    ids = list(db.session.scalars(query))
    last_ids = dict(
        db.session.execute(select(Event.user_id, func.max(Event.id)).group_by(Event.user_id)).all()
    )
    rows = {
        r.user_id: r
        for r in db.session.scalars(select(LearnerState).where(LearnerState.user_id.in_(ids)))
    }
    for user_id in ids:
        _save(
            user_id,
            course.engine.replay(_history(user_id)),
            last_ids.get(user_id, 0),
            rows.get(user_id),
        )
    db.session.flush()
    summaries.refresh(ids, course)
    summaries.rebuild_weeks(ids, course)
    db.session.commit()
    return len(ids)


def complete_module(
    user: User, slug: str, course: Course, opened_at: datetime | None = None
) -> None:
    """Record that the trainee read a module (its first opening too), and the reading time of
    this visit: from when the page was served (opened_at, capped) to now."""
    ensure_open(user, slug, course)
    now = utcnow()
    progress, first_open = _progress(user.id, slug)
    started = min(max(opened_at or now, now - MAX_VISIT), now)
    progress.seconds += int((now - started).total_seconds())
    progress.last_opened_at = started
    first = progress.completed_at is None
    progress.completed_at = progress.completed_at or now
    events: list[engine.Event] = [engine.ModuleCompleted(module_id=slug, at=now)]
    if first_open:
        events.insert(0, engine.ModuleOpened(module_id=slug, at=started))
    seconds = int((now - started).total_seconds())
    statements.module_read(user.id, slug, course, seconds, first, now)
    add_event(
        user.id,
        "module-completed",
        course,
        events,
        module_slug=slug,
        at=now,
        data={"first": first, "seconds": seconds},
    )
    db.session.commit()


def _progress(user_id: int, slug: str) -> tuple[ModuleProgress, bool]:
    """Return the trainee's progress row for a module, locked, and whether it is new."""
    row = db.session.scalar(
        select(ModuleProgress)
        .where(ModuleProgress.user_id == user_id, ModuleProgress.module_slug == slug)
        .with_for_update()
    )
    if row is not None:
        return row, False
    row = ModuleProgress(user_id=user_id, module_slug=slug)
    db.session.add(row)
    db.session.flush()
    return row, True


def progress(user_id: int) -> dict[str, ModuleProgress]:
    """Return the trainee's progress per module, in one query."""
    return {
        p.module_slug: p
        for p in db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == user_id))
    }


def cohort_rules(user_id: int) -> engine.CohortRules | None:
    """Merge the rules of every cohort the trainee belongs to (earliest target date wins)."""
    return learner(user_id).rules


@dataclass(frozen=True)
class Path:
    """Everything the My path page shows."""

    state: engine.LearnerState
    mastery: dict[str, float]
    recommendation: engine.Recommendation | None
    statuses: tuple[engine.ModuleStatus, ...]
    seconds: int  # reading time, every module
    rules: engine.CohortRules | None = None
    completion: engine.Completion | None = None

    @property
    def required_left(self) -> list[str]:
        """Return the cohort's required modules this trainee has not done yet."""
        done = {s.module_id for s in self.statuses if s.status == "done"}
        return [m for m in (self.rules.required if self.rules else ()) if m not in done]

    def by_track(self, course: Course) -> list[tuple[dict, list[tuple[ModuleInfo, Any]]]]:
        """Group the modules' statuses by track, in course order (tracks with none left out)."""
        groups: dict[str, list[tuple[ModuleInfo, Any]]] = {}
        for status in self.statuses:
            info = course.module(status.module_id)
            if info is not None:
                groups.setdefault(info.track, []).append((info, status))
        return [(t, groups[t["id"]]) for t in course.tracks if t["id"] in groups]

    def counts(self) -> dict[str, int]:
        """Count the modules by status."""
        return dict(Counter(s.status for s in self.statuses))


def my_path(user: User, course: Course, who: Learner | None = None) -> Path:
    """Compute the trainee's path: mastery, the next step and why, every module's status."""
    now = utcnow()
    who = who or learner(user.id)
    current = who.state(course)
    rules = who.rules
    # The engine after a skipped placement check differs only in what it recommends.
    seen = who.policy(course).overview(current, now, rules)
    return Path(
        current,
        seen.mastery,
        seen.recommendation,
        seen.statuses,
        who.seconds,
        rules,
        seen.completion,
    )


def skip_placement(user: User, course: Course) -> None:
    """Record that the trainee skipped the placement check for now."""
    add_event(user.id, "placement-skipped", course)
    db.session.commit()


@dataclass(frozen=True)
class ModulePage:
    """What the module reader shows."""

    info: ModuleInfo  # its text too (html, toc), kept with the course
    status: engine.ModuleStatus
    previous: ModuleInfo | None
    next: ModuleInfo | None


class Locked(ServiceError):
    """The module is locked for this trainee: the message says what unlocks it."""


def module_status(user: User, slug: str, course: Course) -> engine.ModuleStatus:
    """Return where a module stands on the trainee's path."""
    who = learner(user.id)
    return course.engine.status(who.state(course), slug, utcnow(), who.rules)


def ensure_open(user: User, slug: str, course: Course) -> None:
    """Refuse to record work on a module the trainee has not unlocked."""
    status = module_status(user, slug, course)
    if status.status == "locked":
        raise Locked(f"{course.module(slug).title} is locked. {status.why}.")


def module_page(user: User, slug: str, course: Course) -> ModulePage | None:
    """Return the reader's page for a module (reading it writes nothing)."""
    info = course.module(slug)
    if info is None:
        return None
    status = module_status(user, slug, course)
    index = course.modules.index(info)
    neighbours = (
        course.modules[index - 1] if index else None,
        next(iter(course.modules[index + 1 :]), None),
    )
    return ModulePage(info, status, *neighbours)


def histories(user_ids: Iterable[int] | None = None) -> dict[int, list[engine.Event]]:
    """Return the engine events of trainees (all when None), per trainee, in one query."""
    query = (
        select(Event.user_id, Event.data)
        .join(User, User.id == Event.user_id)
        .where(User.role == Role.TRAINEE)
        .order_by(Event.user_id, Event.id)
    )
    if user_ids is not None:
        query = query.where(Event.user_id.in_(list(user_ids)))
    result: dict[int, list[engine.Event]] = {}
    for user_id, data in db.session.execute(query):
        result.setdefault(user_id, []).extend(_decode(data))
    return result


def fit(course: Course) -> engine.FitReport:
    """Fit the engine's parameters per competency from every trainee's recorded history."""
    return course.engine.fit(histories().values())
