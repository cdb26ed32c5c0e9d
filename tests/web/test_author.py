"""Instructors see the course, preview modules, and see how each question performs."""

from __future__ import annotations

from tests.conftest import FIXTURE_COURSE, post_form

POOR = "Call the host and hold the talks, but only after all of them have been there."


def test_overview_lists_modules_with_versions(instructor, course):
    client, _ = instructor
    html = client.get("/author/").get_data(as_text=True)
    assert "Basics one" in html and "Advanced one" in html
    assert '<td class="num">1</td>' in html  # version 1


def test_preview_records_nothing(instructor, course, query):
    from sqlalchemy import func, select

    from course.models import Event

    client, _ = instructor
    html = client.get("/author/modules/basics-one").get_data(as_text=True)
    assert "Preview" in html and 'class="callout callout-key-point"' in html
    assert query(select(func.count()).select_from(Event)) == 0
    assert client.get("/author/modules/nope").status_code == 404


def test_question_statistics(instructor, login, course):
    client, _ = instructor
    for choice in ("a", "a", "b"):
        trainee, _ = login()
        url = post_form(
            trainee,
            "/learn/quizzes/basics-one-quiz/start",
            token_from="/learn/quizzes/basics-one-quiz",
        ).headers["Location"]
        post_form(trainee, url, {"step": "first", "choice": choice}, token_from=url)
    html = client.get("/author/quizzes/basics-one-quiz").get_data(as_text=True)
    assert "<strong>3</strong> answered" in html and "<strong>67%</strong> chose the best" in html
    assert f'<td>{POOR}</td><td>poor</td><td class="num">1</td>' in html
    assert client.get("/author/quizzes/nope").status_code == 404


def test_draft_check_reports_problems_with_lines_and_previews(instructor, course):
    client, _ = instructor
    start = client.get("/author/draft?module=basics-one").get_data(as_text=True)
    assert "modules/basics-one.md" in start and "An introduction to Basics one." in start
    good = post_form(
        client,
        "/author/draft",
        {
            "name": "modules/basics-one.md",
            "source": (FIXTURE_COURSE / "modules" / "basics-one.md")
            .read_text()
            .replace("An introduction", "A revised introduction"),
        },
    ).get_data(as_text=True)
    assert "modules/basics-one.md: no problems" in good
    assert "A revised introduction" in good and "<script>" not in good.split("Preview")[1]
    bad_source = (
        (FIXTURE_COURSE / "modules" / "basics-one.md").read_text().replace("level: 1", "level: 9")
    )
    bad = post_form(
        client, "/author/draft", {"name": "modules/basics-one.md", "source": bad_source}
    ).get_data(as_text=True)
    assert "1 problem in modules/basics-one.md" in bad and "<strong>Line 5:</strong>" in bad


def test_draft_of_a_quiz_and_bad_names(instructor, course):
    client, _ = instructor
    page = client.get("/author/draft?quiz=basics-one-quiz").get_data(as_text=True)
    assert "quizzes/basics-one.yaml" in page
    source = (FIXTURE_COURSE / "quizzes" / "basics-one.yaml").read_text()
    html = post_form(
        client, "/author/draft", {"name": "quizzes/basics-one.yaml", "source": source}
    ).get_data(as_text=True)
    assert "no problems" in html and f"{POOR} — <strong>poor</strong>" in html
    named = post_form(client, "/author/draft", {"name": "../etc/passwd", "source": "x"})
    assert "Name the file modules/&lt;id&gt;.md" in named.get_data(as_text=True)
    assert client.get("/author/draft?module=nope").status_code == 404


def test_version_history(instructor, course, app):
    import shutil
    import tempfile
    from pathlib import Path

    from course.services import importer

    client, _ = instructor
    with tempfile.TemporaryDirectory() as tmp, app.app_context():
        root = Path(tmp) / "c"
        shutil.copytree(FIXTURE_COURSE, root)
        path = root / "modules" / "basics-one.md"
        path.write_text(path.read_text().replace("An introduction", "A second introduction"))
        importer.import_folder(root)
    html = client.get("/author/modules/basics-one/versions").get_data(as_text=True)
    assert "2</a> (current)" in html and ">1</a>" in html
    old = client.get("/author/modules/basics-one/versions/1").get_data(as_text=True)
    assert "An introduction to Basics one." in old
    assert client.get("/author/modules/basics-one/versions/7").status_code == 404
    assert client.get("/author/modules/nope/versions").status_code == 404


def test_draft_checker_runs_the_assessment_lint(instructor, course):
    client, _ = instructor
    source = (FIXTURE_COURSE / "quizzes" / "basics-one.yaml").read_text()
    cued = source.replace("text: Hold the talks and call the host.", "text: " + "Plan. " * 40)
    cued = cued.replace(
        "text: Close the session on time.", "text: Close the session on time. " + "Plan. " * 40
    )
    html = post_form(
        client, "/author/draft", {"name": "quizzes/basics-one.yaml", "source": cued}
    ).get_data(as_text=True)
    assert "a trainee who answers by surface alone passes this quiz (always the longest" in html
    warned = "warning:</strong> decision point &#39;first&#39;: the best choice is the longest"
    assert warned in html
