"""Celery tasks for microgrants: pay one disbursement, and the periodic outbox sweep.

Each task owns its transactions (claim, call Stripe with no transaction open, record).
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from empower_api.db import db
from empower_api.grants import disbursements
from empower_api.tasks import celery

log = structlog.get_logger(__name__)

BEAT_SCHEDULE: dict[str, Any] = {
    "grants-disbursement-sweep": {
        "task": "empower_api.grants.tasks.sweep_disbursements",
        "schedule": 60,
    },
}


@celery.task(name="empower_api.grants.tasks.process_disbursement")
def process_disbursement(disbursement_id: str) -> str | None:
    """Claim and pay this disbursement if it is due and unclaimed."""
    return disbursements.process(db.session, disbursement_id=uuid.UUID(disbursement_id))


@celery.task(name="empower_api.grants.tasks.sweep_disbursements")
def sweep_disbursements() -> int:
    """Pay every due Stripe disbursement: left over by a crash, waiting for a retry, or
    held by a worker whose lease expired."""
    done = disbursements.sweep(db.session)
    if done:
        log.info("disbursement_sweep", processed=done)
    return done
