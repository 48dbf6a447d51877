"""Grievances and the private check-in after a payout."""

from __future__ import annotations

from sqlalchemy import select

from empower_api.audit.models import AuditEvent
from tests.conftest import assert_problem
from tests.factories.accounts import make_admin, make_survivor
from tests.factories.grants import make_application, make_payout_account, make_program
from tests.grants.helpers import API, approve


def _paid_award(session, auth_client, deciding_admin, paying_admin):
    survivor = make_survivor(session)
    make_payout_account(session, survivor)
    application = make_application(session, make_program(session), survivor, amount=5_000)
    session.commit()
    assert approve(auth_client(deciding_admin), application.id).status_code == 200
    payer = auth_client(paying_admin)
    pending = payer.get(f"{API}/staff/disbursements?status=pending").get_json()["items"]
    disbursement = next(d for d in pending if d["application_id"] == str(application.id))
    assert payer.post(f"{API}/staff/disbursements/{disbursement['id']}/mark-paid",
                      json={"reference": "cash"}).status_code == 200
    return survivor, application


def test_grievance_is_seen_by_admins_but_never_by_those_who_decided_or_paid(
        session, auth_client, no_stripe):
    decider, payer, neutral = make_admin(session), make_admin(session), make_admin(session)
    survivor, application = _paid_award(session, auth_client, decider, payer)
    me = auth_client(survivor)
    raised = me.post(f"{API}/me/grievances", json={
        "about": "payout", "application_id": str(application.id),
        "details": "Someone at the office asked me for a share."})
    assert raised.status_code == 201, raised.get_json()
    grievance_id = raised.get_json()["id"]
    assert [g["id"] for g in me.get(f"{API}/me/grievances").get_json()["items"]] == [
        grievance_id]
    for involved in (decider, payer):
        listed = auth_client(involved).get(f"{API}/admin/grievances").get_json()["items"]
        assert grievance_id not in [g["id"] for g in listed]
        assert_problem(auth_client(involved).patch(
            f"{API}/admin/grievances/{grievance_id}", json={"status": "resolved"}), 404)
    admin = auth_client(neutral)
    listed = admin.get(f"{API}/admin/grievances").get_json()["items"]
    assert [g["about"] for g in listed if g["id"] == grievance_id] == ["payout"]
    assert "details" not in listed[0]
    url = f"{API}/admin/grievances/{grievance_id}"
    assert_problem(admin.get(url), 428)
    read = admin.get(url, headers={"X-Access-Reason": "Handling the grievance raised"})
    assert read.get_json()["details"] == "Someone at the office asked me for a share."
    assert session.scalar(select(AuditEvent.action).where(
        AuditEvent.subject_id == str(survivor.id))) == "staff.read_user"
    handled = admin.patch(f"{API}/admin/grievances/{grievance_id}",
                          json={"status": "in_review", "note": "Calling the survivor."})
    assert handled.status_code == 200 and handled.get_json()["status"] == "in_review"
    actions = list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_id == grievance_id).order_by(AuditEvent.seq)))
    assert actions == ["grants.grievance.raise", "grants.grievance.handle"]


def test_grievance_about_someone_elses_application_is_404(session, auth_client):
    owner, other = make_survivor(session), make_survivor(session)
    application = make_application(session, make_program(session), owner)
    session.commit()
    assert_problem(auth_client(other).post(f"{API}/me/grievances", json={
        "about": "application", "application_id": str(application.id),
        "details": "x"}), 404)
    assert_problem(auth_client(owner).post(f"{API}/me/grievances", json={
        "about": "money", "application_id": str(application.id), "details": "x"}), 422,
        "about")


def test_check_in_after_payout_and_a_no_raises_a_grievance(session, auth_client, no_stripe):
    survivor, application = _paid_award(session, auth_client, make_admin(session),
                                        make_admin(session))
    me = auth_client(survivor)
    (check_in,) = me.get(f"{API}/me/grant-check-ins").get_json()["items"]
    assert check_in["answered_at"] is None and "arrive in full" in check_in["question"]
    other = auth_client(make_survivor(session))
    session.commit()
    assert other.get(f"{API}/me/grant-check-ins").get_json()["items"] == []
    url = f"{API}/me/grant-check-ins/{check_in['id']}"
    assert_problem(other.post(url, json={"received_in_full": True, "kept_all": True}), 404)
    assert_problem(me.post(url, json={"received_in_full": "yes", "kept_all": True}), 422,
                   "received_in_full")
    answered = me.post(url, json={"received_in_full": True, "kept_all": False})
    assert answered.status_code == 200 and answered.get_json()["kept_all"] is False
    (grievance,) = me.get(f"{API}/me/grievances").get_json()["items"]
    assert (grievance["about"], grievance["source"], grievance["application_id"]) == (
        "payout", "check_in", str(application.id))
    assert_problem(me.post(url, json={"received_in_full": True, "kept_all": True}), 409)


def test_a_yes_yes_check_in_raises_nothing(session, auth_client, no_stripe):
    survivor, _application = _paid_award(session, auth_client, make_admin(session),
                                         make_admin(session))
    me = auth_client(survivor)
    (check_in,) = me.get(f"{API}/me/grant-check-ins").get_json()["items"]
    assert me.post(f"{API}/me/grant-check-ins/{check_in['id']}", json={
        "received_in_full": True, "kept_all": True}).status_code == 200
    assert me.get(f"{API}/me/grievances").get_json()["items"] == []


def test_the_check_in_reaches_the_feed_as_a_neutral_notice(session, auth_client, no_stripe):
    survivor, _application = _paid_award(session, auth_client, make_admin(session),
                                         make_admin(session))
    me = auth_client(survivor)
    (check_in,) = me.get(f"{API}/me/grant-check-ins").get_json()["items"]
    (notice,) = me.get(f"{API}/me/notifications").get_json()["items"]
    assert notice["kind"] == "check_in.new"
    assert notice["subject_id"] == check_in["id"]
    # Neutral words: a watched phone shows nothing about money or a program.
    assert not {"grant", "money", "payout", "program", "paid"} & set(
        notice["text"].lower().split())
