"""Disbursement: the manual path, Stripe through the outbox, and the fault tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from empower_api.db import db, utcnow
from empower_api.grants import disbursements
from empower_api.grants.models import CheckIn, DisbursementAttempt
from empower_api.grants.tasks import sweep_disbursements
from tests.conftest import assert_problem
from tests.grants.helpers import API, award, reload


def _outcomes(session, disbursement_id):
    return [(a.outcome, a.http_status) for a in session.scalars(
        select(DisbursementAttempt).where(DisbursementAttempt.disbursement_id == disbursement_id)
        .order_by(DisbursementAttempt.number))]


@pytest.fixture
def no_dispatch(monkeypatch):
    """The process dies between the commit and sending the task."""
    monkeypatch.setattr(disbursements, "dispatch_after_commit", lambda _id: None)


def test_manual_path_works_without_any_stripe_configuration(session, auth_client, no_stripe):
    setup = award(session, auth_client)
    staff = setup["staff_client"]
    listed = staff.get(f"{API}/staff/disbursements?status=pending").get_json()["items"]
    row = next(d for d in listed if d["id"] == str(setup["disbursement_id"]))
    assert (row["method"], row["status"], row["amount"], row["currency"], row["attempts"]) == (
        "manual", "pending", 10_000, "USD", 0)
    paid = staff.post(f"{API}/staff/disbursements/{setup['disbursement_id']}/mark-paid",
                      json={"reference": "M-PESA QX12"}, headers={"Idempotency-Key": "p1"})
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["status"] == "paid" and paid.get_json()["attempts"] == 1
    again = staff.post(f"{API}/staff/disbursements/{setup['disbursement_id']}/mark-paid",
                       json={"reference": "M-PESA QX12"}, headers={"Idempotency-Key": "p1"})
    assert again.get_json() == paid.get_json()
    assert_problem(staff.post(f"{API}/staff/disbursements/{setup['disbursement_id']}/mark-paid",
                              json={"reference": "twice"}), 409)
    check_in = session.scalar(select(CheckIn).where(
        CheckIn.disbursement_id == setup["disbursement_id"]))
    assert check_in.user_id == setup["survivor"].id
    report = staff.get(f"{API}/staff/grant-programs/{setup['program_id']}/report").get_json()
    assert report["disbursed_amount"] == 10_000 and report["committed_amount"] == 10_000


def test_stripe_method_without_a_key_is_a_clear_409(session, auth_client, no_stripe):
    from tests.factories.accounts import make_survivor

    client = auth_client(make_survivor(session))
    session.commit()
    problem = assert_problem(client.post(f"{API}/me/payout-account",
                                         json={"method": "stripe"}), 409)
    assert problem["code"] == "stripe_not_configured" and "manual" in problem["detail"]


def test_stripe_award_is_paid_through_the_outbox_with_a_derived_key(
        session, auth_client, stripe_stub):
    setup = award(session, auth_client, stub=stripe_stub)
    disbursement = reload(session, setup["disbursement_id"])
    assert disbursement.status == "paid" and disbursement.method == "stripe"
    posts = stripe_stub.posts("/v1/transfers")
    assert len(posts) == 1
    _method, _path, params, key = posts[0]
    assert key == f"disbursement-{disbursement.id}-0"
    assert params["amount"] == "10000" and params["currency"] == "usd"
    assert params["metadata"] == {"disbursement_id": str(disbursement.id)}
    assert disbursement.provider_reference in stripe_stub.transfers
    assert_problem(setup["staff_client"].post(
        f"{API}/staff/disbursements/{disbursement.id}/mark-paid", json={"reference": "x"}), 409)


def test_timeout_after_the_transfer_is_made_then_retry_makes_exactly_one(
        session, auth_client, stripe_stub):
    stripe_stub.fault_next("/v1/transfers", "timeout_after")
    setup = award(session, auth_client, stub=stripe_stub)
    disbursement = reload(session, setup["disbursement_id"])
    assert (disbursement.status, disbursement.attempts) == ("pending", 1)
    assert len(stripe_stub.transfers) == 1  # Stripe made it; we never heard
    assert disbursements.sweep(db.session) == 0  # backoff: not due yet
    assert disbursements.sweep(db.session, now=utcnow() + timedelta(seconds=31)) == 1
    disbursement = reload(session, setup["disbursement_id"])
    assert disbursement.status == "paid"
    assert len(stripe_stub.transfers) == 1
    assert disbursement.provider_reference == next(iter(stripe_stub.transfers))
    assert [o for o, _s in _outcomes(session, disbursement.id)] == ["retryable", "succeeded"]


def test_dropped_response_is_retried_with_the_same_key_and_stripe_replays(
        session, auth_client, stripe_stub, no_dispatch, monkeypatch):
    from empower_api.grants import stripe_gateway

    setup = award(session, auth_client, stub=stripe_stub)
    stripe_stub.fault_next("/v1/transfers", "drop_after")
    assert disbursements.process(db.session) == "retryable"
    # A listing that lags behind (lists may be eventually consistent): only the key helps.
    monkeypatch.setattr(stripe_gateway, "transfers_for", lambda _id: [])
    later = utcnow() + timedelta(seconds=31)
    assert disbursements.process(db.session, now=later) == "succeeded"
    keys = [key for _m, _p, _params, key in stripe_stub.posts("/v1/transfers")]
    assert keys == [f"disbursement-{setup['disbursement_id']}-0"] * 2
    assert len(stripe_stub.transfers) == 1
    disbursement = reload(session, setup["disbursement_id"])
    assert disbursement.status == "paid"
    assert disbursement.provider_reference == next(iter(stripe_stub.transfers))


def test_server_error_is_retried_with_backoff_and_a_fresh_key(
        session, auth_client, stripe_stub):
    stripe_stub.fail_next("/v1/transfers", status=500)
    setup = award(session, auth_client, stub=stripe_stub)
    disbursement = reload(session, setup["disbursement_id"])
    assert disbursement.status == "pending"
    assert disbursement.next_attempt_at >= utcnow() + timedelta(seconds=25)
    disbursements.sweep(db.session, now=utcnow() + timedelta(seconds=31))
    disbursement = reload(session, setup["disbursement_id"])
    assert disbursement.status == "paid" and len(stripe_stub.transfers) == 1
    assert _outcomes(session, disbursement.id) == [("retryable", 500), ("succeeded", None)]
    keys = [key for _m, _p, _params, key in stripe_stub.posts("/v1/transfers")]
    assert keys == [f"disbursement-{disbursement.id}-0", f"disbursement-{disbursement.id}-0:2"]


def test_backoff_doubles_up_to_an_hour():
    assert [disbursements.backoff(n).total_seconds() for n in (1, 2, 3, 9)] == [
        30, 60, 120, 3600]


def test_definitive_refusal_fails_with_reason_releases_budget_and_staff_retry(
        session, auth_client, stripe_stub):
    stripe_stub.fail_next("/v1/transfers", status=400, type_="invalid_request_error",
                          code="balance_insufficient", message="Insufficient funds.")
    setup = award(session, auth_client, stub=stripe_stub)
    disbursement = reload(session, setup["disbursement_id"])
    assert disbursement.status == "failed" and disbursement.failure_reason
    staff = setup["staff_client"]
    report = staff.get(f"{API}/staff/grant-programs/{setup['program_id']}/report").get_json()
    assert report["committed_amount"] == 0
    retried = staff.post(f"{API}/staff/disbursements/{disbursement.id}/retry")
    assert retried.status_code == 200, retried.get_json()
    disbursement = reload(session, setup["disbursement_id"])
    assert disbursement.status == "paid" and disbursement.generation == 1
    assert stripe_stub.posts("/v1/transfers")[-1][3] == f"disbursement-{disbursement.id}-1"
    assert_problem(staff.post(f"{API}/staff/disbursements/{disbursement.id}/retry"), 409)


def test_failed_stripe_disbursement_switches_to_manual(session, auth_client, stripe_stub):
    stripe_stub.fail_next("/v1/transfers", status=400, type_="invalid_request_error",
                          code="account_invalid", message="Account cannot receive.")
    setup = award(session, auth_client, stub=stripe_stub)
    staff = setup["staff_client"]
    url = f"{API}/staff/disbursements/{setup['disbursement_id']}"
    switched = staff.post(f"{url}/switch-to-manual")
    assert switched.status_code == 200, switched.get_json()
    assert (switched.get_json()["method"], switched.get_json()["status"]) == ("manual", "pending")
    assert staff.post(f"{url}/mark-paid", json={"reference": "cash, receipt 7"}
                      ).get_json()["status"] == "paid"


def test_crash_between_commit_and_dispatch_is_picked_up_by_the_sweep(
        session, auth_client, stripe_stub, no_dispatch):
    setup = award(session, auth_client, stub=stripe_stub)
    assert reload(session, setup["disbursement_id"]).status == "pending"
    assert stripe_stub.transfers == {}
    assert sweep_disbursements() == 1
    assert reload(session, setup["disbursement_id"]).status == "paid"
    assert len(stripe_stub.transfers) == 1


def test_a_dead_workers_claim_is_lost_when_its_lease_expires(
        session, auth_client, stripe_stub, no_dispatch):
    setup = award(session, auth_client, stub=stripe_stub)
    dead = disbursements.claim(db.session)
    assert dead is not None  # …and the worker dies here, before calling Stripe
    assert disbursements.sweep(db.session) == 0  # the lease still holds
    assert disbursements.sweep(db.session, now=utcnow() + disbursements.LEASE
                               + timedelta(seconds=1)) == 1
    assert reload(session, setup["disbursement_id"]).status == "paid"
    # The dead worker wakes up late: its outcome is recorded as a lost claim, nothing more.
    assert disbursements.record_outcome(db.session, dead, transfer=None, error=None) \
        == "lost_claim"
    assert reload(session, setup["disbursement_id"]).status == "paid"
    assert len(stripe_stub.transfers) == 1


def test_unfinished_onboarding_waits_without_blocking_others_until_account_updated(
        session, auth_client, client, stripe_stub, no_dispatch):
    from empower_api.grants.models import PayoutAccount
    from tests.grants.conftest import event
    from tests.grants.test_webhooks import deliver

    waiting = award(session, auth_client, stub=stripe_stub, amount=1_000)
    account = session.scalar(select(PayoutAccount).where(
        PayoutAccount.user_id == waiting["survivor"].id))
    account.status = "pending"
    session.commit()
    ready = award(session, auth_client, stub=stripe_stub, amount=2_000)
    assert sweep_disbursements() == 1
    assert reload(session, ready["disbursement_id"]).status == "paid"
    assert reload(session, waiting["disbursement_id"]).status == "pending"
    assert [t["amount"] for t in stripe_stub.transfers.values()] == [2_000]
    deliver(client, event("evt_ready", "account.updated", {
        "id": account.stripe_account_id, "object": "account", "details_submitted": True,
        "payouts_enabled": True, "requirements": {}}))
    assert sweep_disbursements() == 1
    assert reload(session, waiting["disbursement_id"]).status == "paid"
