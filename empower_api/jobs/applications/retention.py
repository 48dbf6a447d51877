"""Retention for applications: messages of closed applications go after a period, and a
posting with an application still open is never purged (applications cascade with it).

Registered with ``empower_api.retention.registry``; periods are settings
(``RETENTION_CLOSED_APPLICATION_MESSAGES_DAYS``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from empower_api.jobs.applications.models import OPEN_STATUSES, Application, Message
from empower_api.retention.registry import RetentionRule, register_posting_keeper, register_rule


def _old_messages(cutoff: datetime) -> Select[Any]:
    """Messages of applications that closed (no longer open) before ``cutoff``; an
    application's last change is when it closed, since closed ones never move again."""
    closed = select(Application.id).where(Application.status.not_in(list(OPEN_STATUSES)),
                                          Application.updated_at < cutoff)
    return select(Message.id).where(Message.application_id.in_(closed))


def _count(session: Session, cutoff: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(
        _old_messages(cutoff).subquery())) or 0)


def _purge(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(Message).where(Message.id.in_(_old_messages(cutoff)))
                             .execution_options(synchronize_session=False))
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


register_rule(RetentionRule(
    name="closed_application_messages", setting="RETENTION_CLOSED_APPLICATION_MESSAGES_DAYS",
    description="Messages of applications that were hired, declined or withdrawn.",
    count=_count, purge=_purge,
))


@register_posting_keeper("open_applications")
def keeps_posting_with_open_applications(job_id: Any) -> ColumnElement[bool]:
    """A posting whose applications are still open stays, however long ago it ended."""
    return exists().where(Application.job_id == job_id,
                          Application.status.in_(list(OPEN_STATUSES)))
