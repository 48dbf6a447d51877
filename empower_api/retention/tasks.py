"""Celery beat task: apply the retention periods once a day."""

from __future__ import annotations

from typing import Any

import structlog
from celery.schedules import crontab

from empower_api.db import db
from empower_api.retention import service
from empower_api.tasks import celery

log = structlog.get_logger(__name__)

BEAT_SCHEDULE: dict[str, Any] = {
    "retention.purge": {"task": "retention.purge", "schedule": crontab(hour=3, minute=17)},
}


@celery.task(name="retention.purge")
def purge() -> dict[str, int]:
    """Purge what every retention period has run out on (audited, counts only)."""
    results = service.run(db.session, dry_run=False, trigger="beat")
    db.session.commit()
    counts = {r.name: r.count for r in results}
    log.info("retention_purged", **counts)
    return counts
