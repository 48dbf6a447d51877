"""Celery tasks for jobs: vetting expiry and closing out-of-date postings.

The read path already hides lapsed approvals and postings past ``valid_through``;
these tasks make the stored state say so too (and audit the expiry).
"""

from __future__ import annotations

from typing import Any

import structlog
from celery.schedules import crontab

from empower_api.db import db
from empower_api.jobs import service
from empower_api.tasks import celery

log = structlog.get_logger(__name__)

BEAT_SCHEDULE: dict[str, Any] = {
    "jobs.expire_vetting": {"task": "jobs.expire_vetting", "schedule": crontab(minute=5)},
    "jobs.close_expired_postings": {
        "task": "jobs.close_expired_postings", "schedule": crontab(minute="*/15"),
    },
}


@celery.task(name="jobs.expire_vetting")
def expire_vetting() -> int:
    """Mark employers whose 12-month approval ran out as ``expired``."""
    count = service.expire_vetting(db.session)
    db.session.commit()
    log.info("jobs_vetting_expired", count=count)
    return count


@celery.task(name="jobs.close_expired_postings")
def close_expired_postings() -> int:
    """Close published postings whose ``valid_through`` has passed."""
    count = service.close_expired_jobs(db.session)
    db.session.commit()
    log.info("jobs_postings_closed", count=count)
    return count
