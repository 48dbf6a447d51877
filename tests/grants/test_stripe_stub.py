"""The stub answers the way Stripe documents, through the real ``stripe`` library."""

from __future__ import annotations

import pytest
import stripe

from empower_api.grants import stripe_gateway
from empower_api.tasks import beat_schedule


def _transfer(key: str, amount: int = 500, destination: str | None = None):
    return stripe_gateway.create_transfer(amount=amount, currency="USD",
                                          destination=destination or "acct_1",
                                          disbursement_id="d-1", idempotency_key=key)


def test_same_key_same_response_other_parameters_refused(app, stripe_stub):
    stripe_stub.accounts["acct_1"] = {"id": "acct_1"}
    with app.app_context():
        first, again = _transfer("k-1"), _transfer("k-1")
        assert first.id == again.id and len(stripe_stub.transfers) == 1
        assert first.amount == 500 and first.currency == "usd"
        with pytest.raises(stripe.IdempotencyError):
            _transfer("k-1", amount=501)
        assert _transfer("k-2").id != first.id


def test_errors_come_back_as_stripe_errors(app, stripe_stub):
    with app.app_context():
        with pytest.raises(stripe.InvalidRequestError) as missing:
            _transfer("k-3", destination="acct_nobody")
        assert missing.value.http_status == 400 and missing.value.param == "destination"
        stripe_stub.fail_next("/v1/transfers", status=502)
        with pytest.raises(stripe.APIError) as server:
            _transfer("k-4")
        assert stripe_gateway.is_retryable(server.value)
        stripe_stub.fault_next("/v1/transfers", "timeout")
        with pytest.raises(stripe.APIConnectionError):
            _transfer("k-5")
        assert stripe_stub.transfers == {}


def test_the_secret_key_is_required(app, stripe_stub, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_KEY", "rk_wrong")
    with app.app_context(), pytest.raises(stripe.AuthenticationError):
        stripe_gateway.retrieve_transfer("tr_1")


def test_the_disbursement_sweep_is_scheduled():
    entry = beat_schedule()["grants-disbursement-sweep"]
    assert entry["task"] == "empower_api.grants.tasks.sweep_disbursements"
    assert entry["schedule"] <= 60
