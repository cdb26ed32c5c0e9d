"""With JavaScript, scenario steps update in place; the server still records each step once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from course.models import Role
from course.services import importer
from tests.conftest import FIXTURE_COURSE, PASSWORD


@pytest.fixture
def fixture_course(ctx) -> None:
    importer.import_folder(FIXTURE_COURSE)


def test_steps_update_in_place(page: Page, fixture_course, create_user):
    user = create_user(Role.TRAINEE)
    page.goto("/login")
    page.get_by_label("Email or username").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/learn/quizzes/basics-one-quiz")
    page.get_by_role("button", name="Start the scenario").click()
    page.evaluate("window.__sameDocument = true")
    page.get_by_label(
        "Call the host and hold the talks, but only after all of them have been there."
    ).check()
    page.get_by_role("button", name="Submit my answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback")
    expect(page).to_have_url(re.compile(r"/feedback/0$"))
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_text("Which is right?")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # no full page load happened
