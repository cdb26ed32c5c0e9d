"""Time `content import` of a synthetic 200-module course into a fresh database.

Usage: python bench/content_import.py [N] [DATABASE_URL]
Default: 200 modules into a temporary SQLite file. Prints what it measured; asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import flask_migrate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_catalogue import generate  # noqa: E402

from course import create_app  # noqa: E402
from course.config import test_overrides  # noqa: E402
from course.extensions import db  # noqa: E402
from course.services import importer  # noqa: E402


def timed(action):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main(count: int = 200, url: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        generate(root, count)
        app = create_app(
            {**test_overrides(url or f"sqlite:///{tmp}/bench.sqlite"), "ARGON2_MEMORY_KIB": 19456}
        )
        with app.app_context():
            dialect = db.engine.dialect.name
            if dialect == "postgresql":
                flask_migrate.downgrade(revision="base")
            flask_migrate.upgrade()
            first, report = timed(lambda: importer.import_folder(root))
            again, same = timed(lambda: importer.import_folder(root))
            path = root / "modules" / sorted(p.name for p in (root / "modules").glob("*.md"))[0]
            path.write_text(path.read_text() + "\nOne more sentence.\n")
            third, changed = timed(lambda: importer.import_folder(root))
            if dialect == "postgresql":
                flask_migrate.downgrade(revision="base")
    print(f"database: {dialect}; {count} modules + {count + 1} quizzes")
    print(
        f"first import (validate, render, write): {first:.2f} s "
        f"({len(report.created)} files created)"
    )
    print(
        f"second import (nothing changed):        {again:.2f} s "
        f"({same.unchanged} unchanged, changed={same.changed})"
    )
    print(f"after editing one module:               {third:.2f} s (updated {changed.updated})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, sys.argv[2] if len(sys.argv) > 2 else None)
