"""Administrators manage cohorts, set rules, and read progress reports."""

from __future__ import annotations

from sqlalchemy import select

from course.extensions import db
from course.models import Cohort, CohortRule, Role
from course.services import accounts
from tests.conftest import listening, post_form


def make_cohort(app, *users, name="Alpha cohort"):  # noqa: ANN001, ANN201
    with app.app_context():
        cohort = accounts.create_cohort(name, trainees=[db.session.merge(u) for u in users])
        return cohort.id


def test_create_cohort_and_add_members(admin, create_user, app, query):
    client, _ = admin
    trainee = create_user(Role.TRAINEE)
    response = post_form(
        client,
        "/admin/cohorts",
        {"name": "Bravo", "description": "Spring", "target_date": "2027-03-01"},
    )
    cohort_id = query(select(Cohort.id).where(Cohort.name == "Bravo"))
    assert response.headers["Location"] == f"/admin/cohorts/{cohort_id}"
    page = f"/admin/cohorts/{cohort_id}"
    done = post_form(
        client, f"{page}/members", {"person": trainee.email}, token_from=page, follow_redirects=True
    )
    assert f"{trainee.display_name} added." in done.get_data(as_text=True)
    again = post_form(
        client, f"{page}/members", {"person": trainee.email}, token_from=page, follow_redirects=True
    )
    assert "already in Bravo" in again.get_data(as_text=True)


def test_cohort_form_errors_are_named(admin):
    client, _ = admin
    html = post_form(client, "/admin/cohorts", {"name": "", "target_date": "soon"}).get_data(
        as_text=True
    )
    assert "Enter a name." in html and "Not a valid date value." in html


def test_rules_change_the_trainees_next_step(admin, login, course, app, query):
    client, _ = admin
    trainee_client, trainee = login(Role.TRAINEE)
    cohort_id = make_cohort(app, trainee)
    page = f"/admin/cohorts/{cohort_id}"
    post_form(
        client, f"{page}/rules", {"module": "basics-refresher", "kind": "pinned"}, token_from=page
    )
    assert query(select(CohortRule.kind)) == "pinned"
    post_form(trainee_client, "/learn/welcome/skip", token_from="/learn/welcome")
    html = trainee_client.get("/learn/").get_data(as_text=True)
    assert '<h2 id="next-heading">Set by your cohort: Basics refresher</h2>' in html
    bad = post_form(
        client,
        f"{page}/rules",
        {"module": "nope", "kind": "pinned"},
        token_from=page,
        follow_redirects=True,
    )
    assert "Choose a module of the course." in bad.get_data(as_text=True)


def test_report_heatmap_and_csv(admin, login, course, app):
    client, _ = admin
    trainee_client, trainee = login(Role.TRAINEE, display_name="Cpt Report")
    cohort_id = make_cohort(app, trainee)
    html = client.get(f"/progress/cohorts/{cohort_id}").get_data(as_text=True)
    assert "Cpt Report" in html and "heat h0" in html and "Alpha skill" in html
    csv = client.get(f"/admin/cohorts/{cohort_id}/progress.csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("trainee,email,alpha,beta")
    assert lines[1].startswith("Cpt Report,") and ",15,15," in lines[1]


def test_report_runs_a_fixed_number_of_queries(admin, login, course, app):
    client, _ = admin
    first, _ = login(Role.TRAINEE)
    cohort_id = make_cohort(app, *(login(Role.TRAINEE)[1] for _ in range(2)))

    def queries() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        with listening(app, listener):
            assert client.get(f"/admin/cohorts/{cohort_id}").status_code == 200
        return len(seen)

    small = queries()
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        for _ in range(5):
            user = accounts.create_user(f"x{_}@example.org", "X", Role.TRAINEE, "long password!")
            cohort.members.append(
                __import__("course.models", fromlist=["CohortMember"]).CohortMember(
                    user=user, role=Role.TRAINEE
                )
            )
        db.session.commit()
    assert queries() == small
    del first


def test_needs_attention_names_idle_struggling_and_behind(admin, login, course, app):
    from datetime import UTC, datetime, timedelta

    client, _ = admin
    idle_client, idle = login(Role.TRAINEE, display_name="Idle Officer")
    busy_client, busy = login(Role.TRAINEE, display_name="Busy Officer")
    cohort_id = make_cohort(app, idle, busy)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        cohort.target_date = datetime.now(UTC).date() + timedelta(days=3)
        cohort.rules.append(CohortRule(module_slug="basics-one", kind="required"))
        db.session.commit()
    url = post_form(
        busy_client,
        "/learn/quizzes/basics-one-quiz/start",
        token_from="/learn/quizzes/basics-one-quiz",
    ).headers["Location"]
    for step, field, value in (
        ("first", "choice", "b"),
        ("second", "option", "1"),
        ("third", "choice", "b"),
    ):
        post_form(busy_client, url, {"step": step, field: value}, token_from=url)
    html = client.get(f"/progress/cohorts/{cohort_id}").get_data(as_text=True)
    assert (
        f'<a href="/progress/cohorts/{cohort_id}/trainees/{idle.id}">Idle Officer</a></strong>: '
        "has not started; "
        "behind: 1 required module(s) not done, due in 3 days" in html
    )
    assert "struggling with Alpha skill (did not pass Basics one)" in html
    csv = client.get(f"/admin/cohorts/{cohort_id}/progress.csv").get_data(as_text=True)
    assert "has not started" in csv


def test_removing_a_member_or_rule_asks_first(admin, login, course, app, query):
    client, _ = admin
    _, trainee = login(Role.TRAINEE, display_name="Kept Records")
    cohort_id = make_cohort(app, trainee)
    page = f"/admin/cohorts/{cohort_id}"
    post_form(
        client, f"{page}/rules", {"module": "basics-one", "kind": "required"}, token_from=page
    )
    rule_id = query(select(CohortRule.id))
    ask = client.get(f"{page}/rules/{rule_id}/remove").get_data(as_text=True)
    assert "Remove the required rule for basics-one?" in ask
    post_form(client, f"{page}/rules/{rule_id}/remove")
    assert query(select(CohortRule.id)) is None
    ask = client.get(f"{page}/members/{trainee.id}/remove").get_data(as_text=True)
    assert "Remove Kept Records from Alpha cohort?" in ask and "are kept" in ask
    done = post_form(client, f"{page}/members/{trainee.id}/remove", follow_redirects=True)
    assert "Kept Records removed; their learning records are kept." in done.get_data(as_text=True)
    assert client.get(f"{page}/rules/999/remove").status_code == 404


def test_cohort_settings_save_and_refuse_bad_dates(admin, app, query):
    client, _ = admin
    cohort_id = make_cohort(app, name="Settings cohort")
    page = f"/admin/cohorts/{cohort_id}"
    ok = post_form(
        client,
        f"{page}/settings",
        {"description": "Autumn intake", "target_date": "2027-01-15"},
        token_from=page,
        follow_redirects=True,
    )
    assert "Cohort settings saved." in ok.get_data(as_text=True)
    assert str(query(select(Cohort.target_date))) == "2027-01-15"
    bad = post_form(
        client,
        f"{page}/settings",
        {"target_date": "15/01/2027"},
        token_from=page,
        follow_redirects=True,
    )
    assert "Target date: Not a valid date value." in bad.get_data(as_text=True)
    assert str(query(select(Cohort.target_date))) == "2027-01-15"
    nobody = post_form(
        client,
        f"{page}/members",
        {"person": "nobody@example.org"},
        token_from=page,
        follow_redirects=True,
    )
    assert "No account has the email or username nobody@example.org." in nobody.get_data(
        as_text=True
    )


def test_trainee_sees_the_target_date_and_required_modules(admin, login, course, app):
    from datetime import date

    client, _ = admin
    trainee_client, trainee = login(Role.TRAINEE)
    cohort_id = make_cohort(app, trainee)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        cohort.target_date = date(2027, 1, 15)
        cohort.rules.append(CohortRule(module_slug="advanced-one", kind="required"))
        db.session.commit()
    post_form(trainee_client, "/learn/welcome/skip", token_from="/learn/welcome")
    html = trainee_client.get("/learn/").get_data(as_text=True)
    assert "target date is <strong>15 Jan 2027</strong>" in html
    assert "Required modules still to do: Advanced one." in html


def test_spent_attempts_move_the_path_on_and_flag_the_trainee(admin, login, course, app):
    client, _ = admin
    trainee_client, trainee = login(Role.TRAINEE, display_name="Stuck Officer")
    cohort_id = make_cohort(app, trainee)
    post_form(trainee_client, "/learn/welcome/skip", token_from="/learn/welcome")
    for _ in range(3):  # basics-one allows three attempts to pass
        url = post_form(
            trainee_client,
            "/learn/quizzes/basics-one-quiz/start",
            token_from="/learn/quizzes/basics-one-quiz",
        ).headers["Location"]
        for step, field, value in (("first", "choice", "b"), ("second", "option", "1")):
            post_form(trainee_client, url, {"step": step, field: value}, token_from=url)
        post_form(trainee_client, url, {"step": "third", "choice": "b"}, token_from=url)
    path = trainee_client.get("/learn/").get_data(as_text=True)
    assert "Try again: Basics one" not in path  # no retry the platform would refuse
    assert "you used every attempt at its prerequisite Basics one" in path
    assert "Attempts used up without a pass (your instructor decides): Basics one." in path
    refused = trainee_client.get("/learn/quizzes/basics-one-quiz").get_data(as_text=True)
    assert "You have used all 3 attempts at this quiz." in refused
    html = client.get(f"/progress/cohorts/{cohort_id}").get_data(as_text=True)
    assert "used every attempt at Basics one without passing" in html


def test_csv_cells_never_start_a_formula(admin, login, course, app):
    from course.services.reports import safe_cell

    client, _ = admin
    _, trainee = login(Role.TRAINEE, display_name='=HYPERLINK("http://evil.example","x")')
    cohort_id = make_cohort(app, trainee)
    csv = client.get(f"/admin/cohorts/{cohort_id}/progress.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv and ",=HYPERLINK" not in csv and "\n=HYPERLINK" not in csv
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    assert safe_cell("Officer") == "Officer" and safe_cell(42) == 42
