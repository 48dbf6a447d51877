"""Reconciliation: does every Stripe disbursement's local state agree with Stripe's?

For each Stripe disbursement: with a transfer id, the transfer must exist and its
reversal must match ours (paid ↔ not reversed, failed-by-reversal ↔ reversed); with
none, Stripe must hold no transfer in its ``transfer_group`` (a transfer we never
heard back about). Reads Stripe only; changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.grants import stripe_gateway
from empower_api.grants.models import Disbursement, DisbursementStatus, PayoutMethod


@dataclass(frozen=True)
class Mismatch:
    disbursement_id: str
    local: str
    stripe: str


def _reversed(transfer: object, amount: int) -> bool:
    return bool(getattr(transfer, "reversed", False)) or \
        int(getattr(transfer, "amount_reversed", 0) or 0) >= amount


def reconcile(session: Session) -> list[Mismatch]:
    """Every Stripe disbursement whose state disagrees with Stripe's (empty: all agree)."""
    stripe = stripe_gateway.sdk()
    found: list[Mismatch] = []
    rows = session.scalars(select(Disbursement).where(
        Disbursement.method == PayoutMethod.STRIPE).order_by(Disbursement.created_at))
    for d in rows:
        local = d.status if d.reversed_at is None else "reversed"
        try:
            if d.provider_reference:
                transfer = stripe_gateway.retrieve_transfer(d.provider_reference)
                theirs = "reversed" if _reversed(transfer, d.amount) else "paid"
            else:
                transfers = stripe_gateway.transfers_for(str(d.id))
                theirs = "no transfer" if not transfers else (
                    "reversed" if _reversed(transfers[0], d.amount) else "paid")
        except stripe.InvalidRequestError:
            theirs = "no transfer"
        expected = {"paid": "paid", "reversed": "reversed"}.get(local, "no transfer")
        if local == DisbursementStatus.PROCESSING and d.provider_reference is None:
            continue  # a worker holds it right now
        if theirs != expected:
            found.append(Mismatch(str(d.id), local, theirs))
    session.rollback()  # read only: end the transaction rather than hold it open
    return found
