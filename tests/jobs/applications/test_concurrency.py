"""Applications submitted or moved at the same moment (real threads, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from empower_api.db import db
from empower_api.jobs.applications.models import Application
from tests.factories.accounts import make_survivor
from tests.factories.applications import apply_payload, make_application
from tests.factories.jobs import make_employer, make_job, owner_of
from tests.savings.test_concurrency import _in_threads

pytestmark = pytest.mark.postgres_only
API = "/api/v1"


@pytest.mark.parametrize("round_", range(3))
def test_one_survivor_applying_twice_at_once_gets_one_application(committing_app,
                                                                  auth_client, round_):
    with committing_app.app_context():
        job = make_job(db.session, make_employer(db.session))
        survivor = make_survivor(db.session)
        db.session.commit()
        job_id = job.id
    clients = [auth_client(survivor), auth_client(survivor)]
    responses = _in_threads([
        lambda c=c: c.post(f"{API}/jobs/{job_id}/applications", json=apply_payload())
        for c in clients])
    assert sorted(r.status_code for r in responses) == [201, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.get_json()["code"] in {"already_applied", "conflict"}
    with committing_app.app_context():
        assert db.session.scalar(select(func.count(Application.id))
                                 .where(Application.job_id == job_id)) == 1


def test_two_members_opening_at_once_record_one_viewed(committing_app, auth_client):
    with committing_app.app_context():
        session = db.session
        job = make_job(session, make_employer(session))
        application = make_application(session, job, make_survivor(session))
        owner = owner_of(session, job.employer)
        session.commit()
        application_id = application.id
    clients = [auth_client(owner), auth_client(owner)]
    responses = _in_threads([
        lambda c=c: c.get(f"{API}/applications/{application_id}") for c in clients])
    assert [r.status_code for r in responses] == [200, 200]
    with committing_app.app_context():
        history = db.session.get(Application, application_id).history
        assert [h["status"] for h in history] == ["submitted", "viewed"]
