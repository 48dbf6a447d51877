"""Retention: the dry run counts and changes nothing; the purge removes only what each
period ran out on, erases inactive anonymous accounts the way DELETE /me does, is
audited with counts only, and never touches money records."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from empower_api.accounts.models import AuthSession, User
from empower_api.audit.models import AuditEvent
from empower_api.audit.service import verify
from empower_api.consents.models import ConsentEvent
from empower_api.consents.service import Purpose, set_consent
from empower_api.db import utcnow
from empower_api.idempotency import IdempotencyRecord
from empower_api.jobs.models import Job, JobStatus, SavedJob
from empower_api.retention import service
from empower_api.retention.registry import rules
from empower_api.savings.models import LedgerEntry, Transaction, TxType
from tests.factories.accounts import make_survivor
from tests.factories.jobs import make_employer, make_job
from tests.factories.savings import make_group, make_meeting, member_of, record

LONG_AGO = timedelta(days=500)


def count(session, model, *where) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)))


def aged_survivor(session, age: timedelta = LONG_AGO, **kw: Any) -> User:
    then = utcnow() - age
    user = make_survivor(session, created_at=then, updated_at=then, **kw)
    session.add(AuthSession(id=uuid.uuid4(), user_id=user.id, refresh_jti="", created_at=then,
                            last_used_at=then, revoked_at=then, revoked_reason="logout"))
    session.flush()
    return user


def run(app, session, *, dry_run: bool):
    with app.test_request_context():
        results = service.run(session, dry_run=dry_run, trigger="test")
    session.commit()
    session.expire_all()
    return {r.name: r.count for r in results}


@pytest.fixture
def world(session):
    """One thing on each side of every period."""
    now = utcnow()
    inactive = aged_survivor(session)
    set_consent(session, user=inactive, purpose=Purpose.RESEARCH_CONTACT, granted=True)
    recent = aged_survivor(session)
    session.add(AuthSession(id=uuid.uuid4(), user_id=recent.id, refresh_jti="",
                            last_used_at=now - timedelta(days=3)))
    identified = aged_survivor(session, email="someone@example.org")
    saver = aged_survivor(session)
    group = make_group(session, saver)
    meeting = make_meeting(session, group, saver)
    record(session, group, saver, meeting=meeting, member=member_of(session, group, saver),
           type=TxType.SHARE_PURCHASE, shares=2)

    employer = make_employer(session)
    old_job = make_job(session, employer, status=JobStatus.CLOSED, closed_at=now - LONG_AGO)
    lapsed_job = make_job(session, employer, published_at=now - LONG_AGO - timedelta(days=60),
                          valid_through=now - LONG_AGO)
    fresh_job = make_job(session, employer, status=JobStatus.CLOSED,
                         closed_at=now - timedelta(days=10))
    draft = make_job(session, employer, status=JobStatus.DRAFT)
    session.add(SavedJob(user_id=recent.id, job_id=old_job.id))
    session.add(SavedJob(user_id=inactive.id, job_id=fresh_job.id))

    for age in (timedelta(days=30), timedelta(hours=1)):
        session.add(IdempotencyRecord(user_id=recent.id, scope="POST /x", key=str(age),
                                      request_hash="h", status=201, body="{}",
                                      content_type="application/json", created_at=now - age))
    # The recent survivor signed out long ago on two devices: both sessions go; the
    # inactive one keeps its only (latest) session as the trace of its last activity.
    session.add(AuthSession(id=uuid.uuid4(), user_id=recent.id, refresh_jti="",
                            last_used_at=now - LONG_AGO, revoked_at=now - LONG_AGO))
    session.commit()
    return {"inactive": inactive, "recent": recent, "identified": identified, "saver": saver,
            "old_job": old_job.id, "lapsed_job": lapsed_job.id, "fresh_job": fresh_job.id,
            "draft": draft.id}


EXPECTED = {"inactive_anonymous_accounts": 1, "expired_postings": 2,
            "idempotency_records": 1, "revoked_sessions": 2,
            # The world holds no application messages or webhook events (tests/wiring).
            "closed_application_messages": 0, "webhook_payloads": 0}


def test_the_dry_run_counts_what_would_go_and_changes_nothing(app, session, world):
    audit_before = count(session, AuditEvent)
    jobs_before = count(session, Job)
    assert run(app, session, dry_run=True) == EXPECTED
    assert count(session, AuditEvent) == audit_before
    assert count(session, Job) == jobs_before
    assert session.get(User, world["inactive"].id).erased_at is None
    assert count(session, IdempotencyRecord) == 2


def test_the_purge_removes_exactly_what_ran_out(app, session, world):
    assert run(app, session, dry_run=False) == EXPECTED
    # A second run finds only the sessions of the account the first one erased.
    assert run(app, session, dry_run=True) == {**dict.fromkeys(EXPECTED, 0),
                                               "revoked_sessions": 1}

    inactive = session.get(User, world["inactive"].id)
    assert inactive.erased_at is not None and inactive.alias.startswith("erased-")
    assert inactive.password_hash is None
    # Every domain's eraser ran: saved jobs and consent history are gone.
    assert count(session, SavedJob, SavedJob.user_id == inactive.id) == 0
    assert count(session, ConsentEvent, ConsentEvent.user_id == inactive.id) == 0
    for kept in ("recent", "identified", "saver"):
        assert session.get(User, world[kept].id).erased_at is None, kept

    assert session.get(Job, world["old_job"]) is None
    assert session.get(Job, world["lapsed_job"]) is None
    assert session.get(Job, world["fresh_job"]) is not None
    assert session.get(Job, world["draft"]) is not None
    assert count(session, SavedJob, SavedJob.job_id == world["old_job"]) == 0

    assert [r.key for r in session.scalars(select(IdempotencyRecord))] == ["1:00:00"]
    # Both of its long-revoked sessions went; the live one stayed.
    live = session.scalars(select(AuthSession).where(AuthSession.user_id == world["recent"].id))
    assert [s.revoked_at for s in live] == [None]
    # Erasing ended the inactive account's sessions; the next run removes them.
    assert count(session, AuthSession, AuthSession.user_id == world["inactive"].id) == 1


def test_an_inactive_saver_is_kept_and_no_ledger_row_is_touched(app, session, world):
    saver = world["saver"]
    ledger = [(e.id, e.amount) for e in session.scalars(select(LedgerEntry).order_by(
        LedgerEntry.id))]
    transactions = count(session, Transaction)
    assert ledger and transactions
    run(app, session, dry_run=False)
    assert session.get(User, saver.id).erased_at is None
    assert session.get(User, saver.id).password_hash is not None
    assert [(e.id, e.amount) for e in session.scalars(select(LedgerEntry).order_by(
        LedgerEntry.id))] == ledger
    assert count(session, Transaction) == transactions


def test_the_purge_is_audited_with_counts_only(app, session, world):
    run(app, session, dry_run=False)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purge"))
    assert event is not None
    assert event.data["counts"] == EXPECTED
    assert event.data["period_days"]["inactive_anonymous_accounts"] == 365
    assert event.data["trigger"] == "test"
    assert event.subject_id is None and event.reason is None
    assert str(world["inactive"].id) not in str(event.data)
    assert verify(session).ok


def test_a_period_of_zero_turns_a_rule_off(app, session, world, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_EXPIRED_POSTINGS_DAYS", 0)
    result = run(app, session, dry_run=False)
    assert result["expired_postings"] == 0
    assert session.get(Job, world["old_job"]) is not None


def test_every_rule_names_a_documented_setting(app):
    from empower_api.config import RETENTION_DEFAULT_DAYS

    names = {rule.name for rule in rules()}
    assert names == set(EXPECTED)
    for rule in rules():
        assert rule.setting in RETENTION_DEFAULT_DAYS
        assert app.config[rule.setting] == RETENTION_DEFAULT_DAYS[rule.setting]


def test_a_saver_who_left_the_group_still_has_money_records(app, session, world):
    from empower_api.savings.models import Membership, MemberStatus

    member = session.scalar(select(Membership).where(Membership.user_id == world["saver"].id))
    member.status, member.left_at = MemberStatus.LEFT, utcnow() - LONG_AGO
    session.commit()
    assert run(app, session, dry_run=True)["inactive_anonymous_accounts"] == 1  # not the saver
    run(app, session, dry_run=False)
    assert session.get(User, world["saver"].id).erased_at is None


def test_domains_plug_in_money_records_and_posting_keepers(app, session, world, monkeypatch):
    from sqlalchemy import literal

    from empower_api.retention import registry

    inactive_id = world["inactive"].id
    # As the grants domain will: this person holds a grant, so the account stays.
    monkeypatch.setitem(registry._money_records, "grants",
                        lambda user_id: literal(inactive_id) == user_id)
    # As the applications domain may: a posting with applications is kept.
    kept_job = world["old_job"]
    monkeypatch.setitem(registry._posting_keepers, "applications",
                        lambda job_id: literal(kept_job) == job_id)
    counts = run(app, session, dry_run=False)
    assert counts["inactive_anonymous_accounts"] == 0
    assert session.get(User, world["recent"].id).erased_at is None
    assert counts["expired_postings"] == 1
    assert session.get(User, inactive_id).erased_at is None
    assert session.get(Job, kept_job) is not None
    assert session.get(Job, world["lapsed_job"]) is None
