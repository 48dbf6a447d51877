"""Messages inside an application, between the applicant and the employer's members.

In order (oldest first), cursor paged, bodies encrypted at rest. A withdrawn or
declined application, or a hire whose posting has closed, stays readable but takes
no new messages. The system never adds contact details: a message carries only
what its sender typed, and the sender is shown by role.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.db import utcnow
from empower_api.errors import Conflict
from empower_api.jobs.applications import views
from empower_api.jobs.applications.models import (
    ActorRole,
    Application,
    ApplicationStatus,
    Message,
    SenderRole,
)
from empower_api.jobs.applications.service import find_for_participant
from empower_api.jobs.models import EmployerMember, Job, JobStatus
from empower_api.notifications.service import notify
from empower_api.pagination import Page, SortKey, paginate

MAX_BODY = 4000


def accepts_messages(application: Application, job_status: str) -> bool:
    """Open applications take messages; withdrawn, declined and hired-and-closed do not."""
    if application.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED):
        return False
    return not (application.status == ApplicationStatus.HIRED
                and job_status == JobStatus.CLOSED)


def list_messages(session: Session, *, actor: User, application_id: uuid.UUID, limit: int,
                  cursor: str | None) -> Page[dict[str, Any]]:
    """The conversation, oldest first (participants only; anyone else 404)."""
    application, _side = find_for_participant(session, actor=actor,
                                               application_id=application_id)
    page = paginate(session, select(Message).where(Message.application_id == application.id),
                    keys=[SortKey(Message.created_at), SortKey(Message.id)],
                    limit=limit, cursor=cursor, scope=f"messages:{application.id}")
    return Page(items=[views.message_view(m, reader_id=actor.id) for m in page.items],
                next_cursor=page.next_cursor)


def post_message(session: Session, *, actor: User, application_id: uuid.UUID,
                 body: str) -> dict[str, Any]:
    """Send a message; the other side is notified neutrally ("You have a new message").

    409 ``application_closed`` when the application takes no new messages.
    """
    application, side = find_for_participant(session, actor=actor,
                                             application_id=application_id, lock=True)
    job_status = session.scalar(select(Job.status).where(Job.id == application.job_id))
    if not accepts_messages(application, job_status or JobStatus.CLOSED):
        raise Conflict("This application is closed: its messages can be read but not added to.",
                       code="application_closed")
    role = SenderRole.APPLICANT if side == ActorRole.APPLICANT else SenderRole.EMPLOYER
    message = Message(id=uuid.uuid4(), application_id=application.id, sender_id=actor.id,
                      sender_role=role, body=body, created_at=utcnow())
    session.add(message)
    session.flush()
    if role == SenderRole.APPLICANT:
        recipients = list(session.scalars(select(EmployerMember.user_id).where(
            EmployerMember.employer_id == application.employer_id)))
    else:
        recipients = [application.applicant_id] if application.applicant_id else []
    for user_id in recipients:
        notify(session, user_id=user_id, kind="message.new", subject_type="application",
               subject_id=application.id)
    return views.message_view(message, reader_id=actor.id)
