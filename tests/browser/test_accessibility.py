"""axe-core finds no WCAG 2.1 A/AA violations on the main pages of each role."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from course.extensions import db
from course.models import Role
from course.services import accounts, importer
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def shipped(ctx) -> int:
    importer.import_folder(ROOT)
    cohort_id = accounts.create_cohort("Axe cohort").id
    db.session.remove()  # end the read transaction: on SQLite it would hold the write lock
    return cohort_id


def log_in(page: Page, user) -> None:  # noqa: ANN001
    page.goto("/login")
    page.get_by_label("Email or username").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def violations(page: Page) -> list[str]:
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
        for v in result.response["violations"]
    ]


def check(page: Page, url: str) -> list[str]:
    page.goto(url)
    return [f"{url} {v}" for v in violations(page)]


@pytest.fixture(autouse=True)
def no_console_errors(page: Page):  # noqa: ANN201
    """Fail on any console error, such as a Content-Security-Policy violation."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield
    assert errors == []


def test_login_page(page: Page, live_server):
    assert check(page, "/login") == []


def test_trainee_pages(page: Page, shipped, create_user):
    log_in(page, create_user(Role.TRAINEE))
    found = check(page, "/learn/welcome")
    page.get_by_role("button", name="Skip for now and start at the beginning").click()
    for url in (
        "/learn/",
        "/learn/modules",
        "/learn/modules/foundations-roles",
        "/learn/quizzes/foundations-roles-quiz",
        "/learn/attempts",
        "/account/tokens",
    ):
        found += check(page, url)
    page.goto("/learn/quizzes/foundations-roles-quiz")
    page.get_by_role("button", name="Start the scenario").click()
    found += [f"step {v}" for v in violations(page)]
    page.locator("input[name=choice]").first.check()
    page.get_by_role("button", name="Submit my answer").click()
    found += [f"feedback {v}" for v in violations(page)]
    assert found == []


def test_admin_and_instructor_pages(page: Page, shipped, create_user):
    admin = create_user(Role.ADMIN)
    log_in(page, admin)
    found = check(page, f"/admin/users/{admin.id}/password")
    for url in (
        "/admin/",
        "/admin/users",
        "/admin/cohorts",
        f"/admin/cohorts/{shipped}",
        "/admin/enrol",
        "/admin/audit",
        f"/admin/users/{admin.id}/role",
        "/progress/",
        f"/progress/cohorts/{shipped}",
        "/author/",
        "/author/modules/foundations-roles",
        "/author/quizzes/placement",
        "/account/password",
        "/account/tokens",
        "/admin/xapi",
    ):
        found += check(page, url)
    assert found == []


def test_studio_pages(page: Page, shipped, create_user):
    log_in(page, create_user(Role.INSTRUCTOR))
    found = []
    for url in (
        "/author/studio/",
        "/author/studio/modules/foundations-roles",
        "/author/studio/quizzes/foundations-roles",
        "/author/studio/modules/foundations-roles/versions",
        "/author/studio/modules/foundations-roles/diff",
        "/author/studio/modules/foundations-roles/retire",
        "/author/studio/quizzes/foundations-roles/play",
        "/author/studio/quizzes/foundations-roles/analysis",
    ):
        found += check(page, url)
    page.goto("/author/studio/quizzes/foundations-roles/play")
    page.locator("input[name=choice]").first.check()
    page.get_by_role("button", name="Submit my answer").click()
    found += [f"played {v}" for v in violations(page)]
    assert found == []
