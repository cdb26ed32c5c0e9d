"""xAPI statements for learning events, queued in the outbox in the event's transaction.

The statements themselves are built by the pure course.xapi; this module gathers what they need
from the database (the trainee's cohorts, content versions) and the configuration. docs/xapi.md
describes every statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from course import content, engine, xapi
from course.extensions import db
from course.models import Cohort, CohortMember, User
from course.services import catalogue, outbox
from course.services.catalogue import Course
from course.services.lrs import Lrs, sender
from course.xapi.statements import Event as XapiEvent

TOPIC = "xapi"


def platform() -> xapi.Platform:
    """Return the platform as statements name it, from the configuration."""
    config = current_app.config
    return xapi.Platform(config["XAPI_HOME_PAGE"], identify_by_email=config["XAPI_ACTOR_EMAIL"])


def learner(user_id: int) -> xapi.Learner:
    """Return the actor of a trainee's statements with the cohorts they belong to, in one query."""
    rows = db.session.execute(
        select(User.email, Cohort.id, Cohort.name)
        .outerjoin(CohortMember, CohortMember.user_id == User.id)
        .outerjoin(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(User.id == user_id)
        .order_by(Cohort.id)
    ).all()
    cohorts = tuple(xapi.CohortRef(cid, name) for _, cid, name in rows if cid is not None)
    return xapi.Learner(str(user_id), rows[0][0] if rows else "", cohorts)


def enabled() -> bool:
    """Tell whether learning events are to be recorded as statements."""
    return bool(current_app.config["XAPI_ENABLED"])


def queue(user_id: int, events: Sequence[XapiEvent]) -> None:
    """Build each event's statement with a new id and queue it (the caller commits)."""
    if not events or not enabled():
        return
    home, who = platform(), learner(user_id)
    for event in events:
        statement_id = str(uuid.uuid4())
        outbox.add(TOPIC, statement_id, xapi.build(home, who, event, statement_id))


def module_read(
    user_id: int, slug: str, course: Course, seconds: int, first: bool, at: datetime
) -> None:
    """Queue 'experienced' for a reading of a module, and 'completed' the first time."""
    version = catalogue.module_version(slug)
    info = course.module(slug)
    if version is None or info is None:
        return
    module = xapi.ModuleRef(slug, info.title, version.number)
    completed = [xapi.ModuleCompleted(module, at)] if first else []
    queue(user_id, [xapi.ModuleExperienced(module, seconds, at), *completed])


def quiz_ref(
    quiz: content.Quiz, version_number: int, attempt_id: int, number: int, course: Course
) -> xapi.QuizRef:
    """Describe a quiz as one attempt took it."""
    module = course.module(quiz.module) if quiz.module else None
    return xapi.QuizRef(
        quiz.id,
        quiz.title,
        version_number,
        quiz.module,
        module.title if module else "",
        quiz.placement,
        attempt_id,
        number,
    )


def answered(
    user_id: int,
    quiz: xapi.QuizRef,
    step: content.Step,
    response: object,
    graded: content.Graded,
    at: datetime,
) -> None:
    """Queue 'answered' for one step, with its rating and the evidence per competency."""
    evidence = tuple(xapi.EvidenceItem(e.competency, e.rating, e.weight) for e in graded.evidence)
    event = xapi.Answered(
        quiz,
        xapi.interaction(step),
        xapi.response(step, response),
        graded.rating,
        graded.value,
        evidence,
        at,
    )
    queue(user_id, [event])


def finished(
    user_id: int,
    quiz: xapi.QuizRef,
    result: content.QuizScore,
    pass_mark: float,
    started: datetime,
    at: datetime,
) -> None:
    """Queue 'passed' or 'failed' for a scenario, 'completed' for the placement check."""
    event = xapi.QuizFinished(
        quiz,
        result.score,
        pass_mark,
        result.passed,
        result.outcome,
        tuple(sorted(result.per_competency.items())),
        int((at - started).total_seconds()),
        at,
    )
    queue(user_id, [event])


def mastery_changes(
    course: Course,
    before: engine.LearnerState,
    after: engine.LearnerState,
    at: datetime,
    cause: str = "evidence",
) -> list[xapi.MasteryChanged]:
    """Compare the engine's calls before and after an event: a competency mastered at the last
    event but not now was lost to forgetting; one whose call the event changed, to evidence."""
    found = []
    for competency in course.engine.competencies:
        was, now, earlier = (
            _mastered(course, state, competency, when)
            for state, when in ((before, at), (after, at), (before, before.last_at))
        )
        if earlier and not was:
            found.append(_change(course, before, competency, False, "forgetting", at))
        if was != now:
            found.append(_change(course, after, competency, now, cause, at))
    return found


def _mastered(
    course: Course, state: engine.LearnerState, competency: str, at: datetime | None
) -> bool:
    if at is None:
        return False
    threshold = course.engine.params(competency).threshold
    return course.engine.mastery_of(state, competency, at) >= threshold


def _change(
    course: Course,
    state: engine.LearnerState,
    competency: str,
    mastered: bool,
    cause: str,
    at: datetime,
) -> xapi.MasteryChanged:
    return xapi.MasteryChanged(
        competency,
        course.competency_names.get(competency, competency),
        mastered,
        course.engine.mastery_of(state, competency, at),
        course.engine.params(competency).threshold,
        cause,
        engine.ENGINE_VERSION,
        course.params_hash,
        at,
    )


def send(lrs: Lrs, *, max_batches: int | None = None) -> outbox.Report:
    """Post due statements to the LRS in batches; a failure waits out its back-off."""
    config = current_app.config
    batch = max(1, int(config["XAPI_BATCH_SIZE"]))
    # Longer than the worst a batch can take (sent whole, then one by one), so no other sender
    # claims it while this one is still waiting for the LRS.
    lease = timedelta(seconds=(batch + 1) * lrs.timeout + 60)
    return outbox.deliver(
        TOPIC,
        sender(lrs),
        batch_size=batch,
        lease=lease,
        backoff=outbox.Backoff(config["XAPI_RETRY_SECONDS"], config["XAPI_RETRY_MAX_SECONDS"]),
        max_batches=max_batches,
    )


def configured_lrs() -> Lrs | None:
    """Return the LRS the configuration names, or None."""
    return Lrs.from_config(current_app.config)
