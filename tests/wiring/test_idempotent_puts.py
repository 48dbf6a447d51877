"""Idempotent PUTs sent several times at once answer the same every time (PostgreSQL)."""

from __future__ import annotations

import pytest

from empower_api.db import db
from tests.factories.accounts import make_survivor
from tests.factories.jobs import make_employer, make_job
from tests.savings.test_concurrency import _in_threads

pytestmark = pytest.mark.postgres_only


def test_simultaneous_saves_and_blocks_all_answer_204(committing_app, auth_client):
    with committing_app.app_context():
        session = db.session
        employer = make_employer(session)
        job = make_job(session, employer)
        survivor = make_survivor(session)
        session.commit()
        job_id, employer_id = job.id, employer.id
    client = auth_client(survivor)
    for url in (f"/api/v1/me/saved-jobs/{job_id}", f"/api/v1/me/blocked-employers/{employer_id}"):
        responses = _in_threads([lambda u=url: client.put(u) for _ in range(6)])
        assert [r.status_code for r in responses] == [204] * 6, url
