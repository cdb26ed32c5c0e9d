"""A trainee's story, cohort trends and the raw-events export: access, figures, fixed queries."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest

from course.extensions import db
from course.models import CohortMember, CohortRule, ModuleProgress, Role
from course.services import accounts
from tests.conftest import count_queries, listening, post_form
from tests.web.test_learn import play, start
from tests.web.test_reads import WRITES


@pytest.fixture
def cohorts(app, login, create_user, course):  # noqa: ANN001, ANN201
    """Two cohorts with a trainee each, the first with an instructor: clients and ids."""
    mine_client, mine = login(Role.TRAINEE, display_name="Lt Mine")
    theirs = create_user(display_name="Lt Theirs")
    teacher_client, teacher = login(Role.INSTRUCTOR)
    with app.app_context():
        first = accounts.create_cohort("First", trainees=[db.session.merge(mine)])
        second = accounts.create_cohort("Second", trainees=[db.session.merge(theirs)])
        db.session.add(CohortMember(cohort_id=first.id, user_id=teacher.id, role=Role.INSTRUCTOR))
        db.session.commit()
        ids = {"first": first.id, "second": second.id, "mine": mine.id, "theirs": theirs.id}
    return {"trainee": mine_client, "instructor": teacher_client, **ids}


def work(client) -> None:  # noqa: ANN001
    """Skip placement, read Basics one for five minutes, pass its scenario with best answers."""
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    served = int(datetime.now(UTC).timestamp()) - 300
    post_form(
        client,
        "/learn/modules/basics-one/complete",
        {"served": served},
        token_from="/learn/modules/basics-one",
    )
    play(client, start(client))


def routes(c: dict) -> list[str]:
    base = f"/progress/cohorts/{c['first']}"
    return [
        f"{base}/trainees/{c['mine']}",
        f"{base}/trends",
        f"{base}/events.csv",
        f"{base}/events.jsonl",
    ]


def test_each_role_reads_only_what_it_may(cohorts, admin, login):
    c = cohorts
    admin_client, _ = admin
    other_instructor, _ = login(Role.INSTRUCTOR)
    for url in routes(c):
        assert admin_client.get(url).status_code == 200, url
        assert c["instructor"].get(url).status_code == 200, url
        assert other_instructor.get(url).status_code == 404, url
        assert c["trainee"].get(url).status_code == 403, url
    base = f"/progress/cohorts/{c['first']}"
    for client in (admin_client, c["instructor"]):
        assert client.get(f"{base}/trainees/{c['theirs']}").status_code == 404  # not in cohort
        assert client.get(f"{base}/trainees/999999").status_code == 404
        assert client.get(f"/progress/cohorts/{c['second']}/trends").status_code == (
            200 if client is admin_client else 404
        )


def table(html: str, table_id: str) -> list[list[str]]:
    """Return the body rows of a table as lists of cell texts."""
    body = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


# Worked by hand with the default parameters (prior 0.15, learn 0.2, guess 0.2, slip 0.1):
# reading teaches alpha once: 0.15 + 0.85 x 0.2 = 0.32; each best answer is a Bayes update
# p x 0.9 / (p x 0.9 + (1 - p) x 0.2): 0.6792, 0.9050, 0.9772 (three best answers shown: mastered);
# the passed scenario is one more learning opportunity: 0.9772 + 0.0228 x 0.2 = 0.9818. Beta is
# untouched at its prior.
ALPHA = [0.15, 0.32, 0.67925, 0.90503, 0.97721, 0.98177, 0.98177]


def test_story_tells_the_mastery_curve_worked_by_hand(cohorts):
    c = cohorts
    work(c["trainee"])
    html = (
        c["instructor"]
        .get(f"/progress/cohorts/{c['first']}/trainees/{c['mine']}")
        .get_data(as_text=True)
    )
    rows = table(html, "mastery-table")
    assert [r[1] for r in rows] == [
        "Start",
        "Read Basics one",
        "Answered first in Basics one (best)",
        "Answered second in Basics one (best)",
        "Answered third in Basics one (best)",
        "Passed the Basics one scenario (100%)",
        "Now",
    ]
    assert [int(r[2]) for r in rows] == [round(v * 100) for v in ALPHA]
    assert [int(r[3]) for r in rows] == [15] * 7
    alpha_line = re.search(r'<polyline class="line s0" points="([^"]+)"', html).group(1)
    ys = [float(p.split(",")[1]) for p in alpha_line.split()]
    assert ys == pytest.approx([200 - v * 188 for v in ALPHA], abs=0.11)  # plot: y 200 (0%) to 12
    assert (
        'role="img"' in html
        and '<title id="mastery-1-title">Mastery over time: Basics</title>' in html
    )
    assert "Alpha skill: 15% at the start, 98% now" in html
    # The timeline: the reading with its time, the attempt with its path, score and result.
    assert "Skipped the placement check" in html
    assert re.search(r"<strong>Read Basics one</strong>: [45] min", html)
    assert (
        "<strong>Scenario attempt 1: Scenario for basics-one</strong>: "
        "score 100%, passed (pass mark 70%)" in html
    )
    assert "Hold the talks and call the host. — <strong>best</strong>" in html
    assert "Close the session on time. — <strong>best</strong>" in html
    # What the engine recommends now, in the words the trainee reads on My path.
    path = c["trainee"].get("/learn/").get_data(as_text=True)
    why = re.search(r'<p class="why"><strong>Why:</strong> (.*?)</p>', path).group(1)
    assert f"(as the trainee reads it on My path): {why}</p>" in html


def test_story_of_a_trainee_who_has_not_started(cohorts, admin):
    client, _ = admin
    html = client.get(f"/progress/cohorts/{cohorts['first']}/trainees/{cohorts['mine']}").get_data(
        as_text=True
    )
    assert "This trainee has not started yet." in html
    assert [r[1] for r in table(html, "mastery-table")] == ["Start", "Now"]


def cells(client, url: str) -> list[dict[str, str]]:  # noqa: ANN001
    return list(csv.DictReader(io.StringIO(client.get(url).get_data(as_text=True))))


def test_events_export_matches_the_screens(cohorts, login, app):
    c = cohorts
    other_client, other = login(Role.TRAINEE, display_name="Lt Second")
    with app.app_context():
        db.session.add(CohortMember(cohort_id=c["first"], user_id=other.id, role=Role.TRAINEE))
        db.session.commit()
    work(c["trainee"])
    post_form(other_client, "/learn/welcome/skip", token_from="/learn/welcome")
    play(other_client, start(other_client), first="b", option="1", last="b")  # fails
    play(other_client, start(other_client))  # passes on the second attempt
    teacher, base = c["instructor"], f"/progress/cohorts/{c['first']}"
    events = cells(teacher, f"{base}/events.csv")
    assert {e["trainee"] for e in events} == {"Lt Mine", "Lt Second"}  # not Lt Theirs
    progress = {r["trainee"]: r for r in cells(teacher, f"{base}/progress.csv")}
    page = teacher.get(base).get_data(as_text=True)
    for name, row in progress.items():
        mine = [e for e in events if e["trainee"] == name]
        finished = [
            e for e in mine if e["event"] in ("quiz-passed", "quiz-failed", "placement-finished")
        ]
        passed = [e for e in finished if e["passed"] == "true"]
        minutes = sum(int(e["seconds"] or 0) for e in mine) // 60
        assert (len(finished), len(passed), minutes) == (
            int(row["attempts"]),
            int(row["attempts passed"]),
            int(row["reading minutes"]),
        )
        assert f'<td class="num">{len(finished)} ({len(passed)})</td>' in page
        uid = mine[0]["trainee_id"]
        story = teacher.get(f"{base}/trainees/{uid}").get_data(as_text=True)
        assert f"{len(finished)} attempt(s) finished, {len(passed)} passed" in story
        assert f"reading time {minutes} min" in story
    assert (
        int(progress["Lt Second"]["attempts"]),
        int(progress["Lt Second"]["attempts passed"]),
    ) == (2, 1)
    lines = teacher.get(f"{base}/events.jsonl").get_data(as_text=True).splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == [int(e["event_id"]) for e in events]
    first = json.loads(lines[0])
    assert first["time_utc"].endswith("Z") and first["event"] == "placement-skipped"
    choice = next(e for e in events if e["event"] == "choice-made")
    assert (
        choice["step"] == "first"
        and choice["rating"] in ("best", "poor")
        and choice["passed"] == ""
    )


def test_events_export_cells_never_start_a_formula(cohorts, admin, app, login):
    client, _ = admin
    hostile_client, hostile = login(Role.TRAINEE, display_name="=cmd|' /C calc'!A0")
    with app.app_context():
        db.session.add(
            CohortMember(cohort_id=cohorts["first"], user_id=hostile.id, role=Role.TRAINEE)
        )
        db.session.commit()
    post_form(hostile_client, "/learn/welcome/skip", token_from="/learn/welcome")
    text = client.get(f"/progress/cohorts/{cohorts['first']}/events.csv").get_data(as_text=True)
    assert "'=cmd" in text and ",=cmd" not in text


def test_trends_weeks_bands_and_at_risk(cohorts, admin, login, app):
    c = cohorts
    idle_client, idle = login(Role.TRAINEE, display_name="Aaron Idle")
    struggling_client, struggling = login(Role.TRAINEE, display_name="Zed Struggling")
    with app.app_context():
        for user in (idle, struggling):
            db.session.add(CohortMember(cohort_id=c["first"], user_id=user.id, role=Role.TRAINEE))
        db.session.commit()
    work(c["trainee"])
    post_form(struggling_client, "/learn/welcome/skip", token_from="/learn/welcome")
    play(struggling_client, start(struggling_client), first="b", option="1", last="b")
    client, _ = admin
    base = f"/progress/cohorts/{c['first']}"
    html = client.get(f"{base}/trends").get_data(as_text=True)
    weeks = table(html, "weeks-table")
    assert len(weeks) == 1 and weeks[0][0].endswith("(to now)")
    page = client.get(base).get_data(as_text=True)
    averages = re.findall(r'<span class="meter-value">(\d+)%', page)
    assert [weeks[0][1], weeks[0][2]] == averages  # this week's figures are the cohort page's
    assert weeks[0][3] == "0.3"  # one module read among three trainees
    assert weeks[0][5] == "2"  # two trainees active
    bands = {row[0]: [int(n) for n in row[2:]] for row in table(html, "bands-table")}
    assert bands["Alpha skill"] == [2, 0, 0, 1] and bands["Beta skill"] == [3, 0, 0, 0]
    assert 'role="img"' in html and "Completion per week" in html
    risk = [r[0] for r in table(html, "risk-table")]
    assert risk == ["Aaron Idle", "Zed Struggling"]
    only = table(
        client.get(f"{base}/trends?reason=struggling").get_data(as_text=True), "risk-table"
    )
    assert [r[0] for r in only] == ["Zed Struggling"] and "struggling with Alpha skill" in only[0][
        3
    ]
    by_last = table(
        client.get(f"{base}/trends?sort=last-active").get_data(as_text=True), "risk-table"
    )
    assert [r[0] for r in by_last] == ["Aaron Idle", "Zed Struggling"] and by_last[0][1] == "never"
    silly = client.get(f"{base}/trends?reason=nope&sort=%27;drop").get_data(as_text=True)
    assert [r[0] for r in table(silly, "risk-table")] == risk
    assert f'href="/progress/cohorts/{c["first"]}/trainees/{idle.id}"' in html


def count_request(app, client, url: str) -> int:  # noqa: ANN001
    """Count a GET's statements, its streamed body read to the end."""

    def read() -> None:
        response = client.get(url)
        assert response.status_code == 200
        response.get_data()  # a streamed body runs its queries while it is read

    return count_queries(app, read)


BUDGET = {"story": 12, "trends": 14, "events.csv": 8, "events.jsonl": 8}  # SQLite counts BEGIN


def test_pages_run_a_fixed_number_of_queries(cohorts, admin, login, app):
    c = cohorts
    client, _ = admin
    base = f"/progress/cohorts/{c['first']}"
    urls = {
        "story": f"{base}/trainees/{c['mine']}",
        "trends": f"{base}/trends",
        "events.csv": f"{base}/events.csv",
        "events.jsonl": f"{base}/events.jsonl",
    }
    work(c["trainee"])
    small = {name: count_request(app, client, url) for name, url in urls.items()}
    play(c["trainee"], start(c["trainee"]), first="b")  # a replay: more events and attempts
    for _ in range(3):
        more_client, more = login(Role.TRAINEE)
        with app.app_context():
            db.session.add(CohortMember(cohort_id=c["first"], user_id=more.id, role=Role.TRAINEE))
            db.session.add(
                CohortRule(cohort_id=c["first"], module_slug=f"m{more.id}", kind="pinned")
            )
            db.session.commit()
        work(more_client)
    large = {name: count_request(app, client, url) for name, url in urls.items()}
    assert large == small, (small, large)
    assert all(n <= BUDGET[name] for name, n in large.items()), large


def test_reading_these_pages_never_writes(cohorts, admin, app):
    c = cohorts
    work(c["trainee"])
    client, _ = admin
    written: list[str] = []

    def spy(conn, cursor, statement, *args: object) -> None:  # noqa: ANN001
        if WRITES.match(statement):
            written.append(statement[:80])

    with listening(app, spy):
        for url in routes(c):
            for who in (client, c["instructor"]):
                who.get(url).get_data()
    assert written == []


def test_trends_weeks_worked_by_hand(cohorts, admin, login, app, course):
    from datetime import timedelta

    from course import engine
    from course.services import learning

    c = cohorts
    _, quiet = login(Role.TRAINEE, display_name="Lt Quiet")
    now = datetime.now(UTC)
    monday = datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(days=now.weekday())
    read_at = monday - timedelta(days=12, hours=12)  # Tuesday noon, two weeks ago
    with app.app_context():
        db.session.add(CohortMember(cohort_id=c["first"], user_id=quiet.id, role=Role.TRAINEE))
        events = [
            engine.ModuleOpened(module_id="basics-one", at=read_at),
            engine.ModuleCompleted(module_id="basics-one", at=read_at),
        ]
        db.session.add(  # as learning.complete_module records it, two weeks late
            ModuleProgress(
                user_id=c["mine"],
                module_slug="basics-one",
                first_opened_at=read_at,
                last_opened_at=read_at,
                completed_at=read_at,
            )
        )
        learning.add_event(
            c["mine"], "module-completed", course, events, module_slug="basics-one", at=read_at
        )
        db.session.commit()
    client, _ = admin
    html = client.get(f"/progress/cohorts/{c['first']}/trends").get_data(as_text=True)
    weeks = table(html, "weeks-table")
    assert [w[0] for w in weeks] == [
        f"{(monday - timedelta(days=14)):%d %b %Y}",
        f"{(monday - timedelta(days=7)):%d %b %Y}",
        f"{monday:%d %b %Y} (to now)",
    ]
    # Reading teaches alpha once (0.15 -> 0.32); the estimate fades toward the prior by 1% a day.
    # The week's snapshot is taken when the event is recorded, here 12.5 days late:
    # 0.15 + 0.17 x 0.99^12.5 = 0.2999, and it holds until the trainee's next snapshot. The
    # other trainee stays at 0.15: the average is 0.2250 in both weeks.
    assert [w[1] for w in weeks[:2]] == ["22", "22"]
    assert [w[2] for w in weeks] == ["15", "15", "15"]
    page = client.get(f"/progress/cohorts/{c['first']}").get_data(as_text=True)
    assert weeks[2][1] == re.findall(r'<span class="meter-value">(\d+)%', page)[0]
    assert [w[3] for w in weeks] == ["0.5", "0.5", "0.5"]  # one module read, two trainees
    assert [w[5] for w in weeks] == ["1", "0", "0"]  # active in the first week only


def test_story_marks_reviews_unfinished_attempts_and_rereading(cohorts):
    from tests.web.test_learn import answer

    c = cohorts
    client = c["trainee"]
    work(client)
    play(client, start(client), first="c")  # a replay of a passed scenario
    answer(client, start(client), "first", choice="a")  # left after one step
    post_form(client, "/learn/modules/basics-one/complete", token_from="/learn/modules/basics-one")
    html = (
        c["instructor"]
        .get(f"/progress/cohorts/{c['first']}/trainees/{c['mine']}")
        .get_data(as_text=True)
    )
    kinds = re.findall(r'<li class="(reading|attempt|review|unfinished|placement-skipped)">', html)
    assert kinds == ["placement-skipped", "reading", "attempt", "review", "unfinished", "reading"]
    assert "<strong>Review (replay of a passed scenario): Scenario for basics-one</strong>" in html
    assert "Call host, hold talks. — <strong>acceptable</strong>" in html
    assert "in progress: 1 step(s) answered" in html
    assert "<strong>Read Basics one</strong> again" in html
    assert "2 attempt(s) finished, 2 passed" in html


def test_story_shows_the_placement_check(login, app):
    from course.services import catalogue, importer
    from tests.web.test_placement import ROOT, best, take

    client, me = login(Role.TRAINEE, display_name="Maj Placed")
    with app.app_context():
        importer.import_folder(ROOT)
        quiz = catalogue.parsed_quiz(catalogue.quiz_version("placement"))
        cohort_id = accounts.create_cohort("Placed", trainees=[db.session.merge(me)]).id
    take(client, quiz, best)
    admin_client, _ = login(Role.ADMIN)
    html = admin_client.get(f"/progress/cohorts/{cohort_id}/trainees/{me.id}").get_data(
        as_text=True
    )
    assert re.search(r"<strong>Placement check: [^<]+</strong>: score 100%, passed", html)
    assert html.count("— <strong>best</strong>") >= 5
    assert "Finished the placement check (100%)" in html  # a row of the mastery table


def test_the_at_risk_list_is_paged_keeping_its_filter_and_order(
    cohorts, admin, login, app, monkeypatch
):
    from course.services import trends

    c = cohorts
    for name in ("Aaron Idle", "Zed Idle"):
        _, idle = login(Role.TRAINEE, display_name=name)
        with app.app_context():
            db.session.add(CohortMember(cohort_id=c["first"], user_id=idle.id, role=Role.TRAINEE))
            db.session.commit()
    monkeypatch.setattr(trends, "RISK_PAGE", 1)
    client, _ = admin
    base = f"/progress/cohorts/{c['first']}/trends?reason=not-started&sort=name"
    first = client.get(base).get_data(as_text=True)
    names = [r[0] for r in table(first, "risk-table")]
    assert len(names) == 1 and "page 1 of" in first
    assert "reason=not-started" in first.split('rel="next" href="')[1].split('"')[0]
    second = client.get(base + "&page=2").get_data(as_text=True)
    assert [r[0] for r in table(second, "risk-table")] != names
    beyond = client.get(base + "&page=999").get_data(as_text=True)  # the last page, not an error
    assert "Previous page" in beyond and "Next page" not in beyond
