"""Retention for microgrants: stored webhook payloads go after a period
(``RETENTION_WEBHOOK_PAYLOADS_DAYS``); anyone with a grant application, a disbursement
or a payout account holds money records, so the inactive-account purge keeps them.

Deleting an old event also forgets its id: Stripe retries a delivery for 3 days, far
inside any sensible period, so no duplicate can arrive after it goes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.sql.elements import ColumnElement

from empower_api.grants.models import Disbursement, GrantApplication, PayoutAccount, StripeEvent
from empower_api.retention.registry import (
    RetentionRule,
    count_rows,
    delete_rows,
    register_money_records,
    register_rule,
)


def _old_events(cutoff: datetime) -> Select[Any]:
    return select(StripeEvent.id).where(StripeEvent.received_at < cutoff)


register_rule(RetentionRule(
    name="webhook_payloads", setting="RETENTION_WEBHOOK_PAYLOADS_DAYS",
    description="Stored Stripe webhook events (their payloads and ids).",
    count=lambda session, cutoff: count_rows(session, _old_events(cutoff)),
    purge=lambda session, cutoff: delete_rows(session, StripeEvent, _old_events(cutoff)),
))


@register_money_records("grants")
def grants_money_records(user_id: Any) -> ColumnElement[bool]:
    """A grant application, a disbursement or a payout account."""
    return or_(exists().where(GrantApplication.applicant_id == user_id),
               exists().where(Disbursement.recipient_id == user_id),
               exists().where(PayoutAccount.user_id == user_id))
