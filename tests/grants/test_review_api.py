"""Review: two-person approval, linked staff, budget, caps, duplicates, audit."""

from __future__ import annotations

from sqlalchemy import select

from empower_api.audit.models import AuditEvent
from empower_api.grants.models import Disbursement
from tests.conftest import assert_problem
from tests.factories.accounts import make_admin, make_staff, make_survivor
from tests.factories.grants import make_application, make_payout_account, make_program

API = "/api/v1"


def decide(client, application_id, decision="approve", **body):
    return client.post(f"{API}/staff/grant-applications/{application_id}/decision",
                       json={"decision": decision, "note": "Reviewed the plan.", **body})


def _actions(session, application_id):
    return [e.action for e in session.scalars(select(AuditEvent).where(
        AuditEvent.subject_id == str(application_id)).order_by(AuditEvent.seq))]


def test_small_award_is_approved_by_one_and_writes_its_disbursement(session, auth_client):
    program = make_program(session)
    survivor = make_survivor(session)
    application = make_application(session, program, survivor, amount=5_000)
    staff = make_staff(session)
    session.commit()
    assert_problem(decide(auth_client(staff), application.id, approved_amount=5_001), 422,
                   "approved_amount")
    response = decide(auth_client(staff), application.id, approved_amount=4_000)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "approved"
    assert response.get_json()["approved_amount"] == 4_000
    disbursement = session.scalar(select(Disbursement).where(
        Disbursement.application_id == application.id))
    assert (disbursement.amount, disbursement.method, disbursement.status) == (
        4_000, "manual", "pending")
    mine = auth_client(survivor).get(f"{API}/me/grant-applications").get_json()["items"][0]
    assert mine["status"] == "approved" and mine["decision_reason"] == "Reviewed the plan."
    assert _actions(session, application.id) == ["grants.application.approve"]


def test_award_at_threshold_needs_a_second_different_approver(session, auth_client):
    program = make_program(session)  # threshold 20 000
    application = make_application(session, program, make_survivor(session), amount=20_000)
    first, second = make_staff(session), make_admin(session)
    session.commit()
    one = auth_client(first)
    response = decide(one, application.id)
    assert response.get_json()["status"] == "awaiting_second_approval"
    assert session.scalar(select(Disbursement).where(
        Disbursement.application_id == application.id)) is None
    again = assert_problem(decide(one, application.id), 409)
    assert again["code"] == "same_approver"
    assert decide(auth_client(second), application.id).get_json()["status"] == "approved"
    assert _actions(session, application.id) == [
        "grants.application.first_approval", "grants.application.approve"]
    assert_problem(decide(auth_client(make_staff(session)), application.id), 409)


def test_a_rejection_by_the_second_reviewer_ends_it(session, auth_client):
    program = make_program(session)
    survivor = make_survivor(session)
    application = make_application(session, program, survivor, amount=25_000)
    first, second = make_staff(session), make_staff(session)
    session.commit()
    decide(auth_client(first), application.id)
    rejected = decide(auth_client(second), application.id, "reject", note="Budget is for tools.")
    assert rejected.get_json()["status"] == "rejected"
    mine = auth_client(survivor).get(f"{API}/me/grant-applications").get_json()["items"][0]
    assert mine["decision_reason"] == "Budget is for tools."
    assert_problem(decide(auth_client(first), application.id), 409)


def test_staff_linked_to_a_case_may_not_decide_it(session, auth_client):
    program = make_program(session)
    survivor, other = make_survivor(session), make_survivor(session)
    caseworker, helper = make_staff(session), make_staff(session)
    session.commit()
    linked = auth_client(caseworker).post(f"{API}/staff/caseloads", json={
        "staff_email": caseworker.email.upper(), "user_id": str(survivor.id)})
    assert linked.status_code == 201, linked.get_json()
    application = make_application(session, program, survivor)
    session.commit()
    problem = assert_problem(decide(auth_client(caseworker), application.id), 403)
    assert problem["code"] == "linked_to_case"
    on_behalf = auth_client(helper).post(f"{API}/staff/grant-applications", json={
        "program_id": str(program.id), "user_id": str(other.id), "requested_amount": 3_000,
        "purpose": "Tools", "plan": "Buy a set of tools for a bicycle repair stand."})
    assert on_behalf.status_code == 201, on_behalf.get_json()
    assert_problem(decide(auth_client(helper), on_behalf.get_json()["id"]), 403)
    assert decide(auth_client(caseworker), on_behalf.get_json()["id"]).status_code == 200


def test_budget_is_never_exceeded_and_a_rejection_frees_nothing_it_did_not_take(
        session, auth_client):
    program = make_program(session, budget_amount=30_000, max_award_amount=20_000,
                           dual_approval_threshold_amount=50_000)
    apps = [make_application(session, program, make_survivor(session), amount=15_000)
            for _ in range(3)]
    staff = auth_client(make_staff(session))
    session.commit()
    assert decide(staff, apps[0].id).status_code == 200
    assert decide(staff, apps[1].id).status_code == 200
    problem = assert_problem(decide(staff, apps[2].id), 409)
    assert problem["code"] == "budget_exceeded"
    report = staff.get(f"{API}/staff/grant-programs/{program.id}/report").get_json()
    assert report["committed_amount"] == 30_000 and report["remaining_amount"] == 0
    assert report["applications_by_status"] == {"approved": 2, "submitted": 1}


def test_decision_replay_with_idempotency_key(session, auth_client):
    program = make_program(session)
    application = make_application(session, program, make_survivor(session), amount=5_000)
    staff = auth_client(make_staff(session))
    session.commit()
    url = f"{API}/staff/grant-applications/{application.id}/decision"
    body = {"decision": "approve", "note": "ok to fund"}
    first = staff.post(url, json=body, headers={"Idempotency-Key": "k1"})
    replay = staff.post(url, json=body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == replay.status_code == 200
    assert replay.get_json() == first.get_json()
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert_problem(staff.post(url, json={**body, "note": "other"},
                              headers={"Idempotency-Key": "k1"}), 422)


def test_same_payout_number_or_similar_plan_is_flagged_until_overridden(session, auth_client):
    program = make_program(session)
    a, b = make_survivor(session), make_survivor(session)
    session.commit()
    for user in (a, b):
        response = auth_client(user).post(f"{API}/me/payout-account", json={
            "method": "manual", "mobile_money_phone": "+254712345678"})
        assert response.status_code == 201, response.get_json()
    first = make_application(session, program, a, plan="Sell roasted maize at the bus stage "
                                                        "every morning and evening")
    second = make_application(session, program, b, plan="Sell roasted maize at the bus stage "
                                                         "every morning and evening!")
    staff, other = auth_client(make_staff(session)), auth_client(make_staff(session))
    session.commit()
    queue = staff.get(f"{API}/staff/grant-applications?program_id={program.id}").get_json()
    flags = {item["id"]: item["flags"] for item in queue["items"]}
    assert flags[str(first.id)] == flags[str(second.id)] == [
        "same_payout_account", "same_phone", "similar_plan"]
    assert "plan" not in queue["items"][0]
    problem = assert_problem(decide(staff, second.id), 409)
    assert problem["code"] == "duplicate_flagged"
    assert_problem(staff.post(f"{API}/staff/grant-applications/{second.id}/flag-override",
                              json={"reason": "short"}), 422, "reason")
    override = other.post(f"{API}/staff/grant-applications/{second.id}/flag-override",
                          json={"reason": "Sisters sharing one phone; checked in person."})
    assert override.status_code == 200 and override.get_json()["flags_overridden"] is True
    assert decide(staff, second.id).get_json()["status"] == "approved"
    assert "grants.application.override_flags" in _actions(session, second.id)


def test_staff_read_of_one_application_needs_a_reason_and_is_audited(session, auth_client):
    program = make_program(session)
    survivor = make_survivor(session)
    application = make_application(session, program, survivor, plan="Buy a second oven")
    staff = auth_client(make_staff(session))
    session.commit()
    url = f"{API}/staff/grant-applications/{application.id}"
    assert_problem(staff.get(url), 428)
    read = staff.get(url, headers={"X-Access-Reason": "Reviewing the grant application"})
    assert read.status_code == 200 and read.get_json()["plan"] == "Buy a second oven"
    assert session.scalar(select(AuditEvent.action).where(
        AuditEvent.subject_id == str(survivor.id))) == "staff.read_user"


def test_caps_allow_more_awards_when_the_program_says_so(session, auth_client):
    program = make_program(session, awards_per_survivor=2)
    survivor = make_survivor(session)
    make_payout_account(session, survivor)
    first = make_application(session, program, survivor, amount=1_000)
    second = make_application(session, program, survivor, amount=1_000)
    staff = auth_client(make_staff(session))
    session.commit()
    assert decide(staff, first.id).status_code == 200
    assert decide(staff, second.id).status_code == 200
