"""An instructor writes a new module and its scenario in the studio, fixes a validation error,
previews, publishes, and a trainee finds the module on My path; a stale save is refused."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.conftest import FIXTURE_COURSE, PASSWORD

MODULE = (
    (FIXTURE_COURSE / "modules" / "basics-one.md")
    .read_text()
    .replace("id: basics-one", "id: basics-two")
    .replace("title: Basics one", "title: Basics two, written in the studio")
    .replace("<script>alert(1)</script>", "")
)
QUIZ = (
    (FIXTURE_COURSE / "quizzes" / "basics-one.yaml")
    .read_text()
    .replace("id: basics-one-quiz", "id: basics-two-quiz")
    .replace("module: basics-one", "module: basics-two")
)
BODY = MODULE.split("---\n", 2)[2].lstrip("\n")
BROKEN = QUIZ.replace("rating: poor", "rating: awful", 1)
BROKEN_LINE = BROKEN.splitlines().index("        rating: awful") + 1


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email or username").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_instructor_writes_checks_previews_and_publishes_a_module(
    page: Page, browser: Browser, base_url: str, course, create_user
):
    author = create_user("instructor")
    log_in(page, author.email)
    page.goto("/author/")
    page.get_by_role("link", name="Open the studio").click()
    page.get_by_label("Module id").fill("basics-two")
    page.get_by_role("button", name="Open the editor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit modules/basics-two.md")
    expect(page.get_by_label("Track")).to_have_value("basics")  # the front matter as a form
    page.get_by_label("Title").fill("Basics two, written in the studio")
    page.get_by_label("Body (Markdown)").fill(BODY)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft of modules/basics-two.md saved.")).to_be_visible()

    page.get_by_role("link", name="Its scenario: quizzes/basics-two.yaml").click()
    page.get_by_label("Source").fill(BROKEN)
    page.get_by_role("button", name="Check and preview").click()
    problem = page.locator(".problems li.problem").first
    expect(problem).to_contain_text(f"line {BROKEN_LINE}:")
    expect(problem).to_contain_text("awful")
    page.get_by_label("Source").fill(QUIZ)
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_role("heading", name="Check: no problems")).to_be_visible()
    expect(page.locator("figure.scenario-graph svg")).to_be_visible()

    page.get_by_role("link", name="Its module: modules/basics-two.md").click()
    page.get_by_role("button", name="Check and preview").click()
    preview = page.locator("section.preview")
    expect(preview.get_by_role("heading", name="Basics two, written in the studio")).to_be_visible()
    page.get_by_label("What changed, and why").fill("A second basics module.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(re.compile("Published modules/basics-two.md"))).to_be_visible()
    expect(page.get_by_role("cell", name="A second basics module.")).to_be_visible()

    # Two instructors open the published module; the second one's save comes too late.
    other = create_user("instructor")
    second = browser.new_context(base_url=base_url).new_page()
    log_in(second, other.email)
    page.goto("/author/studio/modules/basics-two")
    second.goto("/author/studio/modules/basics-two")
    page.get_by_label("Body (Markdown)").fill(BODY.replace("An introduction", "A first edit"))
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft of modules/basics-two.md saved.")).to_be_visible()
    second.get_by_label("Body (Markdown)").fill(BODY.replace("An introduction", "A second edit"))
    second.get_by_role("button", name="Save draft").click()
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text("Not saved: someone else changed this file")
    expect(alert.locator("del")).to_contain_text("A first edit")
    expect(alert.locator("ins")).to_contain_text("A second edit")
    expect(second.get_by_label("Body (Markdown)")).to_have_value(re.compile("A second edit"))
    second.context.close()

    trainee = create_user("trainee")
    page.get_by_role("button", name="Log out").click()
    log_in(page, trainee.email)
    page.get_by_role("button", name="Skip for now and start at the beginning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My path")
    expect(page.get_by_role("link", name="Basics two, written in the studio")).to_be_visible()
    page.goto("/learn/modules/basics-two")
    expect(page.get_by_text("A first edit")).to_have_count(0)  # a draft stays with authors


def test_live_preview_follows_the_typing(page: Page, course, create_user):
    log_in(page, create_user("instructor").email)
    page.goto("/author/studio/modules/basics-one")
    preview = page.locator("#live-preview")
    expect(preview).to_be_hidden()
    page.get_by_label("Body (Markdown)").fill("## Fresh words\n\nTyped **just now**.")
    expect(preview.get_by_role("heading", name="Fresh words")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("just now")
