"""Hostile input on every route, for every role: ids past 32 and 64 bits, NUL bytes, CR/LF in
query strings, form fields sent as files, arbitrary text. Never a 500."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.models import Role
from tests.conftest import csrf_token, post_form

IDS = ["2147483648", "9223372036854775808", "340282366920938463463374607431768211456", "0"]
WORDS = ["x", "%00", "a%0D%0Ab", "..%2F..%2Fetc"]
QUERY = {"next": "\r\n//evil.example", "page": "99999999999999999999", "q": "a\r\nb", "sort": "'"}
FORM = {
    "step": "first\r\n",
    "choice": "x" * 3000,
    "option": "99999999999999999999",
    "email": "a\r\n@example.org",
    "display_name": "\u202e",
    "source": "---\nid: [",
    "name": "x" * 500,
    "login": "admin'--",
    "password": "p" * 5000,
}


def urls(app) -> list[tuple[str, set[str]]]:  # noqa: ANN001
    """Return every route with hostile values in its path, and its methods."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for value in IDS[:2] + WORDS[:2]:
            path = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m, v=value: _fill(m, v), rule.rule)
            found.append((path, set(rule.methods or ())))
    return sorted(set((p, frozenset(m)) for p, m in found))  # type: ignore[arg-type]


def _fill(match: re.Match, value: str) -> str:
    converter = match.group(1) or "default"
    if converter == "int":
        return value if value.isdigit() else IDS[0]
    return value


@pytest.fixture
def clients(login, app, course):  # noqa: ANN001, ANN201
    return {
        "anonymous": app.test_client(),
        **{role.value: login(role)[0] for role in (Role.TRAINEE, Role.INSTRUCTOR, Role.ADMIN)},
    }


def test_no_route_answers_500_to_hostile_input(app, clients) -> None:  # noqa: ANN001
    failures = []
    for name, client in clients.items():
        token = csrf_token(client, "/login" if name == "anonymous" else "/account/password")
        for path, methods in urls(app):
            responses = [client.get(path, query_string=QUERY)]
            responses.append(client.get(path, query_string={"q": "\x00"}))
            if "POST" in methods:
                responses.append(client.post(path, data={**FORM, "csrf_token": token}))
                as_file = {k: (io.BytesIO(b"\x00\xff"), "f.bin") for k in ("choice", "source")}
                responses.append(
                    client.post(
                        path,
                        data={**as_file, "csrf_token": token},
                        content_type="multipart/form-data",
                    )
                )
                responses.append(client.post(path, data={"step": "\x00", "csrf_token": token}))
            failures += [(name, path, r.status_code) for r in responses if r.status_code >= 500]
    assert failures == []


def test_huge_ids_are_not_found(login) -> None:  # noqa: ANN001
    client, _ = login(Role.ADMIN)
    for value in IDS[:3]:
        assert client.get(f"/admin/users/{value}/active").status_code == 404
    assert client.get("/learn/modules", query_string={"q": "\x00"}).status_code == 400


def test_arbitrary_text_in_an_answer_or_a_password_change(login) -> None:  # noqa: ANN001
    client, _ = login(Role.TRAINEE)

    @settings(max_examples=40, deadline=None)
    @given(st.text(max_size=200), st.text(max_size=50))
    def check(text: str, step: str) -> None:
        for url, data in (
            ("/learn/attempts/1", {"step": step, "choice": text, "option": text}),
            (
                "/account/password",
                {"current_password": text, "new_password": step, "confirm": step},
            ),
        ):
            response = post_form(client, url, data, token_from="/account/password")
            assert response.status_code < 500, (url, text, step)

    check()
