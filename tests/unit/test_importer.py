"""Importing content: all-or-nothing, idempotent, one new version per change, never deleting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from course.extensions import db
from course.models import Module, ModuleVersion, Quiz, QuizVersion, User
from course.services import catalogue, importer
from tests.conftest import FIXTURE_COURSE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, target)
    return target


def versions(model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_twice_changes_nothing_the_second_time(ctx, folder):
    first = importer.import_folder(folder)
    assert len(first.created) == 7 and first.competencies_changed
    second = importer.import_folder(folder)
    assert not second.changed and second.unchanged == 7
    assert versions(ModuleVersion) == 3 and versions(QuizVersion) == 4


def test_changing_one_module_creates_one_new_version(ctx, folder):
    importer.import_folder(folder)
    path = folder / "modules" / "basics-one.md"
    path.write_text(path.read_text().replace("An introduction", "A fresh introduction"))
    report = importer.import_folder(folder)
    assert report.updated == ["modules/basics-one.md"] and not report.created
    assert versions(ModuleVersion) == 4
    current = catalogue.module_version("basics-one")
    assert current.number == 2 and "A fresh introduction" in current.html


def test_rendered_html_is_stored_with_the_version(ctx, folder):
    importer.import_folder(folder)
    version = catalogue.module_version("basics-one")
    assert "<script>" not in version.html and 'id="first-section"' in version.html
    assert version.toc[0]["anchor"] == "first-section" and version.words > 10


def test_invalid_folder_writes_nothing(ctx, folder):
    (folder / "quizzes" / "basics-one.yaml").write_text("id: [unclosed\n")
    with pytest.raises(importer.ContentInvalid) as raised:
        importer.import_folder(folder)
    assert any("quizzes/basics-one.yaml" in str(p) for p in raised.value.problems)
    assert versions(Module) == 0 and versions(ModuleVersion) == 0


def test_removed_module_is_retired_not_deleted(ctx, folder):
    importer.import_folder(folder)
    for name in ("modules/basics-refresher.md", "quizzes/basics-refresher.yaml"):
        (folder / name).unlink()
    report = importer.import_folder(folder)
    assert sorted(report.retired) == ["basics-refresher", "basics-refresher-quiz"]
    assert db.session.scalar(select(Module.retired).where(Module.slug == "basics-refresher"))
    assert versions(ModuleVersion) == 3
    assert catalogue.current().module("basics-refresher") is None
    assert db.session.scalar(select(Quiz.retired).where(Quiz.slug == "basics-refresher-quiz"))


def test_cli_check_lists_problems_with_file_and_line(runner, folder):
    path = folder / "quizzes" / "basics-one.yaml"
    path.write_text(path.read_text().replace("rating: poor", "rating: awful", 1))
    result = runner.invoke(args=["content", "check", str(folder)])
    assert result.exit_code == 1
    assert "quizzes/basics-one.yaml:" in result.output and "awful" in result.output


def test_cli_import_reports_counts_and_refuses_bad_content(runner, folder, ctx):
    result = runner.invoke(args=["content", "import", str(folder)])
    assert result.exit_code == 0 and "7 new, 0 changed, 0 unchanged" in result.output
    again = runner.invoke(args=["content", "import", str(folder)])
    assert "0 new, 0 changed, 7 unchanged" in again.output
    (folder / "modules" / "basics-one.md").write_text("no front matter")
    bad = runner.invoke(args=["content", "import", str(folder)])
    assert bad.exit_code == 1 and "nothing was imported" in bad.output


def test_shipped_course_imports(runner, ctx):
    result = runner.invoke(args=["content", "import", str(ROOT)])
    assert result.exit_code == 0, result.output
    course = catalogue.current()
    assert len(course.modules) >= 28 and course.placement_slug == "placement"
    course.engine_catalogue()  # converts and validates for the engine


def test_export_then_import_of_the_shipped_course_changes_nothing(runner, ctx, tmp_path):
    assert runner.invoke(args=["content", "import", str(ROOT)]).exit_code == 0
    counts = (versions(ModuleVersion), versions(QuizVersion))
    out = tmp_path / "export"
    result = runner.invoke(args=["content", "export", str(out)])
    shipped = sorted(
        p.relative_to(ROOT).as_posix()
        for pattern in ("modules/*", "quizzes/*")
        for p in ROOT.glob(pattern)
    )
    assert result.exit_code == 0 and f"Wrote {len(shipped)} files" in result.output
    exported = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert exported == shipped
    for name in shipped:
        assert (out / name).read_bytes() == (ROOT / name).read_bytes(), name
    again = runner.invoke(args=["content", "import", str(out)])
    unchanged = f"0 new, 0 changed, {len(shipped) - 1} unchanged, 0 retired."
    assert unchanged in again.output, again.output
    assert (versions(ModuleVersion), versions(QuizVersion)) == counts


def test_export_names_files_the_course_does_not_have(runner, ctx, folder, tmp_path):
    importer.import_folder(folder)
    out = tmp_path / "export"
    (out / "modules").mkdir(parents=True)
    (out / "modules" / "old.md").write_text("retired long ago")
    result = runner.invoke(args=["content", "export", str(out)])
    assert (
        result.exit_code == 0 and "1 file(s) there are not in the current course" in result.output
    )
    assert "modules/old.md" in result.output


def test_import_message_is_kept_on_new_versions(runner, ctx, folder):
    runner.invoke(args=["content", "import", str(folder), "-m", "First load."])
    assert {v.message for v in db.session.scalars(select(ModuleVersion))} == {"First load."}


def test_zip_export_then_upload_of_the_shipped_course_changes_nothing(create_user, ctx):
    import io
    import zipfile

    from course.services import studio

    author = db.session.get(User, create_user("instructor").id)
    importer.import_folder(ROOT)
    counts = (versions(ModuleVersion), versions(QuizVersion))
    data = studio.export_zip()
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        assert archive.read(name) == (ROOT / name).read_bytes(), name
    report = studio.import_zip(author, data, "Round trip.")
    assert not report.changed and report.unchanged == len(archive.namelist()) - 1
    assert (versions(ModuleVersion), versions(QuizVersion)) == counts
