"""Microgrant fixtures: the local Stripe stub, Stripe settings, signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.grants.stripe_stub import StripeStub

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_stub(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeStub]:
    """A running stub on a free port; the app talks to it with a short timeout."""
    stub = StripeStub(hang_seconds=1.5).start()
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stub.url)
    monkeypatch.setitem(app.config, "STRIPE_API_KEY", "sk_test_local")
    monkeypatch.setitem(app.config, "STRIPE_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    try:
        yield stub
    finally:
        stub.stop()


@pytest.fixture
def no_stripe(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Stripe configuration at all (the manual path must not notice)."""
    monkeypatch.setitem(app.config, "STRIPE_API_KEY", None)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")


def signed(event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    """The body and headers Stripe sends: ``Stripe-Signature: t=…,v1=HMAC-SHA256``."""
    payload = json.dumps(event).encode()
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload,
                      hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={timestamp},v1={digest}",
                     "Content-Type": "application/json"}


def event(event_id: str, kind: str, obj: dict[str, Any], created: int | None = None
          ) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": kind, "api_version": "2024-06-20",
            "created": created or int(time.time()), "livemode": False,
            "data": {"object": obj}}
