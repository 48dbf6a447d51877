"""Applications, the employer's internal notes, messages and survivor feedback.

What an applicant shared is a snapshot taken at submission (encrypted: it may hold
an e-mail or phone), so later profile edits never reach the employer.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from empower_api.db import Base, IdMixin, JSONType, utcnow
from empower_api.jobs.models import Job
from empower_api.security.crypto import EncryptedText


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    VIEWED = "viewed"
    INTERVIEW = "interview"
    OFFERED = "offered"
    HIRED = "hired"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.VIEWED,
                           ApplicationStatus.INTERVIEW, ApplicationStatus.OFFERED})


class ActorRole(StrEnum):
    """Who moved an application, by role only (never who)."""

    APPLICANT = "applicant"
    EMPLOYER = "employer"
    STAFF = "staff"
    SYSTEM = "system"


class Application(IdMixin, Base):
    __tablename__ = "applications"
    __table_args__ = (
        # One application per survivor per posting, also under concurrent submissions.
        UniqueConstraint("job_id", "applicant_id"),
        Index("ix_applications_job_newest", "job_id", "created_at", "id"),
        Index("ix_applications_applicant_newest", "applicant_id", "created_at", "id"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    employer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    # NULL once the applicant erased their account (the employer's pipeline stays).
    applicant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    applicant_handle: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.SUBMITTED)
    cover_note: Mapped[str | None] = mapped_column(EncryptedText())
    # JSON of {"fields": {name: value}, "credentials": [...]}, as it was at submission.
    shared_snapshot: Mapped[str | None] = mapped_column(EncryptedText())
    # [{"status", "at" (RFC 3339), "actor_role"}], oldest first; never an actor's id.
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)

    job: Mapped[Job] = relationship(lazy="raise")


class ApplicationNote(IdMixin, Base):
    """An employer's internal note on an application; the applicant never sees it."""

    __tablename__ = "application_notes"
    __table_args__ = (Index("ix_application_notes_application", "application_id", "created_at"),)

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SenderRole(StrEnum):
    APPLICANT = "applicant"
    EMPLOYER = "employer"


class Message(IdMixin, Base):
    __tablename__ = "application_messages"
    __table_args__ = (
        Index("ix_application_messages_order", "application_id", "created_at", "id"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"))
    sender_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    sender_role: Mapped[str] = mapped_column(String(16))
    # NULL once erased with the sender's or the applicant's account.
    body: Mapped[str | None] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)


class Feedback(IdMixin, Base):
    """A survivor's rating of whether the employer kept its commitments.

    It names no person: staff see only aggregates per employer (at least 5 ratings).
    """

    __tablename__ = "employer_feedback"
    __table_args__ = (Index("ix_employer_feedback_employer", "employer_id", "created_at"),)

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    commitments_kept: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    kept_count: Mapped[int] = mapped_column(Integer)
    rated_count: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
