"""A new trainee takes the recommended module, plays its scenario, and sees the path move."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from course.services import importer
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shipped_course(ctx) -> None:
    importer.import_folder(ROOT)


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email or username").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def answer_step(page: Page) -> None:
    """Answer the step on screen with its first option (positions in order for ordering)."""
    selects = page.locator("select[name^=position-]")
    if selects.count():
        for i in range(selects.count()):
            selects.nth(i).select_option(str(i + 1))
    else:
        page.locator("input[name=choice], input[name=option]").first.check()
    leave(page, lambda: page.get_by_role("button", name="Submit my answer").click())


def leave(page: Page, action) -> None:  # noqa: ANN001
    """Act, then wait until this page's content is replaced (in place with JS, or reloaded)."""
    page.locator("main h1").evaluate("h => h.setAttribute('data-stale', '')")
    action()
    page.wait_for_selector("main h1[data-stale]", state="detached")


def play_to_the_end(page: Page) -> None:
    for _ in range(40):
        if page.get_by_role("heading", name="Score by competency").count():
            return
        if page.get_by_role("button", name="Submit my answer").count():
            answer_step(page)
        else:
            link = page.get_by_role("link", name=re.compile("^(Continue|See the outcome)$"))
            leave(page, link.click)
    raise AssertionError("the scenario did not end")


def test_new_trainee_journey(page: Page, shipped_course, create_user):
    user = create_user("trainee")
    log_in(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.display_name}")
    page.get_by_role("button", name=re.compile("Skip for now")).click()

    next_step = page.locator(".next-step h2")
    expect(next_step).to_have_text("Continue: What the military brings to peace talks")
    expect(page.locator(".next-step .why")).to_contain_text("Military roles in peace talks mastery")
    page.get_by_role("link", name="Open What the military brings to peace talks").click()
    expect(page.get_by_role("heading", name="Learning objectives")).to_be_visible()
    page.get_by_role("button", name=re.compile("Mark as read")).click()
    page.get_by_role("button", name="Start the scenario").click()

    answer_step(page)
    page.goto(page.url.split("/feedback")[0])  # leave mid-scenario and come back: same step
    expect(page.get_by_text(re.compile(r"step 2$"))).to_be_visible()
    play_to_the_end(page)
    expect(page.locator(".flash")).to_contain_text(re.compile("passed|not passed"))

    page.get_by_role("link", name="My path").click()
    expect(next_step).not_to_have_text("Continue: What the military brings to peace talks")
    expect(
        page.get_by_role("img", name=re.compile(r"Military roles in peace talks: \d+%"))
    ).not_to_have_attribute("aria-label", "Military roles in peace talks: 15%")
    page.get_by_role("link", name="My attempts").click()
    expect(page.get_by_role("table")).to_contain_text("Adviser to the mediator")


def answer_poorly(page: Page, quiz) -> None:  # noqa: ANN001
    """Answer the step on screen as badly as it can be answered."""
    from course import content

    step_id = page.locator("input[name=step]").input_value()
    step = quiz.step(step_id)
    if isinstance(step, content.Decision):
        worst = min(step.choices, key=lambda c: content.model.RATING_VALUES[c.rating])
        page.locator(f"input[name=choice][value='{worst.id}']").check()
    elif step.type == "ordering":
        selects = page.locator("select[name^=position-]")
        for i in range(selects.count()):  # the reverse of the right order
            selects.nth(i).select_option(str(selects.count() - i))
    else:
        wrong = next(i for i, o in enumerate(step.options) if not o.correct)
        page.locator(f"input[name=option][value='{wrong}']").check()
    leave(page, lambda: page.get_by_role("button", name="Submit my answer").click())


def test_a_trainee_who_fails_is_never_sent_to_a_dead_end(page: Page, shipped_course, create_user):
    from course import content

    first = "What the military brings to peace talks"
    quiz = content.parse_quiz(
        (ROOT / "quizzes" / "foundations-roles.yaml").read_text(), "quizzes/foundations-roles.yaml"
    )[0]
    user = create_user("trainee")
    log_in(page, user.email)
    page.get_by_role("button", name=re.compile("Skip for now")).click()
    page.get_by_role("link", name=f"Open {first}").click()
    page.get_by_role("button", name=re.compile("Mark as read")).click()
    for attempt in range(3):  # foundations-roles allows three attempts to pass
        page.get_by_role(
            "button", name=re.compile("Start the scenario|Start a new attempt")
        ).click()
        for _ in range(30):
            if page.get_by_role("heading", name="Score by competency").count():
                break
            if page.get_by_role("button", name="Submit my answer").count():
                answer_poorly(page, quiz)
            else:
                link = page.get_by_role("link", name=re.compile("^(Continue|See the outcome)$"))
                leave(page, link.click)
        expect(page.locator(".flash")).to_contain_text("not passed")
        page.get_by_role("link", name="My path").click()
        primary = page.locator(".next-step a.button.primary")
        if attempt < 2:  # a refresher or the retry, and whatever it is, it opens
            expect(page.locator(".next-step h2")).to_have_text(
                re.compile("^(Refresh|Read again|Try again): ")
            )
            primary.click()
            expect(page.locator("main")).not_to_contain_text("is locked")
            expect(page.locator("main")).not_to_contain_text("used all")
            if page.get_by_role("button", name=re.compile("Mark as read")).count():
                page.get_by_role("button", name=re.compile("Mark as read")).click()
                # a module page has My path in its breadcrumb too: follow the main navigation
                page.get_by_role("navigation", name="Main").get_by_role(
                    "link", name="My path"
                ).click()
                expect(page.locator(".next-step h2")).to_contain_text(f"Try again: {first}")
                page.locator(".next-step a.button.primary").click()
    # attempts spent: the path moves on, says so, and its next step opens
    expect(page.locator(".next-step h2")).not_to_contain_text(first)
    expect(page.locator(".next-step")).to_contain_text("Attempts used up without a pass")
    page.locator(".next-step a.button.primary").click()
    expect(page.locator("main")).not_to_contain_text("is locked")
