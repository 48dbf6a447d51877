"""Payout accounts: Stripe Connect Express through the stub, or manual."""

from __future__ import annotations

from sqlalchemy import select

from empower_api.grants.models import PayoutAccount
from tests.conftest import assert_problem
from tests.factories.accounts import make_survivor
from tests.grants.conftest import event
from tests.grants.helpers import API
from tests.grants.test_webhooks import deliver


def test_stripe_account_gets_an_onboarding_link_and_activates_by_webhook(
        session, auth_client, client, stripe_stub):
    survivor = make_survivor(session)
    session.commit()
    me = auth_client(survivor)
    response = me.post(f"{API}/me/payout-account", json={"method": "stripe"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["method"] == "stripe" and body["status"] == "pending"
    assert body["onboarding_url"].startswith("https://connect.stripe.com/setup/")
    (account_id, created), = stripe_stub.accounts.items()
    assert created["type"] == "express"
    _m, _p, params, _key = stripe_stub.posts("/v1/accounts")[0]
    assert params["capabilities"] == {"transfers": {"requested": "true"}}
    _m, _p, link, _key = stripe_stub.posts("/v1/account_links")[0]
    assert (link["account"], link["type"]) == (account_id, "account_onboarding")
    again = me.post(f"{API}/me/payout-account", json={"method": "stripe"})
    assert again.status_code == 201 and len(stripe_stub.accounts) == 1
    deliver(client, event("evt_acct", "account.updated", {
        "id": account_id, "object": "account", "details_submitted": True,
        "payouts_enabled": True, "requirements": {}}))
    assert me.get(f"{API}/me/payout-account").get_json()["status"] == "active"


def test_stripe_down_during_onboarding_is_a_502_problem(session, auth_client, stripe_stub):
    survivor = make_survivor(session)
    session.commit()
    stripe_stub.fail_next("/v1/accounts", status=503)
    problem = assert_problem(auth_client(survivor).post(
        f"{API}/me/payout-account", json={"method": "stripe"}), 502)
    assert problem["code"] == "stripe_unavailable"
    assert session.scalar(select(PayoutAccount).where(
        PayoutAccount.user_id == survivor.id)) is None


def test_manual_account_with_a_mobile_money_number(session, auth_client, no_stripe):
    survivor = make_survivor(session)
    session.commit()
    me = auth_client(survivor)
    assert_problem(me.get(f"{API}/me/payout-account"), 404)
    assert_problem(me.post(f"{API}/me/payout-account", json={
        "method": "manual", "mobile_money_phone": "not a phone"}), 422, "mobile_money_phone")
    response = me.post(f"{API}/me/payout-account", json={
        "method": "manual", "mobile_money_phone": "+254 712 345 678"})
    assert response.status_code == 201
    assert response.get_json() == {"method": "manual", "status": "active",
                                   "mobile_money_phone": "+254712345678",
                                   "onboarding_url": None}
    assert_problem(me.post(f"{API}/me/payout-account", json={"method": "cash"}), 422, "method")
