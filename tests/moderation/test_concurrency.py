"""Reporters at the same moment, with real threads and real commits (PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from empower_api.db import db
from empower_api.jobs.models import Job, JobStatus
from empower_api.moderation.models import JobReport, ModerationCase
from tests.factories.accounts import make_survivor
from tests.factories.jobs import make_employer, make_job

pytestmark = pytest.mark.postgres_only
API = "/api/v1"


def test_simultaneous_reporters_hide_the_posting_exactly_once(committing_app, auth_client):
    with committing_app.app_context():
        session = db.session
        job = make_job(session, make_employer(session))
        reporters = [make_survivor(session) for _ in range(5)]
        session.commit()
        job_id = job.id
    clients = [auth_client(user) for user in reporters]
    barrier = threading.Barrier(len(clients))
    statuses: list[Any] = [None] * len(clients)

    def report(index: int) -> None:
        barrier.wait(timeout=10)
        statuses[index] = clients[index].post(f"{API}/jobs/{job_id}/reports",
                                              json={"reason": "unsafe"}).status_code

    threads = [threading.Thread(target=report, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # The row lock orders them: three reports, then the posting is hidden (404).
    assert sorted(statuses) == [201, 201, 201, 404, 404], statuses
    with committing_app.app_context():
        session = db.session
        assert session.get(Job, job_id).status == JobStatus.HIDDEN
        assert session.scalar(select(func.count()).select_from(JobReport)) == 3
        assert session.scalar(select(func.count()).select_from(ModerationCase)) == 1
