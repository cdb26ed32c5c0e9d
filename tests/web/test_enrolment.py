"""Bulk enrolment from a CSV: preview every line, all or nothing, idempotent, one-time links."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from course.extensions import db
from course.models import AuditEntry, Cohort, CohortMember, PasswordToken, Role, User
from course.models.types import utcnow
from tests.conftest import csrf_token, post_form

GOOD = (
    "email,name,rank,cohort\n"
    "ana.silva@example.org,Ana Silva,Captain,Spring 2027\n"
    "li.wei@example.org,Li Wei,Major,Spring 2027\n"
    "omar.haddad@example.org,Omar Haddad,,Autumn 2027\n"
)
BAD = GOOD + "not-an-email,Someone,,Spring 2027\n" + "li.wei@example.org,Li Wei,Major,Spring 2027\n"


def upload(client, text: str | bytes, name: str = "people.csv"):  # noqa: ANN001, ANN201
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/admin/enrol",
        data={"csrf_token": csrf_token(client, "/admin/enrol"), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def apply(client, html: str):  # noqa: ANN001, ANN201
    """Press the Enrol button of a preview page."""
    form = re.search(r'action="/admin/enrol/apply">(.*?)</form>', html, re.S).group(1)
    fields = dict(re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', form))
    fields |= dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))
    from html import unescape

    return client.post("/admin/enrol/apply", data={k: unescape(v) for k, v in fields.items()})


def counts(query) -> tuple[int, int, int]:  # noqa: ANN001
    return (
        query(select(func.count()).select_from(User).where(User.role == Role.TRAINEE)),
        query(select(func.count()).select_from(CohortMember)),
        query(select(func.count()).select_from(Cohort)),
    )


def test_a_bad_line_is_named_and_nothing_is_written(admin, query):
    client, _ = admin
    html = upload(client, BAD).get_data(as_text=True)
    assert "<strong>1 invalid</strong>" not in html  # two are invalid
    assert "<strong>2 invalid</strong>" in html
    assert re.search(
        r'<td class="num">5</td><td>not-an-email</td>.*?Invalid</strong>: email', html, re.S
    )
    assert re.search(r'<td class="num">6</td>.*?repeats line 3', html, re.S)
    assert "/admin/enrol/apply" not in html  # no button to enrol an invalid file
    assert counts(query) == (0, 0, 0)


def test_enrol_then_re_enrol_changes_nothing(admin, query, create_user):
    client, _ = admin
    known = create_user(Role.TRAINEE, email="li.wei@example.org", display_name="Li Wei")
    preview = upload(client, GOOD).get_data(as_text=True)
    assert "2 new accounts, 1 existing accounts joining" in preview
    assert "New cohorts: Spring 2027, Autumn 2027" in preview
    assert counts(query) == (1, 0, 0)  # a preview writes nothing
    done = apply(client, preview).get_data(as_text=True)
    assert "2 new accounts created, 1 existing accounts added" in done
    links = re.findall(r"http://localhost/account/set-password/([\w-]+)", done)
    assert len(links) == 2
    assert counts(query) == (3, 3, 2)
    ana = query(select(User).where(User.email == "ana.silva@example.org"))
    assert (ana.rank, ana.display_name, ana.role) == ("Captain", "Ana Silva", Role.TRAINEE)
    assert query(select(User.display_name).where(User.id == known.id)) == "Li Wei"
    digests = query(select(PasswordToken.digest), many=True)
    assert not set(links) & set(digests)  # only hashes are stored
    entries = query(select(func.count()).select_from(AuditEntry))

    again = upload(client, GOOD).get_data(as_text=True)
    assert "0 new accounts, 0 existing accounts joining a cohort, 3 already there" in again
    apply(client, again)
    assert counts(query) == (3, 3, 2)
    assert query(select(func.count()).select_from(AuditEntry)) == entries
    assert query(select(func.count()).select_from(PasswordToken)) == 2


def test_a_set_password_link_works_once_and_expires(admin, app, query):
    client, _ = admin
    done = apply(client, upload(client, GOOD).get_data(as_text=True)).get_data(as_text=True)
    first, second, _ = re.findall(r"http://localhost(/account/set-password/[\w-]+)", done)
    visitor = app.test_client()
    page = visitor.get(first)
    assert page.status_code == 200 and "ana.silva@example.org" in page.get_data(as_text=True)
    short = post_form(visitor, first, {"new_password": "short", "confirm": "short"})
    assert "at least 12" in short.get_data(as_text=True).lower()
    done = post_form(
        visitor, first, {"new_password": "a brand new secret", "confirm": "a brand new secret"}
    )
    assert done.headers["Location"] == "/login"
    assert visitor.get(first).status_code == 404  # used
    login = post_form(
        visitor, "/login", {"login": "ana.silva@example.org", "password": "a brand new secret"}
    )
    assert login.status_code == 302 and login.headers["Location"] == "/learn/"
    with app.app_context():
        db.session.execute(update(PasswordToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    expired = app.test_client().get(second)
    assert expired.status_code == 404 and "expired" in expired.get_data(as_text=True)
    assert app.test_client().get("/account/set-password/made-up").status_code == 404


def test_accounts_without_a_password_cannot_log_in(admin, app):
    client, _ = admin
    apply(client, upload(client, GOOD).get_data(as_text=True))
    for guess in ("!unset", "", "a long password guess"):
        response = post_form(
            app.test_client(), "/login", {"login": "ana.silva@example.org", "password": guess}
        )
        assert response.status_code == 200


def test_files_that_are_not_enrolment_csvs_are_refused_with_reasons(admin, query):
    client, _ = admin
    cases = {
        b"\xff\xfeemail": "not UTF-8",
        b"": "The file is empty",
        b"email,name\nx@example.org,X\n": "missing: cohort",
        b"email,name,cohort\n": "no rows to enrol",
        b"email,name,cohort\n\x00,,\n": "NUL",
        b'email,name,cohort\n"x@example.org,X,C\n': "",  # an unclosed quote runs to the end
    }
    for data, reason in cases.items():
        response = upload(client, data)
        assert response.status_code == 200
        assert reason in response.get_data(as_text=True), data
    assert "Upload a .csv file" in upload(client, GOOD, "people.exe").get_data(as_text=True)
    assert counts(query) == (0, 0, 0)


def test_instructors_and_admins_in_a_file_are_invalid(admin, create_user):
    client, _ = admin
    create_user(Role.INSTRUCTOR, email="li.wei@example.org")
    html = upload(client, GOOD).get_data(as_text=True)
    assert "li.wei@example.org is instructor: only trainees are enrolled here" in html


def test_apply_re_checks_the_file(admin, query):
    client, _ = admin
    token = csrf_token(client, "/admin/enrol")
    response = client.post(
        "/admin/enrol/apply", data={"csrf_token": token, "text": BAD}, follow_redirects=True
    )
    assert "2 invalid row(s) (line 5, 6); nothing was enrolled." in response.get_data(as_text=True)
    assert counts(query) == (0, 0, 0)


def test_only_administrators_enrol(trainee, instructor):
    for client, _ in (trainee, instructor):
        assert client.get("/admin/enrol").status_code == 403


def test_cli_previews_then_applies(runner, app, query, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(BAD)
    result = runner.invoke(args=["user", "enrol", str(path), "--apply"])
    assert result.exit_code == 1
    assert f"{path}:5: not-an-email -> Spring 2027: invalid: email" in result.output
    assert "nothing was enrolled" in result.output
    path.write_text(GOOD)
    preview = runner.invoke(args=["user", "enrol", str(path)])
    assert "Preview only" in preview.output and counts(query) == (0, 0, 0)
    done = runner.invoke(
        args=["user", "enrol", str(path), "--apply", "--base-url", "https://c.mil/"]
    )
    assert done.exit_code == 0, done.output
    assert len(re.findall(r"https://c\.mil/account/set-password/[\w-]+", done.output)) == 3
    assert counts(query) == (3, 3, 2)
    again = runner.invoke(args=["user", "enrol", str(path), "--apply"])
    assert "0 new, 0 joined, 3 already there" in again.output


def test_an_admin_replaces_a_lost_link(admin, create_user, app, query):
    client, _ = admin
    user = create_user(Role.TRAINEE, email="lost@example.org")
    page = client.get(f"/admin/users/{user.id}/link").get_data(as_text=True)
    assert "works once, within 72 hours" in page
    first = post_form(client, f"/admin/users/{user.id}/link").get_data(as_text=True)
    second = post_form(client, f"/admin/users/{user.id}/link").get_data(as_text=True)
    old, new = (re.search(r"(/account/set-password/[\w-]+)", h).group(1) for h in (first, second))
    visitor = app.test_client()
    assert visitor.get(old).status_code == 404  # replaced
    assert visitor.get(new).status_code == 200
    actions = query(select(AuditEntry.action).where(AuditEntry.actor_id.is_not(None)), many=True)
    assert actions == ["password.link", "password.link"]
