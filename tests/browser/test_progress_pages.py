"""axe-core finds no WCAG 2.1 A/AA violations on a trainee's story and the cohort trends, with
charts drawn; the at-risk filter works as a plain form, keyboard only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from course import engine
from course.extensions import db
from course.models import Role
from course.models.types import utcnow
from course.services import accounts, catalogue, learning
from tests.browser.test_accessibility import ROOT, check, log_in


@pytest.fixture
def worked(ctx, create_user) -> tuple[int, int]:  # noqa: ANN001
    """A cohort of the shipped course with one trainee who read and answered over two weeks, and
    one who has not started."""
    from course.services import importer

    busy, idle = create_user(display_name="Lt Busy"), create_user(display_name="Lt Idle")
    importer.import_folder(ROOT)
    course = catalogue.current()
    cohort = accounts.create_cohort(
        "Chart cohort", trainees=[db.session.merge(busy), db.session.merge(idle)]
    )
    module = course.modules[0]
    at = utcnow() - timedelta(days=10)
    opened = engine.ModuleOpened(module_id=module.slug, at=at)
    read = engine.ModuleCompleted(module_id=module.slug, at=at)
    learning.add_event(
        busy.id,
        "module-completed",
        course,
        [opened, read],
        module_slug=module.slug,
        at=at,
        data={"seconds": 900, "first": True},
    )
    for n, rating in enumerate(("best", "acceptable", "best")):
        when = at + timedelta(days=n + 1)
        ob = engine.Observation(competency=module.competencies[0][0], rating=rating, at=when)
        learning.add_event(
            busy.id,
            "choice-made",
            course,
            [ob],
            module_slug=module.slug,
            at=when,
            data={"step": f"s{n}", "rating": rating},
        )
    db.session.commit()
    ids = cohort.id, busy.id
    db.session.remove()  # end the read transaction: on SQLite it would hold the write lock
    return ids


def test_story_and_trends_pass_axe(page: Page, worked, create_user):
    cohort_id, trainee_id = worked
    log_in(page, create_user(Role.ADMIN))
    base = f"/progress/cohorts/{cohort_id}"
    found = check(page, f"{base}/trainees/{trainee_id}")
    expect(page.locator("svg[role=img] title").first).to_have_text("Mastery over time: Foundations")
    page.get_by_text("Mastery over time as a table").click()
    expect(page.locator("#mastery-table")).to_be_visible()
    found += check(page, f"{base}/trends")
    found += check(page, base)
    assert found == []


def test_at_risk_filter_by_keyboard(page: Page, worked, create_user):
    cohort_id, _ = worked
    log_in(page, create_user(Role.ADMIN))
    page.goto(f"/progress/cohorts/{cohort_id}/trends")
    page.get_by_label("Reason").select_option("not-started")
    page.get_by_label("Reason").press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/trends\?reason=not-started&sort=name"))
    rows = page.locator("#risk-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lt Idle")
