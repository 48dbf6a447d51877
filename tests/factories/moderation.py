"""Reports and moderation cases for tests, made through the moderation service."""

from __future__ import annotations

from sqlalchemy.orm import Session

from empower_api.jobs.models import Job
from empower_api.moderation import service
from tests.factories.accounts import make_survivor


def hide_by_reports(session: Session, job: Job, *, reasons: tuple[str, ...] = (
        "unsafe", "misleading", "exploitative")) -> None:
    """Three distinct survivors report ``job``, which hides it (a pending case)."""
    for reason in reasons:
        service.report_job(session, actor=make_survivor(session), job_id=job.id,
                           reason=reason, details=f"Looks {reason}.")
