"""Every administrative change is in the audit log, with who, what, before and after."""

from __future__ import annotations

from sqlalchemy import func, select

from course.extensions import db
from course.models import AuditEntry, Cohort, Role, User
from tests.conftest import post_form


def entries(query, by_someone: bool = True) -> list[AuditEntry]:  # noqa: ANN001
    """Return the log; by default without the test fixtures' own accounts (made by no one)."""
    found = query(select(AuditEntry).order_by(AuditEntry.id), many=True)
    return [e for e in found if e.actor_id is not None or not by_someone]


def test_account_changes_are_recorded_with_before_and_after(admin, create_user, query):
    client, me = admin
    post_form(
        client,
        "/admin/users",
        {
            "email": "new@example.org",
            "display_name": "Lt New",
            "role": "trainee",
            "password": "a long enough password",
        },
    )
    new_id = query(select(User.id).where(User.email == "new@example.org"))
    post_form(client, f"/admin/users/{new_id}/role", {"role": "instructor"})
    post_form(client, f"/admin/users/{new_id}/active")
    post_form(client, f"/admin/users/{new_id}/password")
    logged = entries(query)
    assert [e.action for e in logged] == [
        "account.create",
        "account.role",
        "account.deactivate",
        "password.issue",
    ]
    assert {e.actor_id for e in logged} == {me.id}
    assert all(e.target_id == str(new_id) for e in logged)
    assert logged[0].after["role"] == "trainee" and logged[0].after["email"] == "new@example.org"
    assert logged[1].before["role"] == "trainee" and logged[1].after["role"] == "instructor"
    assert logged[2].before == {"active": True} and logged[2].after == {"active": False}
    assert "password" not in str(logged[3].after)  # the new password itself is never logged


def test_cohort_changes_are_recorded(admin, create_user, query, course):
    client, _ = admin
    trainee = create_user(Role.TRAINEE, display_name="Lt Member")
    post_form(client, "/admin/cohorts", {"name": "Delta", "target_date": "2027-01-10"})
    page = f"/admin/cohorts/{query(select(func.max(Cohort.id)))}"
    post_form(
        client, f"{page}/settings", {"description": "Winter", "target_date": ""}, token_from=page
    )
    post_form(client, f"{page}/members", {"person": trainee.email}, token_from=page)
    post_form(
        client, f"{page}/rules", {"module": "basics-refresher", "kind": "pinned"}, token_from=page
    )
    post_form(client, f"{page}/members/{trainee.id}/remove", token_from=page)
    logged = entries(query)
    assert [e.action for e in logged] == [
        "cohort.create",
        "cohort.update",
        "cohort.member.add",
        "cohort.rule.set",
        "cohort.member.remove",
    ]
    assert logged[1].before == {"description": "", "target_date": "2027-01-10"}
    assert logged[1].after == {"description": "Winter", "target_date": None}
    assert "Lt Member" in logged[2].after["member"]
    assert logged[3].after == {"module": "basics-refresher", "rule": "pinned"}


def test_a_refused_change_writes_no_entry(admin, query):
    client, me = admin
    html = post_form(client, f"/admin/users/{me.id}/role", {"role": "trainee"}).get_data(
        as_text=True
    )
    assert "last active administrator" in html
    assert query(select(User.role).where(User.id == me.id)) is Role.ADMIN
    assert entries(query) == []


def test_role_change_moves_cohort_places_and_ends_sessions(admin, login, app, query):
    from course.extensions import db
    from course.models import CohortMember
    from course.services import accounts

    client, _ = admin
    trainee_client, trainee = login(Role.TRAINEE)
    with app.app_context():
        accounts.create_cohort("Echo", trainees=[db.session.merge(trainee)])
    post_form(client, f"/admin/users/{trainee.id}/role", {"role": "instructor"})
    assert query(select(CohortMember.role)) is Role.INSTRUCTOR
    assert trainee_client.get("/learn/").status_code == 302  # logged out: must log in again
    same = post_form(client, f"/admin/users/{trainee.id}/role", {"role": "instructor"})
    assert "already an instructor" in same.get_data(as_text=True)
    post_form(client, f"/admin/users/{trainee.id}/role", {"role": "admin"})
    assert query(select(func.count()).select_from(CohortMember)) == 0


def test_the_log_filters_and_no_route_changes_it(admin, create_user, app, query):
    client, me = admin
    for n in range(3):
        post_form(
            client,
            "/admin/users",
            {
                "email": f"u{n}@example.org",
                "display_name": f"Officer {n}",
                "role": "trainee",
                "password": "a long enough password",
            },
        )
    post_form(client, "/admin/cohorts", {"name": "Foxtrot"})
    html = client.get("/admin/audit?action=cohort.create").get_data(as_text=True)
    assert "Foxtrot" in html and "Officer 1" not in html and "1 entry" in html
    html = client.get("/admin/audit?target=officer%201").get_data(as_text=True)
    assert "Officer 1" in html and "Officer 2" not in html
    mine = client.get(f"/admin/audit?actor={me.display_name}&since=2000-01-01&until=bad")
    assert "4 entries" in mine.get_data(as_text=True)
    assert "0 entries" in client.get("/admin/audit?until=2000-01-01").get_data(as_text=True)
    audit_rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
    assert [sorted(r.methods - {"HEAD", "OPTIONS"}) for r in audit_rules] == [["GET"]]


def test_trainees_and_instructors_cannot_read_the_log(trainee, instructor):
    for client, _ in (trainee, instructor):
        assert client.get("/admin/audit").status_code == 403


def test_content_import_is_recorded(runner, app, query, tmp_path):
    from tests.conftest import FIXTURE_COURSE

    result = runner.invoke(args=["content", "import", str(FIXTURE_COURSE)])
    assert result.exit_code == 0, result.output
    logged = entries(query, by_someone=False)
    assert [e.action for e in logged] == ["content.publish"]
    assert logged[0].actor_name == "command line" and logged[0].after["created"]
    runner.invoke(args=["content", "import", str(FIXTURE_COURSE)])
    assert len(entries(query, by_someone=False)) == 1  # nothing changed, nothing recorded


def test_api_tokens_created_and_revoked_are_recorded(app, create_user, query):
    from course.services import tokens

    user = create_user(Role.INSTRUCTOR)
    with app.app_context():
        owner = db.session.get(User, user.id)
        token, _ = tokens.create(owner, "Dashboard", Role.INSTRUCTOR, 30)
        tokens.revoke(owner, token.id)
        tokens.revoke(owner, token.id)  # again: nothing more to record
    logged = entries(query)
    assert [e.action for e in logged] == ["api-token.create", "api-token.revoke"]
    assert logged[0].after["token"] == "Dashboard" and logged[0].after["role"] == "instructor"
    assert "secret" not in str(logged[0].after)


def test_studio_publishes_are_recorded(instructor, course, query):
    from tests.conftest import FIXTURE_COURSE
    from tests.web.test_studio import EDIT, edit

    client, me = instructor
    module = (FIXTURE_COURSE / "modules" / "basics-one.md").read_text()
    changed = module.replace("An introduction", "A revised introduction")
    assert edit(client, EDIT, changed, "publish", message="Sharper opening.").status_code == 302
    published = [e for e in entries(query) if e.action == "content.publish"]
    assert len(published) == 1 and published[0].actor_id == me.id
    assert published[0].target_id == "browser"
    assert published[0].after["message"] == "Sharper opening."
    assert published[0].after["updated"] == ["modules/basics-one.md"]
