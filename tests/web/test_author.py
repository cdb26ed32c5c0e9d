"""Instructors see the course, preview modules, and see how each question performs."""

from __future__ import annotations

from tests.conftest import post_form


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
    assert '<td>A tempting mistake.</td><td>poor</td><td class="num">1</td>' in html
    assert client.get("/author/quizzes/nope").status_code == 404
