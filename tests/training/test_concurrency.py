"""Staff and survivors acting at the same moment, with real threads and commits (PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from empower_api.db import db
from empower_api.training.models import Credential, Enrollment
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.training import make_course, make_enrollment
from tests.savings.test_concurrency import _in_threads

pytestmark = pytest.mark.postgres_only
API = "/api/v1"


def _setup(app: Any) -> dict[str, Any]:
    with app.app_context():
        session = db.session
        survivor, staff = make_survivor(session), make_staff(session)
        other_staff = make_staff(session)
        course = make_course(session, staff=staff)
        enrollment = make_enrollment(session, survivor, course)
        session.commit()
        return {"survivor": survivor, "staff": staff, "other_staff": other_staff,
                "course_id": course.id, "enrollment_id": enrollment.id}


def test_two_staff_completing_at_once_issue_one_credential(committing_app, auth_client):
    setup = _setup(committing_app)
    clients = [auth_client(setup["staff"]), auth_client(setup["other_staff"])]
    url = f"{API}/staff/enrollments/{setup['enrollment_id']}/complete"
    statuses = _in_threads([lambda c=c: c.post(url).status_code for c in clients])
    assert Counter(statuses) == Counter({201: 1, 409: 1})
    with committing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Credential)) == 1


def test_enrolling_twice_at_once_makes_one_active_enrollment(committing_app, auth_client):
    setup = _setup(committing_app)
    with committing_app.app_context():
        other_course = make_course(db.session, staff=db.session.get(
            type(setup["staff"]), setup["staff"].id)).id
        db.session.commit()
    clients = [auth_client(setup["survivor"]) for _ in range(3)]
    url = f"{API}/courses/{other_course}/enrollments"
    statuses = _in_threads([lambda c=c: c.post(url).status_code for c in clients])
    assert Counter(statuses) == Counter({201: 1, 409: 2})
    with committing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
            Enrollment.course_id == other_course)) == 1


def test_concurrent_issuance_never_shares_a_status_index(committing_app, auth_client):
    with committing_app.app_context():
        session = db.session
        staff = make_staff(session)
        course = make_course(session, staff=staff)
        enrollments = [make_enrollment(session, make_survivor(session), course) for _ in range(6)]
        session.commit()
        ids = [e.id for e in enrollments]
    clients = [auth_client(staff) for _ in ids]
    statuses = _in_threads([
        lambda c=c, i=i: c.post(f"{API}/staff/enrollments/{i}/complete").status_code
        for c, i in zip(clients, ids, strict=True)])
    assert statuses == [201] * 6
    with committing_app.app_context():
        indexes = list(db.session.scalars(select(Credential.status_index)))
        assert len(indexes) == len(set(indexes)) == 6
