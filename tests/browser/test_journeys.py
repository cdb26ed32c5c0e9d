"""Each demo role logs in and lands on its own home."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from course.services import demo

HOMES = {
    "admin": ("/admin/", "Administration"),
    "instructor": ("/author/", "Authoring"),
    "trainee": ("/learn/", "My path"),
}


@pytest.fixture
def demo_logins(ctx) -> dict[str, demo.DemoLogin]:
    return {login.role.value: login for login in reversed(demo.load_demo())}


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email or username").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("role", list(HOMES))
def test_each_demo_role_sees_its_home(page: Page, demo_logins, role):
    login = demo_logins[role]
    log_in(page, login.email, login.password)
    path, heading = HOMES[role]
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_wrong_password_shows_error_next_to_field(page: Page, demo_logins):
    log_in(page, demo_logins["trainee"].email, "not the password")
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
    expect(page.get_by_label("Email or username")).to_have_attribute("aria-invalid", "true")
