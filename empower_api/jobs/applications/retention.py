"""Retention for applications: messages of closed applications go after a period, and a
posting with an application still open is never purged (applications cascade with it).

Registered with ``empower_api.retention.registry``; periods are settings
(``RETENTION_CLOSED_APPLICATION_MESSAGES_DAYS``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.sql.elements import ColumnElement

from empower_api.jobs.applications.models import OPEN_STATUSES, Application, Message
from empower_api.retention.registry import (
    RetentionRule,
    count_rows,
    delete_rows,
    register_posting_keeper,
    register_rule,
)


def _old_messages(cutoff: datetime) -> Select[Any]:
    """Messages of applications that closed (no longer open) before ``cutoff``; an
    application's last change is when it closed, since closed ones never move again."""
    closed = select(Application.id).where(Application.status.not_in(list(OPEN_STATUSES)),
                                          Application.updated_at < cutoff)
    return select(Message.id).where(Message.application_id.in_(closed))


register_rule(RetentionRule(
    name="closed_application_messages", setting="RETENTION_CLOSED_APPLICATION_MESSAGES_DAYS",
    description="Messages of applications that were hired, declined or withdrawn.",
    count=lambda session, cutoff: count_rows(session, _old_messages(cutoff)),
    purge=lambda session, cutoff: delete_rows(session, Message, _old_messages(cutoff)),
))


@register_posting_keeper("open_applications")
def keeps_posting_with_open_applications(job_id: Any) -> ColumnElement[bool]:
    """A posting whose applications are still open stays, however long ago it ended."""
    return exists().where(Application.job_id == job_id,
                          Application.status.in_(list(OPEN_STATUSES)))
