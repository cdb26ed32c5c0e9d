"""Statements reach a real LRS (Ralph) and read back from it: valid, complete, each exactly once,
through an LRS that goes away part-way and comes back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter

from sqlalchemy import select, update

from course import xapi
from course.extensions import db
from course.models import OutboxMessage
from course.models.types import utcnow
from course.services import outbox, statements
from course.services.lrs import Lrs
from tests.lrs.conftest import PASSWORD, USER
from tests.web.test_learn import answer, start
from tests.web.test_xapi_queue import read_module, verbs

# What the LRS adds to a statement it stores.
LRS_FIELDS = {"stored", "authority"}


def queued(query) -> dict[str, dict]:  # noqa: ANN001
    rows = query(select(OutboxMessage).order_by(OutboxMessage.id), many=True)
    return {row.message_id: row.payload for row in rows}


def send(runner) -> object:  # noqa: ANN001
    return runner.invoke(args=["xapi", "send"])


def home_page(app) -> str:  # noqa: ANN001
    return app.config["XAPI_HOME_PAGE"].rstrip("/")


def test_a_trainee_s_statements_read_back_from_the_lrs(trainee, course, lrs, runner, query, app):
    client, user = trainee
    read_module(client)
    url = start(client)
    answer(client, url, "first", choice="a")
    answer(client, url, "second", option="0")
    answer(client, url, "third", choice="a")
    sent = queued(query)
    result = send(runner)
    assert result.exit_code == 0, result.output
    assert f"Sent {len(sent)} statement(s)" in result.output

    stored = lrs.by_agent(home_page(app), str(user.id))
    assert Counter(s["id"] for s in stored) == Counter(list(sent))  # every one, each once
    for statement_id, payload in sent.items():
        (found,) = lrs.by_id(statement_id)
        assert xapi.problems(found) == [], found
        assert {k: v for k, v in found.items() if k not in LRS_FIELDS} == payload
    assert {"experienced", "completed", "answered", "passed"} <= set(verbs(stored))
    with app.app_context():
        queue = outbox.queue(statements.TOPIC)
    assert (queue.pending, queue.sent) == (0, len(sent))


def test_an_lrs_that_goes_away_loses_and_doubles_nothing(trainee, course, lrs, runner, query, app):
    client, user = trainee
    read_module(client)
    assert send(runner).exit_code == 0
    before = set(queued(query))

    lrs.stop()
    url = start(client)
    answer(client, url, "first", choice="b")
    answer(client, url, "second", option="1")
    result = send(runner)
    assert result.exit_code == 1
    assert "LRS unreachable" in result.output
    with app.app_context():
        queue = outbox.queue(statements.TOPIC)
    waiting = len(queued(query)) - len(before)
    assert (queue.pending, queue.failed, queue.sent) == (waiting, min(waiting, 4), len(before))
    assert "LRS unreachable" in queue.last_error

    answer(client, url, "third", choice="b")  # the trainee plays on while the LRS is down
    lrs.start()
    result = send(runner)
    assert result.exit_code == 0, result.output

    everything = queued(query)
    stored = lrs.by_agent(home_page(app), str(user.id))
    assert Counter(s["id"] for s in stored) == Counter(list(everything))
    assert "failed" in verbs(stored)
    with app.app_context():
        assert outbox.queue(statements.TOPIC).pending == 0


def test_a_lost_acknowledgement_sends_again_and_the_lrs_keeps_one(
    trainee, course, lrs, runner, query, app
):
    client, user = trainee
    read_module(client)
    assert send(runner).exit_code == 0
    with app.app_context():  # as if the sender died after the LRS stored them, before settling
        db.session.execute(update(OutboxMessage).values(sent_at=None))
        db.session.commit()
    result = send(runner)
    assert result.exit_code == 0, result.output
    stored = lrs.by_agent(home_page(app), str(user.id))
    assert Counter(s["id"] for s in stored) == Counter(list(queued(query)))


def test_an_id_the_lrs_already_holds_counts_as_sent(trainee, course, lrs, runner, query, app):
    client, user = trainee
    read_module(client)
    (first_id, first), *_ = queued(query).items()
    other = {**first, "timestamp": "2020-01-01T00:00:00.000Z"}  # same id, different statement
    lrs_client = Lrs(lrs.endpoint, USER, PASSWORD)
    request = urllib.request.Request(
        lrs_client.statements_url,
        data=json.dumps([other]).encode(),
        headers=lrs_client.headers(),
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).close()
    result = send(runner)
    assert result.exit_code == 0, result.output
    with app.app_context():
        queue = outbox.queue(statements.TOPIC)
    assert (queue.pending, queue.failed) == (0, 0)
    assert [s["timestamp"] for s in lrs.by_id(first_id)] == ["2020-01-01T00:00:00.000Z"]


def test_several_senders_at_once_send_each_statement_once(create_user, lrs, app, query):
    user = create_user()
    module = xapi.ModuleRef("basics-one", "Basics one", 1)
    with app.app_context():
        events = [xapi.ModuleExperienced(module, n, utcnow()) for n in range(40)]
        statements.queue(user.id, events)
        db.session.commit()
    reports: list[outbox.Report] = []

    def sender() -> None:
        with app.app_context():
            reports.append(statements.send(statements.configured_lrs()))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(r.sent for r in reports) == 40  # no statement was claimed by two senders
    assert sum(r.failed for r in reports) == 0
    stored = lrs.by_agent(home_page(app), str(user.id))
    assert Counter(s["id"] for s in stored) == Counter(list(queued(query)))


def test_the_sender_loop_runs_until_sigterm(trainee, course, lrs, app, query):
    client, user = trainee
    read_module(client)
    config = app.config
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "loop-test",
        **{key: str(config[key]) for key in config if key.startswith("XAPI_")},
    }
    loop = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "course",
            "xapi",
            "send",
            "--loop",
            "--interval",
            "0.2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(lrs.by_agent(home_page(app), str(user.id))) < 2:
            time.sleep(0.2)
        read_module(client)  # queued while the loop runs: the next round sends it
        while time.monotonic() < deadline and len(lrs.by_agent(home_page(app), str(user.id))) < 3:
            time.sleep(0.2)
    finally:
        loop.send_signal(signal.SIGTERM)
        output, _ = loop.communicate(timeout=10)
    assert loop.returncode == 0, output
    stored = lrs.by_agent(home_page(app), str(user.id))
    assert Counter(s["id"] for s in stored) == Counter(list(queued(query)))


def test_wrong_credentials_are_a_failure_with_the_lrs_s_answer(
    trainee, course, lrs, runner, app, monkeypatch
):
    client, _ = trainee
    read_module(client)
    monkeypatch.setitem(app.config, "XAPI_LRS_PASSWORD", "not-the-password")
    result = send(runner)
    assert result.exit_code == 1
    with app.app_context():
        queue = outbox.queue(statements.TOPIC)
    assert (queue.pending, queue.failed, queue.sent) == (2, 2, 0)
    assert queue.last_error.startswith("LRS answered 401")
