"""An administrator enrols a cohort from a CSV and assigns an instructor; trainees work; the
instructor reads the cohort's progress and downloads a CSV whose figures match the screen."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from course.extensions import db
from course.models import Role, User
from course.services import catalogue, importer, learning
from tests.browser.test_trainee_journey import log_in
from tests.web.test_every_path import play

ROOT = Path(__file__).resolve().parents[2]
HEADER = "email,name,rank,cohort\n"
ROWS = (
    "ana.silva@example.org,Ana Silva,Captain,Spring course\n"
    "li.wei@example.org,Li Wei,Major,Spring course\n"
)


@pytest.fixture
def shipped(ctx) -> None:
    importer.import_folder(ROOT)
    db.session.remove()  # end the read transaction: on SQLite it would hold the write lock


def upload(page: Page, tmp_path: Path, text: str) -> None:
    path = tmp_path / "people.csv"
    path.write_text(text)
    page.goto("/admin/enrol")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()


def work(app, email: str, skill: float) -> None:  # noqa: ANN001
    """A trainee reads the first module and plays its scenario (through the services)."""
    import random

    with app.app_context():
        course = catalogue.current()
        user = db.session.scalar(db.select(User).where(User.email == email))
        learning.skip_placement(user, course)
        info = course.modules[0]
        learning.complete_module(user, info.slug, course)
        play(user, info.quiz_slug, course, skill, random.Random(1))
        db.session.remove()


def test_enrol_assign_and_read_progress(page: Page, shipped, create_user, app, tmp_path):
    admin = create_user(Role.ADMIN)
    instructor = create_user(Role.INSTRUCTOR, display_name="Dana Instructor")
    log_in(page, admin.email)

    upload(page, tmp_path, HEADER + ROWS + "not-an-email,Someone,,Spring course\n")
    expect(page.get_by_role("alert").first).to_contain_text("Nothing can be enrolled")
    bad = page.get_by_role("row").filter(has_text="not-an-email")
    expect(bad).to_contain_text("4")
    expect(bad).to_contain_text("Invalid")
    expect(page.get_by_role("button", name=re.compile("^Enrol"))).to_have_count(0)

    upload(page, tmp_path, HEADER + ROWS)
    page.get_by_role("button", name="Enrol 2 trainees").click()
    expect(page.get_by_role("heading", name="Trainees enrolled")).to_be_visible()
    links = page.locator("code").all_inner_texts()
    assert len(links) == 2 and all("/account/set-password/" in link for link in links)

    page.get_by_role("link", name="Go to the cohorts").click()
    page.get_by_role("link", name="Spring course").click()
    page.get_by_label("Email or username").fill(instructor.email)
    page.get_by_role("button", name="Add to cohort").click()
    expect(page.get_by_text("Dana Instructor added.")).to_be_visible()

    work(app, "ana.silva@example.org", 0.9)
    work(app, "li.wei@example.org", 0.2)

    page.get_by_role("button", name="Log out").click()
    log_in(page, instructor.email)
    page.get_by_role("link", name="Progress").click()
    page.get_by_role("link", name="Spring course").click()
    expect(page.get_by_role("heading", name="Mastery by trainee")).to_be_visible()
    screen = {}
    for name in ("Ana Silva", "Li Wei"):
        cells = page.get_by_role("row").filter(has_text=name).locator("td").all_inner_texts()
        screen[name] = cells
    with page.expect_download() as download:
        page.get_by_role("link", name="Download progress as CSV").click()
    cohort_page = page.url

    page.get_by_role("link", name="Li Wei").first.click()
    expect(page.get_by_role("heading", name="Li Wei", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile("^What the engine recommends now"))
    ).to_be_visible()
    page.goto(cohort_page)
    page.get_by_role("link", name=re.compile("[Tt]rends")).first.click()
    expect(page.get_by_role("heading", name="Week by week")).to_be_visible()
    expect(page.locator("#weeks-table tbody tr")).to_have_count(1)
    expect(page.locator("#weeks-table tbody tr td").last).to_have_text("2")  # both were active
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    competencies = len(rows[0]) - 10  # trainee, email, one per competency, then 8 figures
    assert {row["trainee"] for row in rows} == set(screen)
    for row in rows:
        cells = screen[row["trainee"]]
        assert list(row.values())[2 : 2 + competencies] == cells[:competencies]
        assert f"{row['competencies mastered']}/{competencies}" == cells[competencies]
        assert row["modules done"] == cells[competencies + 1]
        assert f"{row['attempts']} ({row['attempts passed']})" == cells[competencies + 2]
