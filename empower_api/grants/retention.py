"""Retention for microgrants: stored webhook payloads go after a period
(``RETENTION_WEBHOOK_PAYLOADS_DAYS``); anyone with a grant application, a disbursement
or a payout account holds money records, so the inactive-account purge keeps them.

Deleting an old event also forgets its id: Stripe retries a delivery for 3 days, far
inside any sensible period, so no duplicate can arrive after it goes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from empower_api.grants.models import Disbursement, GrantApplication, PayoutAccount, StripeEvent
from empower_api.retention.registry import RetentionRule, register_money_records, register_rule


def _count(session: Session, cutoff: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(StripeEvent)
                              .where(StripeEvent.received_at < cutoff)) or 0)


def _purge(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(StripeEvent).where(StripeEvent.received_at < cutoff)
                             .execution_options(synchronize_session=False))
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


register_rule(RetentionRule(
    name="webhook_payloads", setting="RETENTION_WEBHOOK_PAYLOADS_DAYS",
    description="Stored Stripe webhook events (their payloads and ids).",
    count=_count, purge=_purge,
))


@register_money_records("grants")
def grants_money_records(user_id: Any) -> ColumnElement[bool]:
    """A grant application, a disbursement or a payout account."""
    return or_(exists().where(GrantApplication.applicant_id == user_id),
               exists().where(Disbursement.recipient_id == user_id),
               exists().where(PayoutAccount.user_id == user_id))
