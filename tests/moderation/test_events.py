"""The posting-removed listener registry and its call inside the removal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from empower_api.jobs import events
from empower_api.jobs.models import Job, JobStatus
from empower_api.moderation import service
from empower_api.moderation.models import CaseState, ModerationCase
from tests.conftest import assert_problem
from tests.factories.accounts import make_staff
from tests.factories.jobs import make_employer, make_job
from tests.factories.moderation import hide_by_reports

API = "/api/v1"


@pytest.fixture
def heard():
    calls: list[tuple[object, str]] = []

    def listener(session, job):
        # Inside the removal's transaction: the posting is already removed there.
        calls.append((job.id, session.scalar(select(Job.status).where(Job.id == job.id))))

    events.on_posting_removed(listener)
    events.on_posting_removed(listener)  # registering twice is harmless
    yield calls
    events.remove_listener(listener)


def test_listeners_hear_removals_once_each(session, auth_client, heard):
    employer = make_employer(session)
    removed, restored = make_job(session, employer), make_job(session, employer)
    hide_by_reports(session, removed)
    hide_by_reports(session, restored)
    staff = make_staff(session)
    session.commit()
    client = auth_client(staff)
    client.post(f"{API}/staff/jobs/{restored.id}/moderation", json={"decision": "restore"})
    assert heard == []
    client.post(f"{API}/staff/jobs/{removed.id}/moderation", json={"decision": "remove"})
    assert heard == [(removed.id, JobStatus.REMOVED)]


def test_a_failing_listener_rolls_the_removal_back(session, auth_client):
    job = make_job(session, make_employer(session))
    hide_by_reports(session, job)
    staff = make_staff(session)
    session.commit()

    def broken(_session, _job):
        raise RuntimeError("listener failed")

    events.on_posting_removed(broken)
    try:
        response = auth_client(staff).post(f"{API}/staff/jobs/{job.id}/moderation",
                                           json={"decision": "remove"})
    finally:
        events.remove_listener(broken)
    assert_problem(response, 500)
    session.expire_all()
    assert session.get(Job, job.id).status == JobStatus.HIDDEN
    case = session.scalar(select(ModerationCase).where(ModerationCase.job_id == job.id))
    assert case.state == CaseState.PENDING


def test_service_level_removal_calls_listeners_in_order(session):
    job = make_job(session, make_employer(session))
    hide_by_reports(session, job)
    order: list[str] = []
    first = events.on_posting_removed(lambda _s, _j: order.append("first"))
    second = events.on_posting_removed(lambda _s, _j: order.append("second"))
    try:
        service.decide(session, actor=make_staff(session), job_id=job.id, decision="remove",
                       note=None)
    finally:
        events.remove_listener(first)
        events.remove_listener(second)
    assert order == ["first", "second"]
