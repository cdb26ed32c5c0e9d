"""Cohort pages read each trainee's stored summary, kept current in each event's transaction."""

from __future__ import annotations

from sqlalchemy import select, update

from course.extensions import db
from course.models import Cohort, CohortRule, LearnerSummary, Role
from course.models.types import utcnow
from course.services import accounts, catalogue, summaries
from tests.conftest import listening, post_form
from tests.web.test_learn import play, start


def stored(app, user_id: int) -> summaries.Figures | None:  # noqa: ANN001
    with app.app_context():
        names = [getattr(LearnerSummary, n) for n in summaries.STORED]
        row = db.session.execute(select(*names).where(LearnerSummary.user_id == user_id)).first()
        course = catalogue.current()
        if row is None:
            return None
        order, thresholds = summaries._order(course), summaries._thresholds(course)
        values = dict(zip(summaries.STORED, row, strict=True))
        return summaries._figures(values, order, course.engine.projector(), thresholds, utcnow())


def fresh(app, user_id: int) -> summaries.Figures:  # noqa: ANN001
    with app.app_context():
        return summaries.compute([user_id], catalogue.current(), utcnow())[user_id]


def same(a: summaries.Figures, b: summaries.Figures) -> bool:
    """Equal apart from when they were computed (estimates are stored to 6 places)."""
    timed = ("at", "mastery", "estimates")
    keep = {k: v for k, v in vars(a).items() if k not in timed}
    return keep == {k: v for k, v in vars(b).items() if k not in timed} and all(
        abs(a.mastery[c] - b.mastery[c]) < 1e-5 and abs(a.estimates[c] - b.estimates[c]) < 1e-5
        for c in a.mastery
    )


def test_every_event_keeps_the_summary_current(trainee, course, app):
    client, user = trainee
    assert stored(app, user.id) is None
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    assert same(stored(app, user.id), fresh(app, user.id))
    post_form(client, "/learn/modules/basics-one/complete", token_from="/learn/modules/basics-one")
    assert stored(app, user.id).modules_done == 1
    url = start(client)
    play(client, url, first="b", option="1", last="b")  # a failing run
    after = stored(app, user.id)
    assert (after.attempts, after.passed) == (1, 0)
    assert after.struggling is not None and after.next_kind == "remediation"
    assert same(after, fresh(app, user.id))


def test_a_rule_change_moves_the_next_step_at_once(admin, trainee, course, app):
    client, _ = admin
    trainee_client, user = trainee
    post_form(trainee_client, "/learn/welcome/skip", token_from="/learn/welcome")
    with app.app_context():
        cohort_id = accounts.create_cohort("Golf", trainees=[db.session.merge(user)]).id
    page = f"/admin/cohorts/{cohort_id}"
    post_form(
        client, f"{page}/rules", {"module": "basics-refresher", "kind": "pinned"}, token_from=page
    )
    assert stored(app, user.id).next_module == "basics-refresher"
    html = client.get(f"/progress/cohorts/{cohort_id}").get_data(as_text=True)
    assert "<td>Basics refresher</td>" in html


def test_outdated_summaries_are_computed_on_read_and_not_written(admin, trainee, course, app):
    client, _ = admin
    trainee_client, user = trainee
    post_form(trainee_client, "/learn/welcome/skip", token_from="/learn/welcome")
    post_form(
        trainee_client, "/learn/modules/basics-one/complete", token_from="/learn/modules/basics-one"
    )
    with app.app_context():
        cohort_id = accounts.create_cohort("Hotel", trainees=[db.session.merge(user)]).id
        db.session.execute(
            update(LearnerSummary).values(params_hash="old", modules_done=99, snapshot={})
        )
        db.session.commit()
    writes: list[str] = []

    def listener(*args: object) -> None:
        if str(args[2]).lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(str(args[2]))

    with listening(app, listener):
        csv = client.get(f"/progress/cohorts/{cohort_id}/progress.csv").get_data(as_text=True)
    assert writes == []
    assert csv.splitlines()[1].split(",")[-7] == "1"  # modules done: computed, not the stale 99


def test_a_rolled_back_event_leaves_no_summary(trainee, course, app):
    _, user = trainee
    with app.app_context():
        from course.services import learning

        learning.add_event(user.id, "placement-skipped", catalogue.current())
        db.session.rollback()
        assert db.session.info.get(summaries.PENDING) is None
        db.session.commit()
    assert stored(app, user.id) is None


def test_the_cohort_page_reads_a_fixed_number_of_queries(admin, create_user, course, app):
    client, _ = admin
    with app.app_context():
        cohort = Cohort(name="India")
        cohort.rules.append(CohortRule(module_slug="basics-one", kind="required"))
        db.session.add(cohort)
        db.session.commit()
        cohort_id = cohort.id

    def queries(path: str) -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        with listening(app, listener):
            assert client.get(path).status_code == 200
        return len(seen)

    def grow(n: int) -> None:
        people = [create_user(Role.TRAINEE) for _ in range(n)]
        with app.app_context():
            found = db.session.get(Cohort, cohort_id)
            for person in people:
                found.members.append(
                    __import__("course.models", fromlist=["CohortMember"]).CohortMember(
                        user_id=person.id, role=Role.TRAINEE
                    )
                )
            db.session.flush()
            summaries.refresh([m.user_id for m in found.members], catalogue.current())
            db.session.commit()

    grow(2)
    pages = (f"/progress/cohorts/{cohort_id}", f"/progress/cohorts/{cohort_id}/progress.csv")
    small = [queries(p) for p in pages]
    grow(12)
    assert [queries(p) for p in pages] == small
    with app.app_context():
        assert len(db.session.scalars(select(LearnerSummary)).all()) == 14


def test_weekly_snapshots_rebuilt_from_events_match_those_stored_as_they_came(
    admin, trainee, course, app, runner
):
    from course.models import LearnerWeek

    trainee_client, user = trainee
    post_form(trainee_client, "/learn/welcome/skip", token_from="/learn/welcome")
    post_form(
        trainee_client, "/learn/modules/basics-one/complete", token_from="/learn/modules/basics-one"
    )
    play(trainee_client, start(trainee_client))

    def weeks() -> list[tuple]:
        with app.app_context():
            rows = db.session.scalars(select(LearnerWeek).order_by(LearnerWeek.week)).all()
            return [(r.user_id, r.week, r.modules, r.complete, r.mastery) for r in rows]

    stored_as_they_came = weeks()
    assert len(stored_as_they_came) == 1 and stored_as_they_came[0][2] == 1
    with app.app_context():
        db.session.execute(LearnerWeek.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["engine", "recompute"])
    assert result.exit_code == 0, result.output
    rebuilt = weeks()
    assert [r[:4] for r in rebuilt] == [r[:4] for r in stored_as_they_came]
    for (*_, a), (*_, b) in zip(rebuilt, stored_as_they_came, strict=True):
        assert all(abs(a[c] - b[c]) < 1e-3 for c in a)


def test_a_stored_summary_fades_as_the_trainee_is_away(trainee, course, app):
    """Read 20 days later, the cohort page shows what My path would then show."""
    from datetime import timedelta

    client, user = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    post_form(client, "/learn/modules/basics-one/complete", token_from="/learn/modules/basics-one")
    play(client, start(client))
    later = utcnow() + timedelta(days=20)
    with app.app_context():
        course_ = catalogue.current()
        faded = summaries.read([user.id], course_, later)[user.id]
        from course.services import learning

        truth = course_.engine.mastery(learning.state(user.id, course_), later)
    assert faded.mastery.keys() == truth.keys()
    assert all(abs(faded.mastery[c] - truth[c]) < 1e-5 for c in truth)
    assert faded.mastery != faded.estimates  # forgetting did move something
