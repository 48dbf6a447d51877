"""The few Stripe calls microgrants make, through the real ``stripe`` library.

Every call builds a ``StripeClient`` from the app's configuration (``STRIPE_API_KEY``,
``STRIPE_API_BASE`` — a local stub in tests) with the library's own network retries
off: the disbursement worker retries with backoff itself and records each attempt.
Stripe docs: Connect Express accounts, account links, transfers, idempotent requests.

The library is imported by ``sdk()`` when a payout, webhook or reconciliation first
needs it, not at start-up (it and ``requests`` take about 0.05 s of CPU to import).
"""

from __future__ import annotations

import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flask import current_app

from empower_api.errors import Conflict

if TYPE_CHECKING:
    import stripe

# Seconds to wait for Stripe before treating the attempt as a network failure.
TIMEOUT_SECONDS = 10.0

# The ``stripe`` module globals create_app() asks for (api_key, api_base): set on the
# module at once when it is loaded, else by the first ``sdk()`` that loads it.
_module_globals: dict[str, Any] = {}
_globals_pending = False
_globals_lock = threading.Lock()


def set_module_globals(*, api_key: str | None, api_base: str | None) -> None:
    """Set ``stripe.api_key`` (and ``stripe.api_base`` when given) for this process, as
    ``create_app()`` always has, without importing the library to do it."""
    global _globals_pending
    with _globals_lock:
        _module_globals["api_key"] = api_key
        if api_base:
            _module_globals["api_base"] = api_base
        loaded = sys.modules.get("stripe")
        if loaded is not None and hasattr(loaded, "StripeClient"):
            _apply_globals(loaded)
        else:
            _globals_pending = True


def _apply_globals(module: ModuleType) -> None:
    for name, value in _module_globals.items():
        setattr(module, name, value)


def sdk() -> ModuleType:
    """The ``stripe`` library, imported on first use with the module globals applied."""
    global _globals_pending
    import stripe  # once loaded, a look-up in sys.modules

    if _globals_pending:
        with _globals_lock:
            if _globals_pending:
                _apply_globals(stripe)
                _globals_pending = False
    return stripe


def configured() -> bool:
    return bool(current_app.config.get("STRIPE_API_KEY"))


def require_configured() -> None:
    """Raise a 409 ``stripe_not_configured`` problem when no ``STRIPE_API_KEY`` is set."""
    if not configured():
        raise Conflict("Stripe payouts are not available here; choose the manual method.",
                       code="stripe_not_configured")


def client() -> stripe.StripeClient:
    stripe = sdk()
    base = current_app.config.get("STRIPE_API_BASE")
    # Seconds, already a number: build_config parses and bounds STRIPE_TIMEOUT_SECONDS.
    timeout = current_app.config.get("STRIPE_TIMEOUT_SECONDS") or TIMEOUT_SECONDS
    return stripe.StripeClient(
        current_app.config["STRIPE_API_KEY"],
        base_addresses={"api": base} if base else None,
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def create_express_account(*, user_ref: str) -> Any:
    """A Connect Express account able to receive transfers; ``user_ref`` is our opaque id."""
    return client().v1.accounts.create(
        params={"type": "express", "capabilities": {"transfers": {"requested": True}},
                "metadata": {"empower_user": user_ref}},
        options={"idempotency_key": f"payout-account-{user_ref}"},
    )


def onboarding_link(*, account_id: str) -> str:
    """An account link (``type=account_onboarding``) for the survivor to finish onboarding."""
    base = current_app.config.get("PUBLIC_BASE_URL", "http://localhost:5000")
    link = client().v1.account_links.create(params={
        "account": account_id, "type": "account_onboarding",
        "refresh_url": f"{base}/payout-account/refresh",
        "return_url": f"{base}/payout-account/done",
    })
    return str(link.url)


def create_transfer(*, amount: int, currency: str, destination: str, disbursement_id: str,
                    idempotency_key: str) -> Any:
    """A transfer of ``amount`` minor units to a connected account, safe to repeat with the
    same ``idempotency_key`` (Stripe replays the first result)."""
    return client().v1.transfers.create(
        params={"amount": amount, "currency": currency.lower(), "destination": destination,
                "transfer_group": disbursement_id,
                "metadata": {"disbursement_id": disbursement_id}},
        options={"idempotency_key": idempotency_key},
    )


def retrieve_transfer(transfer_id: str) -> Any:
    return client().v1.transfers.retrieve(transfer_id)


def transfers_for(disbursement_id: str) -> list[Any]:
    """Transfers Stripe holds for one disbursement (``transfer_group`` = its id)."""
    page = client().v1.transfers.list(params={"transfer_group": disbursement_id, "limit": 10})
    return list(page.data)


def is_retryable(error: stripe.StripeError) -> bool:
    """Network failures, timeouts, 409 idempotency races, 429 and 5xx may succeed later;
    any other 4xx is Stripe's definitive refusal (Stripe docs: error handling)."""
    if isinstance(error, sdk().APIConnectionError):
        return True
    status = error.http_status or 0
    return status >= 500 or status in (409, 429)
