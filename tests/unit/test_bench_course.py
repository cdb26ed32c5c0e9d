"""The evaluation measures the course the platform serves: same catalogue, order and rules."""

from __future__ import annotations

import sys
from pathlib import Path

from course.services import catalogue, importer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import shipped_course  # noqa: E402


def test_bench_catalogue_is_the_imported_one(app) -> None:  # noqa: ANN001
    bench = shipped_course.load(ROOT)
    with app.app_context():
        importer.import_folder(ROOT)
        served = catalogue.current().engine_catalogue()
    assert bench.catalogue.to_json() == served.to_json()
    assert [m.id for m in served.modules][:3] == [m.id for m in bench.catalogue.modules][:3]
    assert any(m.max_attempts for m in served.modules)  # the retake rules reach the engine
