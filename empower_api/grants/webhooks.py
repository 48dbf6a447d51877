"""Stripe webhooks: verified with ``stripe.Webhook.construct_event`` and stored by event
id, so a repeated delivery changes nothing. States only move forward: a reversal wins
over a creation whatever order they arrive in, and an older ``account.updated`` never
overwrites a newer one (Stripe docs: webhooks are not delivered in order)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.db import utcnow
from empower_api.errors import DomainError
from empower_api.grants import disbursements, payouts, stripe_gateway
from empower_api.grants.models import (
    Disbursement,
    DisbursementStatus,
    PayoutAccount,
    PayoutAccountStatus,
    StripeEvent,
)


class BadSignature(DomainError):
    status = 400
    code = "bad_signature"


class WebhooksNotConfigured(DomainError):
    status = 503
    code = "webhooks_not_configured"


HANDLED = ("transfer.created", "transfer.updated", "transfer.reversed", "account.updated")


def receive(session: Session, *, payload: bytes, signature: str | None) -> dict[str, Any]:
    """Verify, store and apply one event. Returns ``{"received": true, "duplicate": bool}``.
    Raises ``BadSignature`` (400) or ``WebhooksNotConfigured`` (503)."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise WebhooksNotConfigured("Stripe webhooks are not configured here.")
    stripe = stripe_gateway.sdk()
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", secret)
    except (ValueError, stripe.SignatureVerificationError):
        raise BadSignature("The Stripe-Signature header does not match this payload.")
    # The verified payload as plain JSON (the library's objects are not dicts).
    data = json.loads(payload)
    kind, obj = str(data.get("type") or ""), data.get("data", {}).get("object") or {}
    if session.get(StripeEvent, event.id) is not None:
        return {"received": True, "duplicate": True}
    session.add(StripeEvent(id=event.id, type=kind[:80], object_id=obj.get("id"),
                            payload={"type": kind, "created": data.get("created")}))
    session.flush()
    if kind.startswith("transfer."):
        _apply_transfer(session, kind, obj)
    elif kind == "account.updated":
        _apply_account(session, obj, created=int(data.get("created") or 0))
    return {"received": True, "duplicate": False}


def _disbursement_for(session: Session, transfer: Any) -> Disbursement | None:
    wanted = (transfer.get("metadata") or {}).get("disbursement_id")
    stmt = select(Disbursement).with_for_update().execution_options(populate_existing=True)
    if wanted:
        try:
            return session.scalar(stmt.where(Disbursement.id == uuid.UUID(str(wanted))))
        except ValueError:
            return None  # not one of ours
    return session.scalar(stmt.where(Disbursement.provider_reference == transfer.get("id")))


def _apply_transfer(session: Session, kind: str, transfer: Any) -> None:
    disbursement = _disbursement_for(session, transfer)
    if disbursement is None or kind not in HANDLED:
        return
    if disbursement.provider_reference is None:
        disbursement.provider_reference = transfer.get("id")
    if disbursement.provider_reference != transfer.get("id"):
        return  # a transfer of an earlier generation: the current one decides
    # Only a full reversal undoes the payout; a partial one stays paid (the event is kept).
    reversed_ = bool(transfer.get("reversed")) or \
        int(transfer.get("amount_reversed") or 0) >= disbursement.amount
    if reversed_:
        if disbursement.reversed_at is None:
            disbursement.reversed_at = utcnow()
            disbursements.fail(session, disbursement, reason="reversed", definitive=True)
        return
    disbursement.transfer_seen = True
    if disbursement.reversed_at is None and disbursement.status != DisbursementStatus.FAILED:
        disbursements.mark_paid(session, disbursement)
    session.flush()


def _apply_account(session: Session, account: Any, *, created: int) -> None:
    found = session.scalar(select(PayoutAccount).where(
        PayoutAccount.stripe_account_id == account.get("id")).with_for_update()
        .execution_options(populate_existing=True))
    if found is None:
        return
    if found.stripe_event_created is not None and created < found.stripe_event_created:
        return
    before = found.status
    found.status = payouts.status_from_stripe(account)
    found.stripe_event_created = created
    session.flush()
    if found.status == PayoutAccountStatus.ACTIVE and before != PayoutAccountStatus.ACTIVE:
        disbursements.redispatch_for(session, user_id=found.user_id)
