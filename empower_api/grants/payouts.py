"""Payout accounts: Stripe Connect Express (onboarding by account link; status from
``account.updated``) or manual (cash or mobile money handed over by staff; needs no
legal identity and no Stripe configuration)."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.accounts.service import normalise_phone, phone_index
from empower_api.errors import Conflict, DomainError, NotFound
from empower_api.grants import stripe_gateway
from empower_api.grants.models import PayoutAccount, PayoutAccountStatus, PayoutMethod

log = structlog.get_logger(__name__)


class StripeUnavailable(DomainError):
    status = 502
    code = "stripe_unavailable"


def get_mine(session: Session, *, actor: User) -> PayoutAccount | None:
    return session.scalar(select(PayoutAccount).where(PayoutAccount.user_id == actor.id))


def require_mine(session: Session, *, actor: User) -> PayoutAccount:
    """The caller's payout account, or 404 until they have chosen one."""
    account = get_mine(session, actor=actor)
    if account is None:
        raise NotFound("You have not chosen how to be paid yet.")
    return account


def set_up(session: Session, *, actor: User, data: dict[str, Any]) -> tuple[PayoutAccount,
                                                                          str | None]:
    """Choose how to be paid; returns the account and, for Stripe, an onboarding URL.

    ``stripe`` without ``STRIPE_API_KEY`` → 409 ``stripe_not_configured``; Stripe down →
    502 ``stripe_unavailable``. Choosing again replaces the method (a Stripe account once
    made is kept and re-linked)."""
    method = data["method"]
    account = get_mine(session, actor=actor) or PayoutAccount(user_id=actor.id)
    if method == PayoutMethod.MANUAL:
        phone = data.get("mobile_money_phone")
        phone = normalise_phone(phone, "mobile_money_phone") if phone else None
        account.method, account.status = PayoutMethod.MANUAL, PayoutAccountStatus.ACTIVE
        account.mobile_money_phone = phone
        account.mobile_money_index = phone_index(phone) if phone else None
        session.add(account)
        session.flush()
        return account, None
    stripe_gateway.require_configured()
    if data.get("mobile_money_phone"):
        raise Conflict("A mobile-money number goes with the manual method.",
                       code="method_mismatch")
    stripe = stripe_gateway.sdk()
    try:
        if account.stripe_account_id is None:
            created = stripe_gateway.create_express_account(user_ref=str(actor.id))
            account.stripe_account_id = str(created.id)
            account.status = PayoutAccountStatus.PENDING
        url = stripe_gateway.onboarding_link(account_id=account.stripe_account_id)
    except stripe.StripeError as error:
        log.warning("stripe_account_setup_failed", error_type=type(error).__name__,
                    http_status=error.http_status)
        raise StripeUnavailable("Stripe could not set up your account just now. Try again.")
    account.method = PayoutMethod.STRIPE
    account.mobile_money_phone, account.mobile_money_index = None, None
    session.add(account)
    session.flush()
    return account, url


def status_from_stripe(account: Any) -> str:
    """Active once Stripe has the details and allows payouts (Stripe ``account`` object)."""
    if account.get("details_submitted") and account.get("payouts_enabled"):
        return PayoutAccountStatus.ACTIVE
    if account.get("requirements", {}).get("disabled_reason"):
        return PayoutAccountStatus.RESTRICTED
    return PayoutAccountStatus.PENDING
