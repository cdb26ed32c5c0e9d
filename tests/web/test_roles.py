"""Walk the URL map: no route answers a role outside its audience."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from course.models import Role
from course.web import AUDIENCES
from tests.conftest import csrf_token

ALL = frozenset(Role)
# Who each blueprint is for. Changing an audience means changing this table on purpose.
EXPECTED = {
    "auth": ALL,
    "home": ALL,
    "learn": frozenset({Role.TRAINEE}),
    "author": frozenset({Role.INSTRUCTOR, Role.ADMIN}),
    "studio": frozenset({Role.INSTRUCTOR, Role.ADMIN}),
    "admin": frozenset({Role.ADMIN}),
    "progress": frozenset({Role.INSTRUCTOR, Role.ADMIN}),
    "api": frozenset(),  # no session reaches the JSON API: tokens only (tests/web/test_api.py)
    "api-docs": frozenset(),
}
PUBLIC = {"auth.login", "auth.set_password", "static", "api-docs.openapi_json"}


def sample_url(app, rule: Rule) -> str:
    """Build a rule's URL with sample values for its arguments."""
    values = {
        arg: 1 if isinstance(conv, NumberConverter) else "x"
        for arg, conv in rule._converters.items()
    }
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=None)


def routes(app):  # noqa: ANN201
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_blueprint_declares_the_expected_audience(app):
    assert set(app.blueprints) == set(EXPECTED)
    assert {name: AUDIENCES[name] for name in app.blueprints} == EXPECTED


def test_public_views_are_only_login_and_set_password(app):
    public = {
        r.endpoint
        for r, _ in routes(app)
        if getattr(app.view_functions[r.endpoint], "is_public", False)
    }
    assert public | {"static"} == PUBLIC


def test_anonymous_reaches_only_public_routes(app, client):
    token = csrf_token(client)
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC:
            continue
        response = client.open(sample_url(app, rule), method=method, data={"csrf_token": token})
        if rule.endpoint.startswith("api."):
            assert response.status_code == 401, (rule.rule, method, response.status_code)
            continue
        assert response.status_code == 302, (rule.rule, method, response.status_code)
        assert response.headers["Location"].startswith("/login"), rule.rule


@pytest.mark.parametrize("role", list(Role))
def test_wrong_role_is_refused_everywhere(app, login, role):
    client, _ = login(role)
    token = csrf_token(client, "/account/password")
    checked = 0
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC or rule.endpoint == "auth.logout":  # logout would end the walk
            continue
        allowed = role in EXPECTED[rule.endpoint.split(".")[0]]
        response = client.open(sample_url(app, rule), method=method, data={"csrf_token": token})
        if rule.endpoint.startswith("api."):  # a session is no token
            assert response.status_code == 401, (rule.rule, method, role)
            continue
        if allowed:
            assert response.status_code != 403, (rule.rule, method)
        else:
            assert response.status_code == 403, (rule.rule, method, role)
            checked += 1
    assert checked or role is Role.ADMIN
