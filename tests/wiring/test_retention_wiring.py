"""Retention rules of applications and grants, through the one retention run."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from empower_api.accounts.models import User
from empower_api.db import utcnow
from empower_api.grants.models import StripeEvent
from empower_api.jobs.applications.models import Message
from empower_api.jobs.models import Job, JobStatus
from tests.factories.accounts import make_survivor
from tests.factories.applications import make_application
from tests.factories.grants import make_application as make_grant_application
from tests.factories.grants import make_program
from tests.factories.jobs import make_employer, make_job, owner_of
from tests.retention.test_purge import aged_survivor, run

LONG_AGO = timedelta(days=500)


def _message(session, job, application, body):
    owner = owner_of(session, job.employer)
    session.add(Message(application_id=application.id, sender_id=owner.id,
                        sender_role="employer", body=body))
    session.flush()


def test_messages_of_long_closed_applications_go_and_open_ones_stay(app, session):
    job = make_job(session, make_employer(session))
    closed = make_application(session, job, make_survivor(session), status="declined")
    open_one = make_application(session, job, make_survivor(session))
    recent = make_application(session, job, make_survivor(session), status="withdrawn")
    for application in (closed, open_one, recent):
        _message(session, job, application, "See you Monday")
    then = utcnow() - LONG_AGO
    closed.updated_at = open_one.updated_at = then
    session.commit()
    assert run(app, session, dry_run=True)["closed_application_messages"] == 1
    assert run(app, session, dry_run=False)["closed_application_messages"] == 1
    left = set(session.scalars(select(Message.application_id)))
    assert left == {open_one.id, recent.id}


def test_a_posting_with_an_open_application_outlives_its_period(app, session):
    employer = make_employer(session)
    kept, gone = make_job(session, employer), make_job(session, employer)
    make_application(session, kept, make_survivor(session))
    for job in (kept, gone):
        job.status, job.closed_at = JobStatus.CLOSED, utcnow() - LONG_AGO
    ids = {kept.id, gone.id}
    kept_id = kept.id
    session.commit()
    run(app, session, dry_run=False)
    assert set(session.scalars(select(Job.id).where(Job.id.in_(ids)))) == {kept_id}


def test_old_webhook_events_go(app, session):
    session.add_all([StripeEvent(id="evt_old", type="transfer.created",
                                 received_at=utcnow() - LONG_AGO, payload={"id": "evt_old"}),
                     StripeEvent(id="evt_new", type="transfer.created", payload={})])
    session.commit()
    assert run(app, session, dry_run=False)["webhook_payloads"] == 1
    assert list(session.scalars(select(StripeEvent.id))) == ["evt_new"]


def test_an_inactive_grant_applicant_holds_money_records_and_is_kept(app, session):
    applicant = aged_survivor(session, anonymous=True)
    make_grant_application(session, make_program(session), applicant)
    applicant.updated_at = utcnow() - LONG_AGO
    session.commit()
    run(app, session, dry_run=False)
    kept = session.get(User, applicant.id)
    assert kept.erased_at is None
    assert session.scalar(select(func.count()).select_from(User)
                          .where(User.id == applicant.id)) == 1
