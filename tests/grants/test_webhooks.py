"""Stripe webhooks: signatures, duplicates and out-of-order delivery."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from empower_api.grants.models import PayoutAccount, StripeEvent
from tests.conftest import assert_problem
from tests.factories.accounts import make_survivor
from tests.factories.grants import make_payout_account
from tests.grants.conftest import event, signed
from tests.grants.helpers import API, award, reload

URL = f"{API}/webhooks/stripe"


def deliver(client, evt, secret=None):
    payload, headers = signed(evt, secret) if secret else signed(evt)
    return client.post(URL, data=payload, headers=headers)


def _transfer(stub, disbursement_id, **changes):
    transfer = next(t for t in stub.transfers.values()
                    if t["metadata"].get("disbursement_id") == str(disbursement_id))
    return {**transfer, **changes}


def test_bad_signature_is_400_and_stores_nothing(session, client, stripe_stub):
    evt = event("evt_bad", "transfer.created", {"id": "tr_x", "object": "transfer"})
    problem = assert_problem(deliver(client, evt, secret="whsec_wrong"), 400)
    assert problem["code"] == "bad_signature"
    payload, _headers = signed(evt)
    assert_problem(client.post(URL, data=payload,
                               headers={"Content-Type": "application/json"}), 400)
    assert session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_reversal_delivered_three_times_and_before_its_creation_ends_reversed(
        session, auth_client, client, stripe_stub, monkeypatch):
    from empower_api.grants import disbursements

    monkeypatch.setattr(disbursements, "dispatch_after_commit", lambda _id: None)
    setup = award(session, auth_client, stub=stripe_stub)
    # Stripe made the transfer (our worker never heard back), then it was reversed.
    from empower_api.db import db

    claimed = disbursements.claim(db.session)
    from empower_api.grants import stripe_gateway

    stripe_gateway.create_transfer(amount=10_000, currency="USD",
                                   destination=next(iter(stripe_stub.accounts)),
                                   disbursement_id=str(setup["disbursement_id"]),
                                   idempotency_key="disbursement-test")
    transfer = _transfer(stripe_stub, setup["disbursement_id"])
    stripe_stub.reverse(transfer["id"])
    reversed_evt = event("evt_rev", "transfer.reversed",
                         _transfer(stripe_stub, setup["disbursement_id"]))
    created_evt = event("evt_new", "transfer.created", transfer)
    for _ in range(3):
        response = deliver(client, reversed_evt)
        assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"received": True, "duplicate": True}
    for _ in range(3):
        assert deliver(client, created_evt).status_code == 200
    disbursement = reload(session, setup["disbursement_id"])
    assert (disbursement.status, disbursement.failure_reason) == ("failed", "reversed")
    assert disbursement.provider_reference == transfer["id"]
    assert session.scalar(select(func.count()).select_from(StripeEvent)) == 2
    # The worker that made it reports back late: the webhook settled it; nothing changes.
    assert disbursements.record_outcome(db.session, claimed, transfer=type(
        "T", (), {"id": transfer["id"]})(), error=None) == "lost_claim"
    assert reload(session, setup["disbursement_id"]).status == "failed"
    report = setup["staff_client"].get(
        f"{API}/staff/grant-programs/{setup['program_id']}/report").get_json()
    assert report["committed_amount"] == 0 and report["disbursed_amount"] == 0


def test_transfer_created_marks_paid_once_when_the_response_was_lost(
        session, auth_client, client, stripe_stub):
    stripe_stub.fault_next("/v1/transfers", "drop_after")
    setup = award(session, auth_client, stub=stripe_stub)
    assert reload(session, setup["disbursement_id"]).status == "pending"
    created = event("evt_created", "transfer.created",
                    _transfer(stripe_stub, setup["disbursement_id"]))
    for _ in range(3):
        assert deliver(client, created).status_code == 200
    disbursement = reload(session, setup["disbursement_id"])
    assert disbursement.status == "paid" and disbursement.transfer_seen
    from empower_api.grants.models import CheckIn

    assert session.scalar(select(func.count()).select_from(CheckIn).where(
        CheckIn.disbursement_id == disbursement.id)) == 1


def test_account_updated_activates_and_an_older_event_cannot_undo_it(
        session, client, stripe_stub):
    survivor = make_survivor(session)
    make_payout_account(session, survivor, method="stripe", stripe_account_id="acct_abc",
                        status="pending")
    session.commit()
    now = int(time.time())
    active = {"id": "acct_abc", "object": "account", "details_submitted": True,
              "payouts_enabled": True, "requirements": {}}
    stale = {**active, "details_submitted": False, "payouts_enabled": False}
    assert deliver(client, event("evt_a2", "account.updated", active, now)).status_code == 200
    assert deliver(client, event("evt_a1", "account.updated", stale, now - 60)).status_code \
        == 200
    session.expire_all()
    account = session.scalar(select(PayoutAccount).where(PayoutAccount.user_id == survivor.id))
    assert account.status == "active"
    restricted = {**stale, "requirements": {"disabled_reason": "requirements.past_due"}}
    deliver(client, event("evt_a3", "account.updated", restricted, now + 60))
    session.expire_all()
    assert session.get(PayoutAccount, account.id).status == "restricted"


def test_webhooks_without_a_secret_are_503(session, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", None)
    payload, headers = signed(event("evt_x", "transfer.created", {"id": "tr"}))
    assert_problem(client.post(URL, data=payload, headers=headers), 503)


def test_a_partial_reversal_keeps_the_payout_paid(session, auth_client, client, stripe_stub):
    setup = award(session, auth_client, stub=stripe_stub)
    partial = _transfer(stripe_stub, setup["disbursement_id"], amount_reversed=2_000)
    assert deliver(client, event("evt_upd", "transfer.updated", partial)).status_code == 200
    assert reload(session, setup["disbursement_id"]).status == "paid"
    full = _transfer(stripe_stub, setup["disbursement_id"], amount_reversed=10_000,
                     reversed=True)
    assert deliver(client, event("evt_upd2", "transfer.updated", full)).status_code == 200
    disbursement = reload(session, setup["disbursement_id"])
    assert (disbursement.status, disbursement.failure_reason) == ("failed", "reversed")
