"""The trainee's journey: welcome, path, reader, scenario player, review, isolation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from course.models import Answer, Attempt, Event, ModuleProgress, Role
from tests.conftest import listening, post_form


def start(client, quiz="basics-one-quiz") -> str:
    response = post_form(
        client, f"/learn/quizzes/{quiz}/start", token_from=f"/learn/quizzes/{quiz}"
    )
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def answer(client, url, step, **fields):  # noqa: ANN201
    return post_form(client, url, {"step": step, **fields}, token_from=url)


def play(client, url, first="a", option="0", last="a") -> None:
    answer(client, url, "first", choice=first)
    answer(client, url, "second", option=option)
    answer(client, url, "third", choice=last)


def count(model, *where):  # noqa: ANN201
    return select(func.count()).select_from(model).where(*where)


def test_first_visit_offers_placement_then_skip(trainee, course):
    client, _ = trainee
    assert client.get("/learn/").headers["Location"] == "/learn/welcome"
    html = client.get("/learn/welcome").get_data(as_text=True)
    assert "Take the placement check" in html and "Skip for now" in html
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    html = client.get("/learn/").get_data(as_text=True)
    assert "Continue: Basics one" in html
    assert "Alpha skill mastery 15% &lt; 95%" in html
    assert "Locked" in html and "Basics one" in html


def test_path_shows_mastery_bars_with_numbers(trainee, course):
    client, _ = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    html = client.get("/learn/").get_data(as_text=True)
    assert 'aria-label="Alpha skill: 15%"' in html
    assert 'aria-label="Beta skill: 15%"' in html


def test_reader_renders_safe_html_and_records_open_and_finish(trainee, course, query):
    client, user = trainee
    html = client.get("/learn/modules/basics-one").get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" not in html.split("<main")[0]
    assert 'class="callout callout-key-point"' in html
    assert "Learning objectives" in html and 'href="#first-section"' in html
    assert "Basics refresher →" in html  # next module in course order
    response = post_form(
        client, "/learn/modules/basics-one/complete", token_from="/learn/modules/basics-one"
    )
    assert response.headers["Location"] == "/learn/quizzes/basics-one-quiz"
    kinds = query(select(Event.kind).where(Event.user_id == user.id).order_by(Event.id), many=True)
    assert kinds == ["module-completed"]  # reading the page recorded nothing; the POST did
    data = query(select(Event.data).where(Event.user_id == user.id))
    assert [e["type"] for e in data["engine"]] == ["module-opened", "module-completed"]
    assert query(select(ModuleProgress.completed_at)) is not None


def test_locked_module_says_what_unlocks_it(trainee, course, query):
    client, user = trainee
    html = client.get("/learn/modules/advanced-one").get_data(as_text=True)
    assert "Locked" in html and "Basics one" in html
    assert "Mark as read" not in html
    assert query(count(Event, Event.user_id == user.id)) == 0


def test_unknown_module_is_404(trainee, course):
    client, _ = trainee
    assert client.get("/learn/modules/nope").status_code == 404
    assert client.get("/learn/quizzes/nope").status_code == 404


def test_full_scenario_with_immediate_feedback(trainee, course, query):
    client, user = trainee
    url = start(client)
    step = client.get(url).get_data(as_text=True)
    assert "The first situation of basics-one." in step and 'name="choice"' in step
    response = answer(client, url, "first", choice="b")
    assert response.headers["Location"] == f"{url}/feedback/0"
    feedback = client.get(f"{url}/feedback/0").get_data(as_text=True)
    assert "Poor choice" in feedback and "Poor, because it fails." in feedback
    assert "The best choice" in feedback and "Best, because it works." in feedback
    answer(client, url, "second", option="0")
    answer(client, url, "third", choice="a")
    result = client.get(url).get_data(as_text=True)
    assert "It failed" in result and "67%" in result and "not passed" in result
    attempt = query(select(Attempt))
    assert attempt.status == "finished" and attempt.outcome == "failure"
    assert attempt.judged_by["pass_mark"] == 0.7 and attempt.judged_by["params_hash"]
    kinds = query(select(Event.kind).where(Event.user_id == user.id).order_by(Event.id), many=True)
    assert kinds.count("choice-made") == 3 and kinds[-1] == "quiz-failed"


def test_failed_then_passed_scenario_changes_the_path(trainee, course):
    client, _ = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    play(client, start(client), first="b", option="1", last="b")
    path = client.get("/learn/").get_data(as_text=True)
    assert "Refresh: Basics refresher" in path
    post_form(
        client,
        "/learn/modules/basics-refresher/complete",
        token_from="/learn/modules/basics-refresher",
    )
    play(client, start(client, "basics-refresher-quiz"))
    path = client.get("/learn/").get_data(as_text=True)
    assert "Read again: Basics one" in path and "then retry it" in path
    post_form(client, "/learn/modules/basics-one/complete", token_from="/learn/modules/basics-one")
    assert "Try again: Basics one" in client.get("/learn/").get_data(as_text=True)
    play(client, start(client))
    path = client.get("/learn/").get_data(as_text=True)
    assert "Continue: Advanced one" in path


def test_resume_after_leaving_mid_scenario(trainee, course, app):
    client, user = trainee
    url = start(client)
    answer(client, url, "first", choice="a")
    other_browser = app.test_client()
    post_form(other_browser, "/login", {"login": user.email, "password": "correct horse battery"})
    intro = other_browser.get("/learn/quizzes/basics-one-quiz").get_data(as_text=True)
    assert "Resume your attempt" in intro
    assert start(other_browser) == url
    assert "Which is right?" in other_browser.get(url).get_data(as_text=True)


def test_replayed_post_records_once(trainee, course, query):
    client, user = trainee
    url = start(client)
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).get_data(as_text=True)
    ).group(1)
    data = {"step": "first", "choice": "a", "csrf_token": token}
    first = client.post(url, data=data)
    replay = client.post(url, data=data)
    assert first.headers["Location"].endswith("/feedback/0")
    assert replay.headers["Location"] == url
    assert query(count(Answer)) == 1
    assert query(count(Event, Event.kind == "choice-made")) == 1


def test_cannot_skip_ahead_or_change_a_scored_choice(trainee, course, query):
    client, _ = trainee
    url = start(client)
    answer(client, url, "third", choice="a")  # not there yet
    assert query(count(Answer)) == 0
    answer(client, url, "first", choice="b")
    answer(client, url, "first", choice="a")  # change of mind after scoring
    assert query(select(Answer.rating)) == "poor"
    assert query(count(Answer)) == 1


def test_bad_answer_gets_a_clear_message(trainee, course, query):
    client, _ = trainee
    url = start(client)
    response = answer(client, url, "first", choice="zzz")
    assert response.status_code == 422
    assert "Choose one of the options" in response.get_data(as_text=True)
    assert query(count(Answer)) == 0


def test_another_trainees_attempt_is_not_found(login, course, query):
    owner, _ = login()
    intruder, _ = login()
    url = start(owner)
    assert intruder.get(url).status_code == 404
    response = post_form(
        intruder, url, {"step": "first", "choice": "a"}, token_from="/learn/modules"
    )
    assert response.status_code == 404
    assert intruder.get(f"{url}/feedback/0").status_code == 404
    assert query(count(Answer)) == 0


def test_end_feedback_is_hidden_until_the_end(login, course):
    client, _ = login()
    for slug in ("basics-one",):
        post_form(client, f"/learn/modules/{slug}/complete", token_from=f"/learn/modules/{slug}")
    play(client, start(client))
    url = start(client, "advanced-one-quiz")
    response = answer(client, url, "first", choice="b")
    assert response.headers["Location"] == url
    assert client.get(f"{url}/feedback/0").status_code == 404
    assert "Poor, because it fails." not in client.get(url).get_data(as_text=True)
    answer(client, url, "second", option="0")
    answer(client, url, "third", choice="a")
    result = client.get(url).get_data(as_text=True)
    assert "Poor, because it fails." in result and "It failed" in result
    assert client.get(f"{url}/feedback/0").status_code == 200


def test_retake_rule_is_enforced(login, course, query):
    client, _ = login()
    for _ in range(3):
        play(client, start(client), first="b", option="1", last="b")
    response = post_form(
        client,
        "/learn/quizzes/basics-one-quiz/start",
        token_from="/learn/quizzes/basics-one-quiz",
        follow_redirects=True,
    )
    assert "You have used all 3 attempts" in response.get_data(as_text=True)
    assert query(count(Attempt)) == 3


def test_history_lists_every_attempt(trainee, course):
    client, _ = trainee
    play(client, start(client))
    start(client)
    html = client.get("/learn/attempts").get_data(as_text=True)
    assert html.count("Scenario for basics-one") == 2
    assert "in progress" in html and "passed" in html


def test_placement_sets_starting_mastery(trainee, course):
    client, _ = trainee
    url = start(client, "placement")
    answer(client, url, "p-alpha", choice="a")
    answer(client, url, "p-beta", choice="b")
    result = client.get(url).get_data(as_text=True)
    assert "placement check complete" in result
    path = client.get("/learn/").get_data(as_text=True)
    alpha = re.search(r'aria-label="Alpha skill: (\d+)%"', path).group(1)
    beta = re.search(r'aria-label="Beta skill: (\d+)%"', path).group(1)
    assert int(alpha) > int(beta)


@pytest.mark.parametrize("page", ["/learn/", "/learn/modules/basics-one", "step"])
def test_pages_run_a_fixed_number_of_queries(trainee, course, app, page):
    client, _ = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")

    def queries() -> int:
        url = start(client) if page == "step" else page
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        with listening(app, listener):
            assert client.get(url).status_code == 200
        return len(seen)

    queries()  # the first visit creates rows that later visits update
    short = queries()
    for _ in range(2):
        play(client, start(client, "basics-refresher-quiz"))
        client.get("/learn/modules/basics-one")
    assert queries() == short


def test_locked_module_cannot_be_completed_or_played(trainee, course, query):
    client, _ = trainee
    response = post_form(
        client,
        "/learn/modules/advanced-one/complete",
        token_from="/learn/modules/basics-one",
        follow_redirects=True,
    )
    assert "Advanced one is locked." in response.get_data(as_text=True)
    intro = client.get("/learn/quizzes/advanced-one-quiz").get_data(as_text=True)
    assert "Locked:" in intro and "Start the scenario" not in intro
    refused = post_form(
        client,
        "/learn/quizzes/advanced-one-quiz/start",
        token_from="/learn/quizzes/advanced-one-quiz",
        follow_redirects=True,
    )
    assert "Advanced one is locked." in refused.get_data(as_text=True)
    assert query(count(Attempt)) == 0
    assert query(count(Event, Event.kind == "module-completed")) == 0


def test_path_offers_to_resume_an_unfinished_scenario(trainee, course):
    client, _ = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    url = start(client)
    answer(client, url, "first", choice="a")
    html = client.get("/learn/").get_data(as_text=True)
    assert "Resume: Scenario for basics-one" in html and "at step 2" in html
    assert f'href="{url}"' in html


def test_path_offers_the_newest_of_several_unfinished_attempts(trainee, course, app):
    from datetime import UTC, datetime

    from course.extensions import db

    client, user = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    url = start(client)
    answer(client, url, "first", choice="a")
    with app.app_context():  # a second attempt in progress, started later (another server's)
        first = db.session.get(Attempt, int(url.rsplit("/", 1)[1]))
        newer = Attempt(
            user_id=user.id,
            quiz_id=first.quiz_id,
            quiz_version_id=first.quiz_version_id,
            number=first.number + 1,
            started_at=datetime(2026, 3, 9, tzinfo=UTC),
        )
        db.session.add(newer)
        db.session.commit()
        newer_id = newer.id
    html = client.get("/learn/").get_data(as_text=True)
    assert "Resume: Scenario for basics-one" in html and "at step 1 on 09 Mar" in html
    assert f'href="/learn/attempts/{newer_id}"' in html and "and 1 more unfinished" in html


def test_path_offers_no_resume_before_a_start_or_after_the_finish(trainee, course):
    client, _ = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    assert "Resume:" not in client.get("/learn/").get_data(as_text=True)
    url = start(client)
    assert "Resume: Scenario for basics-one" in client.get("/learn/").get_data(as_text=True)
    answer(client, url, "first", choice="a")
    answer(client, url, "second", option="0")
    answer(client, url, "third", choice="a")
    assert "Resume:" not in client.get("/learn/").get_data(as_text=True)


def test_after_passing_replays_are_open_for_review(login, course, query):
    client, _ = login()
    play(client, start(client), first="b", option="1", last="b")
    play(client, start(client), first="b", option="1", last="b")
    play(client, start(client))  # the third and last attempt passes
    intro = client.get("/learn/quizzes/basics-one-quiz").get_data(as_text=True)
    assert "Start a new attempt" in intro
    play(client, start(client))
    assert query(count(Attempt)) == 4


def test_a_replay_after_passing_counts_as_review(login, course, query):
    client, user = login()
    play(client, start(client))
    play(client, start(client))
    sources = [
        e["source"]
        for data in query(
            select(Event.data).where(Event.kind == "choice-made").order_by(Event.id), many=True
        )
        for e in data["engine"]
    ]
    assert sources[:3] == ["scenario"] * 3 and sources[3:] == ["review"] * 3


def test_pages_before_any_content_is_imported(trainee, login):
    client, _ = trainee
    html = client.get("/learn/").get_data(as_text=True)
    assert "The course has not been loaded yet" in html
    assert client.get("/learn/modules").status_code == 200
    assert client.get("/learn/modules/anything").status_code == 404
    author, _ = login("instructor")
    assert "No content imported yet." in author.get("/author/").get_data(as_text=True)


def test_the_next_step_says_read_again_when_remediation_is_the_failed_module(app, course) -> None:  # noqa: ANN001
    """A refresher is headed "Refresh"; a re-read of the module just failed, "Read again"."""
    from types import SimpleNamespace

    from flask import render_template

    from course.engine.explain import Reason
    from course.engine.policy import Recommendation

    def heading(module: str) -> str:
        data = {
            "competency": course.competencies[0]["id"],
            "module": module,
            "failed": "basics-one",
            "failed_at": "2026-11-01",
            "share": 0.4,
        }
        rec = Recommendation(module, "remediation", Reason("remediation", data), "Why.")
        path = SimpleNamespace(recommendation=rec, completion=None)
        with app.test_request_context("/learn/"):
            html = render_template("learn/_next.html", path=path, course=course)
        return re.search(r'<h2 id="next-heading">([^<]+)</h2>', html).group(1)

    assert heading("basics-refresher") == "Refresh: Basics refresher"
    assert heading("basics-one") == "Read again: Basics one"


def test_each_trainee_sees_their_own_module_lines(login, course) -> None:  # noqa: ANN001
    # The lines, and whole lists, are rendered once per process and kept (web.status_row,
    # web.status_list): a kept one must never show one trainee's status, or one mount point's
    # links, to another.
    (first, _), (second, _) = login(Role.TRAINEE), login(Role.TRAINEE)
    for client in (first, second):
        post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    second.get("/learn/")  # its lines are now kept
    post_form(first, "/learn/modules/basics-one/complete", token_from="/learn/modules/basics-one")
    line = re.compile(r'<a href="([^"]*/learn/modules/basics-one)"><strong>[^<]+</strong></a>\s*'
                      r'<span class="badge[^"]*">([^<]+)</span>')  # fmt: skip
    mine, theirs = (line.search(c.get("/learn/").get_data(as_text=True)) for c in (first, second))
    assert mine.group(2) != theirs.group(2)
    mounted = second.get("/learn/", environ_overrides={"SCRIPT_NAME": "/course"})
    assert (
        line.search(mounted.get_data(as_text=True)).group(1) == "/course/learn/modules/basics-one"
    )


def test_kept_meters_show_their_own_value(app) -> None:  # noqa: ANN001
    from course.web import meter

    with app.test_request_context("/"):
        below, reached = meter("Trust", 0.949, 0.95), meter("Trust", 0.951, 0.95)
        again = meter("Trust", 0.9512, 0.95)
        other = meter("Liaison", 0.5, 0.95)
    assert "95%" in below and "95%" in reached  # the same percentage, either side of the line
    assert "mastered" not in below and "mastered" in reached and again is reached
    assert "Liaison" in other and "50%" in other and "Trust" not in other
