"""Reports, hiding after three distinct reporters, the staff queue and decisions."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import select

from empower_api import create_app
from empower_api.audit.models import AuditEvent
from empower_api.db import utcnow
from empower_api.extensions import limiter
from empower_api.jobs.models import Job, JobStatus, VettingStatus
from empower_api.moderation.models import CaseState, JobReport, ModerationCase
from empower_api.tasks import init_celery
from tests.conftest import ApiClient, assert_problem, make_config
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.jobs import make_employer, make_job, owner_of
from tests.factories.moderation import hide_by_reports
from tests.sqlcount import counted

API = "/api/v1"


def report(client, job_id, reason="unsafe", details="Asked me to pay for a uniform."):
    return client.post(f"{API}/jobs/{job_id}/reports", json={"reason": reason,
                                                            "details": details})


def test_a_report_is_filed_once_per_user(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    response = report(client, job.id)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["job_id"] == str(job.id) and body["reason"] == "unsafe"
    assert body["details"] == "Asked me to pay for a uniform."
    assert body["created_at"].endswith("Z")
    assert_problem(report(client, job.id, reason="other"), 409)
    assert session.scalar(select(JobReport.reason).where(JobReport.job_id == job.id)) == "unsafe"


def test_report_input_is_checked(session, auth_client):
    job = make_job(session, make_employer(session))
    session.commit()
    client = auth_client(make_survivor(session))
    assert_problem(report(client, job.id, reason="boring"), 422, field="reason")
    assert_problem(report(client, job.id, details="x" * 2001), 422, field="details")
    assert_problem(client.post(f"{API}/jobs/{job.id}/reports", json={"reason": "other",
                                                                     "extra": 1}), 422)
    assert report(client, job.id, details=None).status_code == 201


def test_only_public_postings_can_be_reported(session, auth_client):
    employer = make_employer(session)
    draft = make_job(session, employer, status=JobStatus.DRAFT)
    session.commit()
    client = auth_client(make_survivor(session))
    assert_problem(report(client, draft.id), 404)
    assert_problem(report(client, uuid.uuid4()), 404)


def test_three_distinct_reporters_hide_the_posting_everywhere(session, client, auth_client):
    employer = make_employer(session)
    job = make_job(session, employer, title="Zebra keeper")
    reporters = [make_survivor(session) for _ in range(3)]
    saver = make_survivor(session)
    session.commit()
    saved = auth_client(saver).post(f"{API}/me/saved-searches", json={
        "name": "z", "query": {"q": "zebra"}}).get_json()
    # Two reports (and a repeat by the same person) leave it public.
    assert report(auth_client(reporters[0]), job.id).status_code == 201
    assert report(auth_client(reporters[0]), job.id).status_code == 409
    assert report(auth_client(reporters[1]), job.id).status_code == 201
    assert [i["id"] for i in client.get(f"{API}/jobs?q=zebra").get_json()["items"]] == [
        str(job.id)]
    assert report(auth_client(reporters[2]), job.id).status_code == 201
    # Hidden: not in search (both sorts), not readable in public, no JSON-LD, no match.
    for sort in ("relevance", "newest", "pay"):
        assert client.get(f"{API}/jobs?q=zebra&sort={sort}").get_json()["items"] == []
    assert client.get(f"{API}/jobs").get_json()["items"] == []
    assert_problem(client.get(f"{API}/jobs/{job.id}"), 404)
    assert_problem(client.get(f"{API}/jobs/{job.id}/jsonld"), 404)
    assert_problem(auth_client(saver).get(f"{API}/jobs/{job.id}"), 404)
    session.expire_all()
    assert auth_client(saver).get(
        f"{API}/me/saved-searches/{saved['id']}/matches").get_json()["items"] == []
    # The employer's members still see it, marked hidden, and cannot edit or close it.
    member = auth_client(owner_of(session, employer))
    assert member.get(f"{API}/jobs/{job.id}").get_json()["status"] == "hidden"
    assert_problem(member.patch(f"{API}/jobs/{job.id}", json={"status": "published"}), 409)
    assert_problem(member.post(f"{API}/jobs/{job.id}/close"), 409)
    # A fourth reporter cannot see it any more.
    assert_problem(report(auth_client(make_survivor(session)), job.id), 404)
    cases = session.scalars(select(ModerationCase).where(ModerationCase.job_id == job.id)).all()
    assert [(c.trigger, c.state) for c in cases] == [("reports", "pending")]


def test_staff_queue_lists_hidden_postings_with_anonymous_reports(session, auth_client):
    employer = make_employer(session)
    job = make_job(session, employer, title="Night packer")
    hide_by_reports(session, job)
    make_job(session, employer)  # public, not in the queue
    staff = make_staff(session)
    session.commit()
    body = auth_client(staff).get(f"{API}/staff/moderation").get_json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item["job"]["id"] == str(job.id) and item["job"]["title"] == "Night packer"
    assert item["job"]["status"] == "hidden" and item["trigger"] == "reports"
    assert item["state"] == "pending" and item["signals"] == []
    assert sorted(r["reason"] for r in item["reports"]) == [
        "exploitative", "misleading", "unsafe"]
    assert {r["details"] for r in item["reports"]} == {
        "Looks unsafe.", "Looks misleading.", "Looks exploitative."}
    assert all(set(r) == {"reason", "details", "created_at"} for r in item["reports"])


def test_queue_pages_take_the_same_few_statements_for_20_and_100(app, session, auth_client):
    employer = make_employer(session)
    for _ in range(110):
        hide_by_reports(session, make_job(session, employer), reasons=("unsafe",) * 3)
    staff = make_staff(session)
    session.commit()
    client = auth_client(staff)
    with counted(app) as statements:
        counts = {}
        for limit in (20, 100):
            statements.clear()
            body = client.get(f"{API}/staff/moderation?limit={limit}").get_json()
            assert len(body["items"]) == limit and body["next_cursor"]
            assert all(len(item["reports"]) == 3 for item in body["items"])
            counts[limit] = len(statements)
    assert counts[20] == counts[100] <= 5, counts
    rest = client.get(f"{API}/staff/moderation?limit=100&cursor={body['next_cursor']}")
    assert len(rest.get_json()["items"]) == 10


def test_restore_publishes_again_and_resets_the_count(session, client, auth_client):
    employer = make_employer(session)
    job = make_job(session, employer, title="Yak herder")
    hide_by_reports(session, job)
    staff = make_staff(session)
    session.commit()
    response = auth_client(staff).post(f"{API}/staff/jobs/{job.id}/moderation",
                                       json={"decision": "restore", "note": "Checked: fine."})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "restored" and body["job"]["status"] == "published"
    assert body["decided_at"].endswith("Z") and body["note"] == "Checked: fine."
    assert [i["id"] for i in client.get(f"{API}/jobs?q=yak").get_json()["items"]] == [
        str(job.id)]
    assert auth_client(staff).get(f"{API}/staff/moderation").get_json()["items"] == []
    # Decided once: a second decision finds nothing pending.
    assert_problem(auth_client(staff).post(f"{API}/staff/jobs/{job.id}/moderation",
                                           json={"decision": "remove"}), 409)
    # Reviewed reports no longer count: two new reporters do not hide it again.
    for _ in range(2):
        assert report(auth_client(make_survivor(session)), job.id).status_code == 201
    assert client.get(f"{API}/jobs/{job.id}").status_code == 200
    assert report(auth_client(make_survivor(session)), job.id).status_code == 201
    assert_problem(client.get(f"{API}/jobs/{job.id}"), 404)


def test_remove_is_final_and_audited_without_personal_data(session, client, auth_client):
    employer = make_employer(session)
    job = make_job(session, employer)
    hide_by_reports(session, job)
    staff = make_staff(session)
    session.commit()
    response = auth_client(staff).post(f"{API}/staff/jobs/{job.id}/moderation", json={
        "decision": "remove", "note": "Asks for a deposit."})
    assert response.status_code == 200
    assert response.get_json()["state"] == "removed"
    assert response.get_json()["job"]["status"] == "removed"
    assert_problem(client.get(f"{API}/jobs/{job.id}"), 404)
    member = auth_client(owner_of(session, employer))
    assert member.get(f"{API}/jobs/{job.id}").get_json()["status"] == "removed"
    assert_problem(member.patch(f"{API}/jobs/{job.id}", json={"title": "Again"}), 409)
    session.expire_all()
    actions = [e.action for e in session.scalars(
        select(AuditEvent).where(AuditEvent.subject_id == str(job.id))
        .order_by(AuditEvent.seq))]
    assert actions == ["jobs.posting.reported"] * 3 + [
        "jobs.posting.hidden", "jobs.posting.moderation.remove"]
    logged = str([(e.data, e.reason) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.subject_id == str(job.id)))])
    assert "Looks unsafe" not in logged and "deposit" not in logged


def test_decisions_need_a_known_posting_and_a_valid_decision(session, auth_client):
    job = make_job(session, make_employer(session))
    staff = make_staff(session)
    session.commit()
    client = auth_client(staff)
    assert_problem(client.post(f"{API}/staff/jobs/{uuid.uuid4()}/moderation",
                               json={"decision": "remove"}), 404)
    assert_problem(client.post(f"{API}/staff/jobs/{job.id}/moderation",
                               json={"decision": "remove"}), 409)
    assert_problem(client.post(f"{API}/staff/jobs/{job.id}/moderation",
                               json={"decision": "delete"}), 422, field="decision")


def _remove(session, staff, job, *, days_ago=0):
    from empower_api.moderation import service

    hide_by_reports(session, job)
    service.decide(session, actor=staff, job_id=job.id, decision="remove", note=None)
    if days_ago:
        case = session.scalar(select(ModerationCase).where(ModerationCase.job_id == job.id))
        case.decided_at = utcnow() - timedelta(days=days_ago)
        session.flush()


def test_second_removal_within_90_days_suspends_the_employer(session, client, auth_client):
    employer = make_employer(session)
    other = make_job(session, employer, title="Untouched posting")
    staff = make_staff(session)
    _remove(session, staff, make_job(session, employer))
    session.expire_all()
    assert session.get(type(employer), employer.id).vetting_status == VettingStatus.VETTED
    _remove(session, staff, make_job(session, employer))
    session.commit()
    session.expire_all()
    assert session.get(type(employer), employer.id).vetting_status == VettingStatus.SUSPENDED
    # Suspension hides every posting, and the employer waits in the vetting queue.
    assert_problem(client.get(f"{API}/jobs/{other.id}"), 404)
    queue = auth_client(staff).get(f"{API}/staff/employers?status=suspended").get_json()
    assert [e["id"] for e in queue["items"]] == [str(employer.id)]
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "jobs.employer.vetting.auto_suspend"))
    assert event.subject_id == str(employer.id) and event.data["removed_postings"] == 2


def test_removals_further_apart_than_90_days_do_not_suspend(session):
    employer = make_employer(session)
    staff = make_staff(session)
    _remove(session, staff, make_job(session, employer), days_ago=91)
    _remove(session, staff, make_job(session, employer))
    session.expire_all()
    assert session.get(type(employer), employer.id).vetting_status == VettingStatus.VETTED


def test_restores_do_not_count_towards_suspension(session):
    from empower_api.moderation import service

    employer = make_employer(session)
    staff = make_staff(session)
    _remove(session, staff, make_job(session, employer))
    restored = make_job(session, employer)
    hide_by_reports(session, restored)
    service.decide(session, actor=staff, job_id=restored.id, decision="restore", note=None)
    session.expire_all()
    assert session.get(type(employer), employer.id).vetting_status == VettingStatus.VETTED
    assert session.get(Job, restored.id).status == JobStatus.PUBLISHED


def test_export_and_erasure_of_reports(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    assert report(client, job.id, details="Wanted my passport.").status_code == 201
    export = client.get(f"{API}/me/export").get_json()
    [exported] = export["job_reports"]["reports"]
    assert exported["job_id"] == str(job.id) and exported["details"] == "Wanted my passport."
    assert exported["created_at"].endswith("Z")
    assert client.delete(f"{API}/me", json={"password": "correct-horse-battery"}).status_code \
        == 204
    session.expire_all()
    kept = session.scalar(select(JobReport).where(JobReport.job_id == job.id))
    assert kept.reporter_id is None and kept.details is None and kept.reason == "unsafe"


def test_staff_decision_is_exported_and_forgotten_on_erasure(session, auth_client):
    from empower_api.accounts import service as accounts

    job = make_job(session, make_employer(session))
    hide_by_reports(session, job)
    staff = make_staff(session)
    session.commit()
    auth_client(staff).post(f"{API}/staff/jobs/{job.id}/moderation",
                            json={"decision": "restore", "note": "ok"})
    session.expire_all()
    exported = accounts.export(session, user=session.get(type(staff), staff.id))
    assert [d["job_id"] for d in exported["job_reports"]["moderation_decisions"]] == [
        str(job.id)]
    from empower_api.moderation.service import erase_user

    erase_user(session, session.get(type(staff), staff.id))
    case = session.scalar(select(ModerationCase).where(ModerationCase.job_id == job.id))
    assert case.decided_by_id is None and case.state == CaseState.RESTORED


@pytest.fixture
def limited_client(app, database_url):
    was_enabled = limiter.enabled
    limited = create_app(make_config(DATABASE_URL=database_url, RATELIMIT_ENABLED=True,
                                     RATELIMIT_REPORTS="2/hour"))
    limited.test_client_class = ApiClient
    yield limited
    limiter.enabled = was_enabled
    init_celery(app)


def test_reports_are_rate_limited_per_user(limited_client):
    # Tokens of users the database does not know: the view answers 401, but the
    # limiter counts before the view, per token subject.
    with limited_client.app_context():
        first, second = (create_access_token(identity=str(uuid.uuid4())) for _ in range(2))
    same_ip = {"REMOTE_ADDR": "10.2.2.2"}

    def post(token):
        client = limited_client.test_client()
        client.token = token
        return client.post(f"{API}/jobs/{uuid.uuid4()}/reports", json={"reason": "other"},
                           environ_base=same_ip).status_code

    assert [post(first) for _ in range(3)] == [401, 401, 429]
    assert post(second) == 401  # another user from the same address: a budget of its own
    assert [post(None) for _ in range(3)] == [401, 401, 429]  # no token: per address
