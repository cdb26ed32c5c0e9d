"""Learning events queue their xAPI statements in the same transaction; the outbox hands them
out once per claim, marks them sent only when acknowledged, and backs off after a failure."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from course import engine, xapi
from course.extensions import db
from course.models import Event, OutboxMessage
from course.models.types import utcnow
from course.services import catalogue, learning, outbox, reviews, statements
from tests.conftest import post_form
from tests.web.test_learn import play, start

VERB = "http://adlnet.gov/expapi/verbs/"


def read_module(client, slug: str = "basics-one") -> None:  # noqa: ANN001
    url = f"/learn/modules/{slug}"
    assert post_form(client, f"{url}/complete", token_from=url).status_code == 302


def queued(query) -> list[dict]:  # noqa: ANN001
    return query(select(OutboxMessage.payload).order_by(OutboxMessage.id), many=True)


def verbs(payloads: list[dict]) -> list[str]:
    return [p["verb"]["id"].rsplit("/", 1)[-1] for p in payloads]


def test_a_module_and_its_scenario_queue_valid_statements(trainee, course, query):
    client, user = trainee
    read_module(client)
    play(client, start(client))
    payloads = queued(query)
    assert [v for v in verbs(payloads) if v != "mastered"] == [
        "experienced",
        "completed",
        "answered",
        "answered",
        "answered",
        "passed",
    ]
    assert all(xapi.problems(p) == [] for p in payloads), [xapi.problems(p) for p in payloads]
    assert {p["actor"]["account"]["name"] for p in payloads} == {str(user.id)}
    assert len({p["id"] for p in payloads}) == len(payloads)
    ids = query(select(OutboxMessage.message_id).order_by(OutboxMessage.id), many=True)
    assert ids == [p["id"] for p in payloads]  # the statement id is fixed when it is queued
    answered = [p for p in payloads if p["verb"]["id"] == VERB + "answered"]
    assert len({p["context"]["registration"] for p in answered}) == 1


def test_mastery_gained_is_a_statement_with_the_estimate(trainee, course, query):
    client, _ = trainee
    read_module(client)
    play(client, start(client))
    mastered = [p for p in queued(query) if p["verb"]["id"] == VERB + "mastered"]
    assert [p["object"]["id"].rsplit("/", 1)[-1] for p in mastered] == ["alpha"]
    extensions = mastered[0]["result"]["extensions"]
    estimate = next(v for k, v in extensions.items() if k.endswith("/estimate"))
    threshold = next(v for k, v in extensions.items() if k.endswith("/threshold"))
    assert estimate >= threshold == 0.95


def test_a_failed_scenario_says_failed(trainee, course, query):
    client, _ = trainee
    read_module(client)
    play(client, start(client), first="b", option="1", last="b")
    assert verbs(queued(query))[-1] == "failed"


def test_mastery_lost_to_forgetting_is_found_at_the_next_event(ctx, course):
    current = catalogue.current()
    at = utcnow()
    before = current.engine.initial_state()
    for _ in range(6):  # enough best answers for the record to show mastery
        before = current.engine.apply(before, best_answer("alpha", at))
    assert current.engine.mastery_of(before, "alpha", at) >= 0.95
    later = at + timedelta(days=400)
    after = current.engine.apply(before, best_answer("beta", later))
    changes = statements.mastery_changes(current, before, after, later)
    assert [(c.competency, c.mastered, c.cause) for c in changes] == [
        ("alpha", False, "forgetting")
    ]
    assert changes[0].estimate < 0.95


def best_answer(competency: str, at) -> engine.Observation:  # noqa: ANN001
    return engine.Observation(
        competency=competency, rating="best", weight=1.0, source="scenario", module_id=None, at=at
    )


def test_the_statement_is_written_with_the_event_or_not_at_all(
    app, create_user, course, monkeypatch
):
    user = create_user()

    def broken(_course) -> None:  # noqa: ANN001
        raise RuntimeError("the database went away mid-transaction")

    monkeypatch.setattr(learning, "keep_rules", broken)
    with app.app_context():
        from course.models import User

        with pytest.raises(RuntimeError):
            learning.complete_module(db.session.get(User, user.id), "basics-one", course)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_nothing_is_queued_when_xapi_is_off(trainee, course, query, app, monkeypatch):
    client, _ = trainee
    monkeypatch.setitem(app.config, "XAPI_ENABLED", False)
    read_module(client)
    assert queued(query) == []
    assert query(select(func.count()).select_from(Event)) == 1


def queue_three(app) -> None:  # noqa: ANN001
    with app.app_context():
        for n in range(3):
            outbox.add("test", f"00000000-0000-4000-8000-00000000000{n}", {"n": n})
        db.session.commit()


def test_two_senders_never_claim_the_same_message(app):
    queue_three(app)
    with app.app_context():
        first = outbox.claim("test", 2, timedelta(minutes=1), "sender-a")
        second = outbox.claim("test", 2, timedelta(minutes=1), "sender-b")
        third = outbox.claim("test", 2, timedelta(minutes=1), "sender-c")
    assert [m.payload["n"] for m in first] == [0, 1]
    assert [m.payload["n"] for m in second] == [2]
    assert third == []


def test_sent_only_on_acknowledgement_and_failures_back_off(app):
    queue_three(app)

    def half(messages: list[outbox.Message]) -> outbox.Delivery:
        ok = tuple(m.id for m in messages if m.payload["n"] != 1)
        return outbox.Delivery(ok, {m.id: "LRS answered 503" for m in messages if m.id not in ok})

    with app.app_context():
        report = outbox.deliver("test", half, batch_size=10, backoff=outbox.Backoff(60, 600))
        assert (report.sent, report.failed, report.batches) == (2, 1, 1)
        queue = outbox.queue("test")
        assert (queue.pending, queue.failed, queue.sent) == (1, 1, 2)
        assert queue.last_error == "LRS answered 503"
        assert queue.next_try_at > utcnow() + timedelta(seconds=55)
        # Not due yet: a second run sends nothing; once due, it goes.
        assert outbox.deliver("test", half, batch_size=10).batches == 0
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
        row.next_try_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        everything = outbox.deliver("test", lambda ms: outbox.Delivery(tuple(m.id for m in ms)))
        assert everything.sent == 1
        assert outbox.queue("test").pending == 0


def test_backoff_doubles_up_to_its_cap():
    backoff = outbox.Backoff(5, 60)
    assert [backoff.after(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 40, 60]


def test_a_claim_whose_sender_died_is_taken_again_after_the_lease(app):
    queue_three(app)
    with app.app_context():
        taken = outbox.claim("test", 3, timedelta(seconds=-1), "died")  # lease already over
        again = outbox.claim("test", 3, timedelta(minutes=1), "alive")
    assert [m.id for m in again] == [m.id for m in taken]


def test_export_writes_json_lines(trainee, course, runner, tmp_path):
    client, _ = trainee
    read_module(client)
    path = tmp_path / "statements.jsonl"
    result = runner.invoke(args=["xapi", "export", str(path)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert verbs(lines) == ["experienced", "completed"]
    assert all(xapi.problems(line) == [] for line in lines)


def test_send_without_an_lrs_says_what_to_set(runner):
    result = runner.invoke(args=["xapi", "send"])
    assert result.exit_code == 1
    assert "XAPI_LRS_ENDPOINT" in result.output and "xapi export" in result.output


def test_the_admin_page_shows_the_queue(admin, trainee, course, app):
    trainee_client, _ = trainee
    read_module(trainee_client)
    with app.app_context():
        outbox.deliver(
            statements.TOPIC,
            lambda ms: outbox.Delivery(failed={m.id: "LRS unreachable: refused" for m in ms}),
        )
    client, _ = admin
    html = client.get("/admin/xapi").get_data(as_text=True)
    assert "<dt>Pending</dt><dd>2</dd>" in html
    assert "<dt>Failed at least once</dt><dd>2</dd>" in html
    assert "<dt>Sent</dt><dd>0</dd>" in html
    assert "LRS unreachable: refused" in html
    assert "No Learning Record Store is configured" in html
    assert 'href="/admin/xapi"' in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["trainee", "instructor"])
def test_only_administrators_see_the_queue(role, request):
    client, _ = request.getfixturevalue(role)
    assert client.get("/admin/xapi").status_code == 403


def test_export_to_stdout(app):
    queue_three(app)
    with app.app_context():
        out = io.StringIO()
        assert outbox.export("test", out) == 3
    assert [json.loads(line)["n"] for line in out.getvalue().splitlines()] == [0, 1, 2]


def test_a_review_falling_due_is_queued_once_per_episode(trainee, course, query, app, runner):
    client, _ = trainee
    read_module(client)
    play(client, start(client))  # alpha mastered
    assert "Queued 0 review-due" in runner.invoke(args=["xapi", "reviews"]).output  # not yet
    with app.app_context():
        later = utcnow() + timedelta(days=400)
        assert reviews.sweep(catalogue.current(), later) == 1
        assert reviews.sweep(catalogue.current(), later + timedelta(days=30)) == 0  # same episode
    (due,) = [p for p in queued(query) if p["verb"]["id"].endswith("/review-due")]
    assert xapi.problems(due) == []
    assert due["object"]["id"].endswith("/competency/alpha")
    assert "/module/" in due["context"]["contextActivities"]["other"][0]["id"]


def test_status_counts_the_queue_and_shows_the_last_error(app, runner):
    with app.app_context():
        for n in range(3):
            outbox.add(statements.TOPIC, f"00000000-0000-4000-8000-00000000001{n}", {"n": n})
        db.session.commit()
        outbox.deliver(
            statements.TOPIC,
            lambda ms: outbox.Delivery(failed={m.id: "LRS answered 503" for m in ms}),
            batch_size=2,
        )
    result = runner.invoke(args=["xapi", "status"])
    assert result.exit_code == 0
    assert "pending 3 (failed at least once: 2), sent 0" in result.output
    assert "LRS answered 503" in result.output
