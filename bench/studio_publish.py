"""Time the studio's operations on the shipped course: check a draft, save it, publish it, export.

Usage: python bench/studio_publish.py [DATABASE_URL]
Default: a temporary SQLite file. Each operation runs 5 times; prints the median. Asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate

from course import create_app
from course.config import test_overrides
from course.extensions import db
from course.models import Role, User
from course.services import importer, studio

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5


def median_time(action) -> float:  # noqa: ANN001
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(url: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(test_overrides(url or f"sqlite:///{tmp}/bench.sqlite"))
        with app.app_context():
            dialect = db.engine.dialect.name
            if dialect == "postgresql":
                flask_migrate.downgrade(revision="base")
            flask_migrate.upgrade()
            importer.import_folder(ROOT)
            user = User(email="b@example.org", username="b", display_name="B", password_hash="-")
            user.role = Role.INSTRUCTOR
            db.session.add(user)
            db.session.commit()
            file = studio.ContentFile("modules", "foundations-roles")
            text = studio.open_file(file).source
            check = median_time(lambda: studio.check(file, text))
            scenario = studio.ContentFile("quizzes", "foundations-roles")
            scenario_text = studio.open_file(scenario).source
            check_quiz = median_time(lambda: studio.check(scenario, scenario_text))
            counter = iter(range(1, 1000))

            def save() -> None:
                now = studio.open_file(file)
                studio.save_draft(
                    user, file, text + f"\nDraft {next(counter)}.\n", now.version, now.revision
                )

            saving = median_time(save)

            def publish() -> None:
                now = studio.open_file(file)
                source = text + f"\nEdit {next(counter)}.\n"
                studio.publish(user, file, source, now.version, now.revision, "Bench.")

            publishing = median_time(publish)
            export = median_time(studio.export_zip)
            db.session.remove()  # end the read transaction, or dropping the tables waits on it
            if dialect == "postgresql":
                flask_migrate.downgrade(revision="base")
    print(f"database: {dialect}; shipped course; median of {RUNS}")
    print(f"check a module against the live course: {check * 1000:.0f} ms")
    print(f"check a scenario (with its lint):       {check_quiz * 1000:.0f} ms")
    print(f"save a draft:                           {saving * 1000:.0f} ms")
    print(f"publish a module (whole-course import): {publishing * 1000:.0f} ms")
    print(f"export the course as a zip:             {export * 1000:.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
