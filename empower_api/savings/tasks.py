"""Celery tasks for savings: monthly interest on declining-balance loans.

Repayments and share-out accrue the loan they touch first, so this sweep only keeps
the balances shown between meetings current. Each group is its own transaction;
a posting per loan-month is made once (deterministic client id), so reruns are safe.
"""

from __future__ import annotations

from typing import Any

import structlog

from empower_api.db import db, utcnow
from empower_api.savings import service
from empower_api.tasks import celery

log = structlog.get_logger(__name__)

BEAT_SCHEDULE: dict[str, Any] = {
    "savings-accrue-interest": {
        "task": "empower_api.savings.tasks.accrue_interest",
        "schedule": 6 * 60 * 60,
    },
}


@celery.task(name="empower_api.savings.tasks.accrue_interest")
def accrue_interest() -> int:
    """Post due monthly interest for every group with declining-balance loans."""
    session = db.session
    total = 0
    for group_id in service.groups_with_declining_loans(session):
        session.rollback()
        total += service.accrue_group_interest(session, group_id=group_id, now=utcnow())
        session.commit()
    log.info("savings_interest_accrued", total=total)
    return total
