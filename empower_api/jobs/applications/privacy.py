"""Export and erasure of applications, notes, messages and feedback.

Erasure (``DELETE /me``): an applicant's applications stay in the employer's
pipeline, pseudonymised (no applicant link, no cover note, no shared snapshot; open
ones withdrawn); every message body of those conversations and the notes about them
are erased; feedback loses its comment. An employer member's own message bodies are
erased and their notes lose their author. Nothing here moves money.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from empower_api.accounts import service as accounts
from empower_api.accounts.models import User
from empower_api.db import utcnow
from empower_api.jobs.applications import views
from empower_api.jobs.applications.models import (
    OPEN_STATUSES,
    ActorRole,
    Application,
    ApplicationNote,
    ApplicationStatus,
    Feedback,
    Message,
)
from empower_api.timefmt import rfc3339

# Every table of this domain that holds rows about a person (directly or through an
# application), for the coverage check of export and erasure.
APPLICATION_USER_TABLES = ("applications", "application_messages", "application_notes",
                           "employer_feedback")


@accounts.register_exporter("job_applications", tables=APPLICATION_USER_TABLES)
def export_user(session: Session, user: User) -> dict[str, Any]:
    applications = list(session.scalars(
        select(Application).where(Application.applicant_id == user.id)
        .order_by(Application.created_at, Application.id)))
    own_ids = [a.id for a in applications]
    messages = session.scalars(
        select(Message).where(or_(Message.application_id.in_(own_ids),
                                  Message.sender_id == user.id))
        .order_by(Message.created_at, Message.id))
    feedback = session.scalars(select(Feedback).where(Feedback.application_id.in_(own_ids)))
    notes = session.scalars(select(ApplicationNote).where(ApplicationNote.author_id == user.id))
    return {
        "applications": [
            {"id": str(a.id), "job_id": str(a.job_id), "applicant_handle": a.applicant_handle,
             "status": a.status, "cover_note": a.cover_note, "shared": views.shared_of(a),
             "history": a.history, "submitted_at": rfc3339(a.created_at)}
            for a in applications],
        "messages": [
            {"id": str(m.id), "application_id": str(m.application_id),
             "sender_role": m.sender_role, "mine": m.sender_id == user.id, "body": m.body,
             "created_at": rfc3339(m.created_at)} for m in messages],
        "feedback_given": [
            {"application_id": str(f.application_id), "commitments_kept": f.commitments_kept,
             "comment": f.comment, "created_at": rfc3339(f.created_at)} for f in feedback],
        "notes_written": [
            {"application_id": str(n.application_id), "body": n.body,
             "created_at": rfc3339(n.created_at)} for n in notes],
    }


@accounts.register_eraser(tables=APPLICATION_USER_TABLES)
def erase_user(session: Session, user: User) -> None:
    now = utcnow()
    applications = list(session.scalars(
        select(Application).where(Application.applicant_id == user.id)
        .with_for_update().execution_options(populate_existing=True)))
    ids = [a.id for a in applications]
    for application in applications:
        if application.status in OPEN_STATUSES:
            application.status = ApplicationStatus.WITHDRAWN
            application.history = [*application.history, {
                "status": ApplicationStatus.WITHDRAWN, "at": rfc3339(now),
                "actor_role": ActorRole.SYSTEM}]
        application.applicant_id = None
        application.cover_note = None
        application.shared_snapshot = None
        application.erased_at = now
        application.updated_at = now
    if ids:
        session.execute(update(Message).where(Message.application_id.in_(ids))
                        .values(body=None, sender_id=None, erased_at=now))
        session.execute(delete(ApplicationNote).where(ApplicationNote.application_id.in_(ids)))
        session.execute(update(Feedback).where(Feedback.application_id.in_(ids))
                        .values(comment=None))
    session.execute(update(Message).where(Message.sender_id == user.id)
                    .values(body=None, sender_id=None, erased_at=now))
    session.execute(update(ApplicationNote).where(ApplicationNote.author_id == user.id)
                    .values(author_id=None))
    session.flush()
