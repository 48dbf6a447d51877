"""Survivor feedback on employers: once, after hired or declined; staff aggregates; review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from empower_api.audit.models import AuditEvent
from empower_api.db import utcnow
from empower_api.jobs.applications.feedback import RATED_COMMITMENTS
from empower_api.jobs.applications.models import Feedback
from empower_api.jobs.models import VettingStatus
from tests.conftest import assert_problem
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.applications import make_application
from tests.factories.jobs import make_employer, make_job, owner_of

API = "/api/v1"


def _kept(count: int) -> dict[str, bool]:
    return {name: index < count for index, name in enumerate(RATED_COMMITMENTS)}


def _rated_employer(session, ratings: int, kept: int, status: str = "hired"):
    employer = make_employer(session)
    job = make_job(session, employer)
    applications = []
    for _ in range(ratings):
        survivor = make_survivor(session)
        applications.append((make_application(session, job, survivor, status=status), survivor))
    session.commit()
    return employer, applications


def _rate(auth_client, application, survivor, kept: int, comment=None):
    body = {"commitments_kept": _kept(kept)}
    if comment:
        body["comment"] = comment
    return auth_client(survivor).post(f"{API}/applications/{application.id}/feedback", json=body)


@pytest.mark.parametrize("status", ["hired", "declined"])
def test_the_applicant_rates_once_after_hired_or_declined(session, auth_client, status):
    _employer, [(application, survivor)] = _rated_employer(session, 1, 7, status)
    response = _rate(auth_client, application, survivor, 7, comment="Kind managers.")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["commitments_kept"] == _kept(7)
    body = assert_problem(_rate(auth_client, application, survivor, 3), 409)
    assert body["code"] == "feedback_given"


@pytest.mark.parametrize("status", ["submitted", "interview", "offered", "withdrawn"])
def test_feedback_is_closed_before_hired_or_declined(session, auth_client, status):
    _employer, [(application, survivor)] = _rated_employer(session, 1, 7, status)
    body = assert_problem(_rate(auth_client, application, survivor, 7), 409)
    assert body["code"] == "feedback_not_open"


def test_every_commitment_must_be_rated(session, auth_client):
    _employer, [(application, survivor)] = _rated_employer(session, 1, 7)
    response = auth_client(survivor).post(f"{API}/applications/{application.id}/feedback",
                                          json={"commitments_kept": {"pay_transparency": True}})
    assert_problem(response, 422, "commitments_kept.flexible_scheduling")


def test_only_the_applicant_rates(session, auth_client):
    employer, [(application, _survivor)] = _rated_employer(session, 1, 7)
    other = make_survivor(session)
    session.commit()
    assert_problem(_rate(auth_client, application, other, 7), 404)
    response = auth_client(owner_of(session, employer)).post(
        f"{API}/applications/{application.id}/feedback", json={"commitments_kept": _kept(7)})
    assert_problem(response, 403)


def test_staff_see_aggregates_only_from_five_ratings(session, auth_client):
    employer, applications = _rated_employer(session, 5, 7)
    staff = make_staff(session)
    session.commit()
    url = f"{API}/staff/employers/{employer.id}/feedback"
    for application, survivor in applications[:4]:
        _rate(auth_client, application, survivor, 6)
    few = auth_client(staff).get(url).get_json()
    assert few["ratings"] is None and few["recent_kept_bp"] is None
    assert set(few["commitments_kept_bp"].values()) == {None}
    application, survivor = applications[4]
    _rate(auth_client, application, survivor, 6)
    enough = auth_client(staff).get(url).get_json()
    assert enough["ratings"] == 5
    assert enough["commitments_kept_bp"]["flexible_scheduling"] == 10_000
    assert enough["commitments_kept_bp"]["language_support"] == 0
    assert enough["recent_kept_bp"] == 6 * 10_000 // 7
    assert "Kind" not in auth_client(staff).get(url).get_data(as_text=True)


def test_the_employer_never_sees_feedback(session, auth_client):
    employer, [(application, survivor)] = _rated_employer(session, 1, 7)
    _rate(auth_client, application, survivor, 2, comment="They shouted at me.")
    seen = auth_client(owner_of(session, employer)).get(
        f"{API}/applications/{application.id}").get_data(as_text=True)
    assert "shouted" not in seen and "commitments_kept" not in seen


def test_a_sustained_low_score_sends_the_employer_back_to_vetting_review(session, auth_client):
    employer, applications = _rated_employer(session, 5, 7)
    for application, survivor in applications[:4]:
        assert _rate(auth_client, application, survivor, 2).status_code == 201
    session.expire_all()
    assert session.get(type(employer), employer.id).vetting_status == VettingStatus.VETTED
    application, survivor = applications[4]
    _rate(auth_client, application, survivor, 3)
    session.expire_all()
    reviewed = session.get(type(employer), employer.id)
    assert reviewed.vetting_status == VettingStatus.PENDING
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "jobs.employer.vetting.feedback_review"))
    assert event.subject_id == str(employer.id) and event.data["ratings"] == 5


def test_a_good_score_or_old_ratings_change_nothing(session, auth_client):
    employer, applications = _rated_employer(session, 6, 7)
    for application, survivor in applications[:5]:
        _rate(auth_client, application, survivor, 1)
    session.expire_all()
    # Move those low ratings out of the 180-day window, then one more arrives.
    for feedback in session.scalars(select(Feedback)):
        feedback.created_at = feedback.created_at - timedelta(days=181)
    employer_row = session.get(type(employer), employer.id)
    employer_row.vetting_status = VettingStatus.VETTED
    employer_row.vetted_until = utcnow() + timedelta(days=300)
    session.commit()
    application, survivor = applications[5]
    _rate(auth_client, application, survivor, 1)
    session.expire_all()
    assert session.get(type(employer), employer.id).vetting_status == VettingStatus.VETTED
