"""Administrators manage accounts."""

from __future__ import annotations

from sqlalchemy import select

from course.extensions import db
from course.models import Cohort, Role, User
from tests.conftest import listening, post_form


def test_dashboard_counts_people(admin, create_user):
    client, _ = admin
    create_user(Role.TRAINEE)
    html = client.get("/admin/").get_data(as_text=True)
    assert "<dt>Trainees</dt><dd>1</dd>" in html
    assert "<dt>Administrators</dt><dd>1</dd>" in html


def test_create_user_from_the_browser(admin, ctx):
    client, _ = admin
    response = post_form(
        client,
        "/admin/users",
        {
            "email": "New.Officer@example.org",
            "display_name": "New Officer",
            "role": "instructor",
            "password": "twelve chars ok",
            "username": "",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.officer@example.org"))
    assert user.role is Role.INSTRUCTOR and user.username == "new.officer"


def test_create_user_reports_each_bad_field(admin):
    client, _ = admin
    html = post_form(
        client,
        "/admin/users",
        {
            "email": "not-an-email",
            "display_name": "",
            "role": "general",
            "password": "short",
            "username": "Bad Name",
        },
    ).get_data(as_text=True)
    for message in (
        "Enter a valid email address.",
        "Enter a name.",
        "Not a valid choice",
        "Use 12 to 256 characters.",
        "Use lowercase letters",
    ):
        assert message in html


def test_duplicate_email_is_refused(admin, create_user):
    client, _ = admin
    other = create_user(Role.TRAINEE)
    html = post_form(
        client,
        "/admin/users",
        {
            "email": other.email,
            "display_name": "Twin",
            "role": "trainee",
            "password": "twelve chars ok",
        },
    ).get_data(as_text=True)
    assert "already exists" in html


def test_deactivate_and_reactivate(admin, create_user, ctx):
    client, _ = admin
    other = create_user(Role.TRAINEE)
    post_form(client, f"/admin/users/{other.id}/active", token_from="/admin/users")
    assert db.session.get(User, other.id).active is False
    db.session.expire_all()
    post_form(client, f"/admin/users/{other.id}/active", token_from="/admin/users")
    assert db.session.get(User, other.id).active is True


def test_admin_cannot_deactivate_self(admin, ctx):
    client, me = admin
    response = post_form(
        client, f"/admin/users/{me.id}/active", token_from="/admin/users", follow_redirects=True
    )
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert db.session.get(User, me.id).active


def test_cohorts_page_lists_members(admin, runner, query):
    client, _ = admin
    runner.invoke(args=["demo", "load"])
    html = client.get("/admin/cohorts").get_data(as_text=True)
    assert "Demo cohort" in html and "Dana Okafor" in html
    cohort_id = query(select(Cohort.id))
    detail = client.get(f"/admin/cohorts/{cohort_id}").get_data(as_text=True)
    assert "Lt. Priya Raman" in detail


def test_reset_password_shows_it_once(admin, create_user, app):
    client, _ = admin
    other = create_user(Role.TRAINEE)
    response = post_form(
        client,
        f"/admin/users/{other.id}/password",
        token_from="/admin/users",
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    password = html.split('<code class="secret">')[1].split("</code>")[0]
    assert len(password) >= 12
    assert response.headers["Cache-Control"] == "no-store"
    assert password not in client.get("/admin/users").get_data(as_text=True)  # shown once
    with client.session_transaction() as cookie:  # never travels in the session cookie
        assert password not in repr(dict(cookie))
    fresh = app.test_client()
    login = post_form(fresh, "/login", {"login": other.email, "password": password})
    assert login.status_code == 302
    assert (
        post_form(client, "/admin/users/9999/password", token_from="/admin/users").status_code
        == 404
    )


def test_dashboard_shows_last_weeks_activity(admin, login, course):
    client, _ = admin
    trainee, _ = login(Role.TRAINEE)
    url = post_form(
        trainee, "/learn/quizzes/basics-one-quiz/start", token_from="/learn/quizzes/basics-one-quiz"
    ).headers["Location"]
    for step, field, value in (
        ("first", "choice", "a"),
        ("second", "option", "0"),
        ("third", "choice", "a"),
    ):
        post_form(trainee, url, {"step": step, field: value}, token_from=url)
    html = client.get("/admin/").get_data(as_text=True)
    assert "<dt>Active trainees</dt><dd>1</dd>" in html
    assert "<dt>Scenarios finished</dt><dd>1</dd>" in html
    assert '<dt>Passed</dt><dd>1 <span class="status">(100%)</span></dd>' in html


def test_destructive_actions_ask_first_and_say_what_happens(admin, create_user, app, query):
    client, _ = admin
    other = create_user(Role.TRAINEE)
    page = f"/admin/users/{other.id}/active"
    html = client.get(page).get_data(as_text=True)
    assert f"Deactivate {other.display_name}?" in html and "are kept" in html
    assert query(select(User.active).where(User.id == other.id)) is True
    post_form(client, page)
    assert query(select(User.active).where(User.id == other.id)) is False
    assert "Their current password stops working" in client.get(
        f"/admin/users/{other.id}/password"
    ).get_data(as_text=True)
    assert client.get("/admin/users/9999/active").status_code == 404


def test_unexpected_errors_get_the_friendly_page(admin, app, monkeypatch):
    from course.services import directory

    client, _ = admin

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(directory, "summary", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(app, "testing", False)
    response = client.get("/admin/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and "boom" not in html


def test_users_search_and_paging_with_ten_thousand_accounts(admin, app):
    import re

    from sqlalchemy import insert

    from course.extensions import db
    from course.models import User

    client, _ = admin
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"officer{n:05d}@example.org",
                    "username": f"officer{n:05d}",
                    "display_name": f"Officer {n:05d}",
                    "password_hash": "-",
                    "role": Role.TRAINEE,
                    "session_token": f"t{n}",
                }
                for n in range(10_000)
            ],
        )
        db.session.commit()
    first = client.get("/admin/users").get_data(as_text=True)
    assert "10001 accounts, page 1 of 201" in first
    assert len(re.findall(r'<th scope="row">', first)) == 50
    seen: list[str] = []

    def spy(*args: object) -> None:
        seen.append(str(args[2]))

    with listening(app, spy):
        later = client.get("/admin/users?page=150").get_data(as_text=True)
        on_150 = len(seen)
        seen.clear()
        client.get("/admin/users?page=2")
    assert "page 150 of 201" in later and 'rel="prev"' in later and 'rel="next"' in later
    assert len(seen) == on_150  # a fixed number of queries on any page
    found = client.get("/admin/users?q=OFFICER07777").get_data(as_text=True)
    assert "1 account matching" in found and "officer07777@example.org" in found
    assert "0 accounts matching" in client.get("/admin/users?q=%25_").get_data(as_text=True)
    assert client.get("/admin/users?page=99999999").status_code == 200
