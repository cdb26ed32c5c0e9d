"""Throughput of the xAPI sender: statements per second, to a real LRS and to nothing.

    .venv/bin/python bench/xapi_send.py [N] [DATABASE_URL]   # default 2000, a temporary SQLite file

Queues N 'answered' statements (the most common and the largest kind) for one trainee, then:
1. sends them with a receiver that acknowledges at once: the outbox's own cost (claim, settle);
2. queues them again and sends them to Ralph's LRS (fs backend, from .venv-lrs, as the tests run
   it) on loopback, batch sizes 10, 50 and 200: the cost with a real LRS in the loop.
Ralph's fs backend scans its whole file for existing ids on every POST, so its figure falls as
the file grows; a production LRS with an index behaves differently.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import flask_migrate

from course import create_app, xapi
from course.config import test_overrides
from course.extensions import db
from course.models import OutboxMessage, Role
from course.models.types import utcnow
from course.services import accounts, outbox, statements

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' Ralph fixture serves the LRS here too
from tests.lrs.conftest import PASSWORD, USER, Ralph  # noqa: E402

STEP = xapi.Interaction(
    "first",
    "choice",
    "The host's delegation arrives an hour late and the agenda is contested. What do you do?",
    (("a", "Hold the talks and call the host."), ("b", "Walk out."), ("c", "Wait.")),
    ("a",),
)


def queue(user_id: int, count: int) -> None:
    quiz = xapi.QuizRef("basics-one-quiz", "Scenario", 1, "basics-one", "Basics one", False, 1, 1)
    evidence = (xapi.EvidenceItem("alpha", "best", 1.0),)
    events = [
        xapi.Answered(quiz, STEP, ("a",), "best", 1.0, evidence, utcnow()) for _ in range(count)
    ]
    statements.queue(user_id, events)
    db.session.commit()


def timed(label: str, count: int, run) -> None:  # noqa: ANN001
    start = time.perf_counter()
    report = run()
    seconds = time.perf_counter() - start
    assert report.sent == count and report.failed == 0, report
    print(f"{label:<44} {count} in {seconds:.2f} s = {count / seconds:,.0f} statements/s")


def instant(batch: int):  # noqa: ANN201
    """Return a run that sends to a receiver acknowledging everything at once."""

    def acknowledge(messages: list[outbox.Message]) -> outbox.Delivery:
        return outbox.Delivery(tuple(m.id for m in messages))

    return lambda: outbox.deliver(statements.TOPIC, acknowledge, batch_size=batch)


def to_lrs():  # noqa: ANN201
    """Return a run that sends to the configured LRS."""
    lrs = statements.configured_lrs()
    return lambda: statements.send(lrs)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tempfile.mkdtemp()}/xapi.sqlite"
    folder = Path(tempfile.mkdtemp())
    ralph = Ralph(folder)
    ralph.start()
    app = create_app({**test_overrides(url), "XAPI_LRS_ENDPOINT": ralph.endpoint})
    app.config.update(XAPI_LRS_USERNAME=USER, XAPI_LRS_PASSWORD=PASSWORD)
    try:
        with app.app_context():
            flask_migrate.upgrade(directory=str(ROOT / "migrations"))
            user = accounts.create_user("bench@example.org", "Bench", Role.TRAINEE, "x" * 16)
            print(f"database {db.engine.dialect.name}, {count} statements per run")
            for batch in (10, 50, 200):
                queue(user.id, count)
                timed(f"no receiver (outbox only), batch {batch}", count, instant(batch))
            for batch in (10, 50, 200):
                queue(user.id, count)
                app.config["XAPI_BATCH_SIZE"] = batch
                timed(f"Ralph LRS (fs) on loopback, batch {batch}", count, to_lrs())
            db.session.query(OutboxMessage).delete()
            db.session.commit()
    finally:
        ralph.stop()


if __name__ == "__main__":
    main()
