"""Instructors read the progress of the cohorts they instruct, and of no other; admins of all."""

from __future__ import annotations

import pytest

from course.extensions import db
from course.models import CohortMember, Role
from course.services import accounts


@pytest.fixture
def cohorts(app, create_user, course):  # noqa: ANN001, ANN201
    """Two cohorts, each with a trainee; the instructor fixture instructs only the first."""
    mine, theirs = create_user(display_name="Lt Mine"), create_user(display_name="Lt Theirs")
    with app.app_context():
        first = accounts.create_cohort("First", trainees=[db.session.merge(mine)])
        second = accounts.create_cohort("Second", trainees=[db.session.merge(theirs)])
        return first.id, second.id, mine.id, theirs.id


def instruct(app, cohort_id: int, user) -> None:  # noqa: ANN001
    with app.app_context():
        db.session.add(CohortMember(cohort_id=cohort_id, user_id=user.id, role=Role.INSTRUCTOR))
        db.session.commit()


def test_instructor_sees_only_their_cohorts(instructor, cohorts, app):
    client, me = instructor
    first, second, _, _ = cohorts
    assert "not an instructor of any cohort" in client.get("/progress/").get_data(as_text=True)
    instruct(app, first, me)
    index = client.get("/progress/").get_data(as_text=True)
    assert "First" in index and "Second" not in index
    page = client.get(f"/progress/cohorts/{first}").get_data(as_text=True)
    assert "Lt Mine" in page and "Lt Theirs" not in page
    assert "Manage members" not in page
    assert client.get(f"/progress/cohorts/{second}").status_code == 404
    assert client.get(f"/progress/cohorts/{second}/progress.csv").status_code == 404
    csv = client.get(f"/progress/cohorts/{first}/progress.csv").get_data(as_text=True)
    assert "Lt Mine" in csv and "Lt Theirs" not in csv


def test_admin_sees_every_cohort_and_trainees_none(admin, trainee, cohorts):
    client, _ = admin
    first, second, _, _ = cohorts
    index = client.get("/progress/").get_data(as_text=True)
    assert "First" in index and "Second" in index
    assert "Manage members" in client.get(f"/progress/cohorts/{second}").get_data(as_text=True)
    trainee_client, _ = trainee
    for url in (
        "/progress/",
        f"/progress/cohorts/{first}",
        f"/progress/cohorts/{first}/progress.csv",
    ):
        assert trainee_client.get(url).status_code == 403


def test_instructor_cannot_manage_cohorts(instructor, cohorts, app):
    client, me = instructor
    first, *_ = cohorts
    instruct(app, first, me)
    assert client.get(f"/admin/cohorts/{first}").status_code == 403
