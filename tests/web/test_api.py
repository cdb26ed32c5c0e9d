"""The JSON API: tokens stored hashed with an expiry and a role no wider than their owner's;
every endpoint walked with every role and with other users' ids; JSON errors; rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from course.extensions import db
from course.models import ApiToken, Cohort, CohortMember, Role, User
from course.models.types import utcnow
from course.services import ServiceError, accounts, tokens
from tests.conftest import count_queries, csrf_token, post_form
from tests.web.test_learn import play, start
from tests.web.test_xapi_queue import read_module


@pytest.fixture
def token(app):  # noqa: ANN001, ANN201
    """Return a factory: a token for a user (acting as their role unless told), its secret."""

    def make(user: User, role: Role | None = None, days: int = 30) -> str:
        with app.app_context():
            owner = db.session.get(User, user.id)
            return tokens.create(owner, "test", role or owner.role, days)[1]

    return make


def get(client, path: str, secret: str | None = None):  # noqa: ANN001, ANN201
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return client.get(f"/api/v1{path}", headers=headers)


@pytest.fixture
def world(app, create_user, course, token, login):  # noqa: ANN001, ANN201
    """A trainee who has played basics-one, in a cohort with its instructor; an outsider
    trainee and instructor; an administrator. Secrets by name, and the ids."""
    client, trainee = login(Role.TRAINEE)
    read_module(client)
    play(client, start(client))
    outsider = create_user(Role.TRAINEE)
    instructor, stranger, admin = (create_user(r) for r in ("instructor", "instructor", "admin"))
    with app.app_context():
        mine = accounts.create_cohort(
            "Mine",
            trainees=[db.session.get(User, trainee.id)],
            instructors=[db.session.get(User, instructor.id)],
        )
        other = accounts.create_cohort("Other", trainees=[db.session.get(User, outsider.id)])
        ids = {"mine": mine.id, "other": other.id, "trainee": trainee.id, "outsider": outsider.id}
    secrets = {
        "trainee": token(trainee),
        "outsider": token(outsider),
        "instructor": token(instructor),
        "stranger": token(stranger),
        "admin": token(admin),
        "admin-as-instructor": token(admin, Role.INSTRUCTOR),
    }
    return secrets, ids


def test_the_openapi_document_is_3_1_and_lists_every_endpoint(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert set(spec["paths"]) == {
        "/api/v1/me/progress",
        "/api/v1/trainees/{user_id}/progress",
        "/api/v1/catalogue",
        "/api/v1/cohorts",
        "/api/v1/cohorts/{cohort_id}",
        "/api/v1/events",
    }
    assert spec["components"]["securitySchemes"]["token"] == {"type": "http", "scheme": "bearer"}


def test_a_trainee_reads_their_progress_mastery_and_next_step(client, world):
    secrets, ids = world
    body = get(client, "/me/progress", secrets["trainee"]).get_json()
    assert body["trainee"]["id"] == ids["trainee"]
    modules = {m["slug"]: m for m in body["modules"]}
    assert modules["basics-one"]["status"] == "done"
    assert modules["basics-one"]["completed_at"] is not None
    alpha = next(m for m in body["mastery"] if m["competency"] == "alpha")
    assert alpha["mastered"] is True and alpha["mastery"] >= alpha["threshold"]
    assert body["next"]["module"] and body["next"]["reason"]


# Path -> roles whose tokens may call it (ids filled from the world fixture).
ENDPOINTS = {
    "/me/progress": {"trainee", "outsider"},  # each their own
    "/trainees/{trainee}/progress": {"instructor", "admin"},
    "/catalogue": {"instructor", "admin", "stranger", "admin-as-instructor"},
    "/cohorts": {"instructor", "admin", "stranger", "admin-as-instructor"},
    "/cohorts/{mine}": {"instructor", "admin"},
    "/events": {"instructor", "admin", "stranger", "admin-as-instructor"},
}


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_every_endpoint_with_every_token(client, world, path):
    secrets, ids = world
    url = path.format(**ids)
    for name, secret in secrets.items():
        status = get(client, url, secret).status_code
        if name in ENDPOINTS[path]:
            assert status == 200, (name, url, status)
        elif name in ("trainee", "outsider"):
            assert status == 403, (name, url, status)  # a trainee's token reads only its own
        else:
            assert status in (403, 404), (name, url, status)
    assert get(client, url).status_code == 401
    assert get(client, url, "cp_not-a-real-token").status_code == 401


def test_staff_see_only_the_trainees_and_cohorts_they_are_responsible_for(client, world):
    secrets, ids = world
    for url in (f"/trainees/{ids['outsider']}/progress", f"/cohorts/{ids['other']}"):
        assert get(client, url, secrets["instructor"]).status_code == 404
        assert get(client, url, secrets["admin"]).status_code == 200
        assert get(client, url, secrets["admin-as-instructor"]).status_code == 404
    assert get(client, "/trainees/999999/progress", secrets["admin"]).status_code == 404
    cohorts = get(client, "/cohorts", secrets["instructor"]).get_json()["cohorts"]
    assert [c["name"] for c in cohorts] == ["Mine"]
    assert get(client, "/cohorts", secrets["stranger"]).get_json() == {"cohorts": []}
    names = [c["name"] for c in get(client, "/cohorts", secrets["admin"]).get_json()["cohorts"]]
    assert names == ["Mine", "Other"]
    own = get(client, "/events", secrets["instructor"]).get_json()["events"]
    assert own and {e["trainee"] for e in own} == {ids["trainee"]}
    assert get(client, "/events", secrets["stranger"]).get_json()["events"] == []


def test_a_cohort_summary_has_averages_and_a_line_per_trainee(client, world):
    secrets, ids = world
    body = get(client, f"/cohorts/{ids['mine']}", secrets["instructor"]).get_json()
    assert body["cohort"]["trainees"] == 1
    (line,) = body["trainees"]
    assert line["id"] == ids["trainee"] and line["passed"] == 1
    assert {a["competency"] for a in body["averages"]} == {"alpha", "beta"}


def test_events_page_with_a_cursor(client, world):
    secrets, _ = world
    first = get(client, "/events?limit=2", secrets["admin"]).get_json()
    assert len(first["events"]) == 2 and first["next_cursor"] == first["events"][-1]["id"]
    rest = get(client, f"/events?since={first['next_cursor']}&limit=500", secrets["admin"])
    body = rest.get_json()
    assert body["next_cursor"] is None
    assert all(e["id"] > first["next_cursor"] for e in body["events"])
    assert all("engine" not in e["data"] for e in body["events"])
    bad = get(client, "/events?limit=0", secrets["admin"])
    assert bad.status_code == 422 and bad.get_json()["code"] == 422
    assert "limit" in bad.get_json()["errors"]["query"]


def test_errors_are_json(client, world):
    secrets, _ = world
    missing = get(client, "/nothing-here", secrets["admin"])
    assert missing.status_code == 404 and missing.get_json()["status"] == "Not Found"
    refused = client.post(
        "/api/v1/catalogue", headers={"Authorization": f"Bearer {secrets['admin']}"}
    )
    assert refused.status_code == 405 and refused.get_json()["code"] == 405
    anonymous = get(client, "/catalogue")
    assert anonymous.get_json()["code"] == 401
    assert anonymous.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert get(client, "/catalogue", secrets["admin"]).headers["Cache-Control"] == "no-store"


def test_a_session_is_not_a_token(world, admin):
    client, _ = admin
    assert client.get("/api/v1/catalogue").status_code == 401


def test_tokens_are_stored_hashed_and_stop_when_revoked_expired_or_owner_inactive(
    app, client, create_user, token
):
    user = create_user(Role.INSTRUCTOR)
    secret = token(user)
    assert get(client, "/catalogue", secret).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.token_hash == tokens.digest(secret) and secret not in str(vars(row))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert get(client, "/catalogue", secret).status_code == 401
    with app.app_context():
        owner = db.session.get(User, user.id)
        tokens.revoke(owner, tokens.owned(owner)[0].id)
        fresh = tokens.create(owner, "again", Role.INSTRUCTOR, 7)[1]
    assert get(client, "/catalogue", fresh).status_code == 200
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert get(client, "/catalogue", fresh).status_code == 401


def test_a_token_is_never_wider_than_its_owner(app, create_user):
    trainee, instructor = create_user(Role.TRAINEE), create_user(Role.INSTRUCTOR)
    with app.app_context():
        for user, role in (
            (trainee, Role.ADMIN),
            (trainee, Role.INSTRUCTOR),
            (instructor, Role.ADMIN),
        ):
            with pytest.raises(ServiceError, match="wider than your own"):
                tokens.create(db.session.get(User, user.id), "x", role, 30)
        with pytest.raises(ServiceError, match="days"):
            tokens.create(db.session.get(User, instructor.id), "x", Role.INSTRUCTOR, 10_000)


def test_a_demoted_owner_s_admin_token_stops(app, client, create_user, token):
    admin = create_user(Role.ADMIN)
    secret = token(admin)
    assert get(client, "/catalogue", secret).status_code == 200
    with app.app_context():
        db.session.get(User, admin.id).role = Role.INSTRUCTOR
        db.session.commit()
    assert get(client, "/catalogue", secret).status_code == 401


def test_tokens_are_created_shown_once_and_revoked_in_the_ui(instructor, trainee, app):
    client, user = instructor
    page = post_form(
        client, "/account/tokens", {"name": "Dashboard", "role": "instructor", "days": "30"}
    )
    html = page.get_data(as_text=True)
    secret = html.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("cp_") and get(client, "/catalogue", secret).status_code == 200
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "Dashboard" in listing and secret not in listing and secret[:10] in listing
    wider = post_form(client, "/account/tokens", {"name": "x", "role": "admin", "days": "30"})
    assert "Not a valid choice" in wider.get_data(as_text=True)
    with app.app_context():
        token_id = tokens.owned(db.session.get(User, user.id))[0].id
    other, _ = trainee
    response = other.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(other, "/account/tokens")},
    )
    assert response.status_code == 404  # someone else's token
    assert get(client, "/catalogue", secret).status_code == 200
    post_form(client, f"/account/tokens/{token_id}/revoke", token_from="/account/tokens")
    assert get(client, "/catalogue", secret).status_code == 401
    assert "Revoked" in client.get("/account/tokens").get_data(as_text=True)


def test_requests_are_rate_limited_per_token(app, client, create_user, token, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATELIMIT", "3 per minute")
    secret = token(create_user(Role.INSTRUCTOR))
    responses = [get(client, "/catalogue", secret) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers.get("X-RateLimit-Remaining") for r in responses[:3]] == ["2", "1", "0"]
    assert get(client, "/catalogue", secret).get_json()["code"] == 429
    assert get(client, "/catalogue", token(create_user(Role.INSTRUCTOR))).status_code == 200


def test_staff_endpoints_cost_the_same_queries_for_one_trainee_or_many(app, client, world, login):
    secrets, ids = world
    paths = ("/cohorts", f"/cohorts/{ids['mine']}", "/events?limit=500", "/catalogue")
    before = {p: queries(app, lambda p=p: get(client, p, secrets["admin"])) for p in paths}
    for _ in range(3):  # three more trainees in the cohort, each with a module read
        other, user = login(Role.TRAINEE)
        read_module(other)
        with app.app_context():
            cohort = db.session.get(Cohort, ids["mine"])
            cohort.members.append(CohortMember(user_id=user.id, role=Role.TRAINEE))
            db.session.commit()
    after = {p: queries(app, lambda p=p: get(client, p, secrets["admin"])) for p in paths}
    assert after == before


def queries(app, call) -> int:  # noqa: ANN001
    """Count the statements of a request that must succeed."""
    return count_queries(app, lambda: _ok(call()))


def _ok(response) -> None:  # noqa: ANN001
    assert response.status_code == 200
