"""Reports of postings, the staff moderation queue, and what survivors keep away.

- ``JobReport``: one per user per posting; three distinct reporters hide it.
- ``ModerationCase``: a posting waiting for staff (reported, or held for scam
  signals) and, once decided, the decision. At most one pending case per posting.
- ``EmployerBlock`` / ``CategoryExclusion``: a survivor's own filters over search,
  saved-search matches and recommendations.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from empower_api.db import Base, IdMixin, JSONType, utcnow
from empower_api.jobs.models import Employer, Job
from empower_api.security.crypto import EncryptedText


class ReportReason(StrEnum):
    UNSAFE = "unsafe"
    MISLEADING = "misleading"
    EXPLOITATIVE = "exploitative"
    OTHER = "other"


class CaseTrigger(StrEnum):
    REPORTS = "reports"  # three distinct reporters
    SCAM_SIGNALS = "scam_signals"  # held on publishing (empower_api.moderation.scam)


class CaseState(StrEnum):
    PENDING = "pending"
    RESTORED = "restored"  # published again (for a held posting: released)
    REMOVED = "removed"


class Decision(StrEnum):
    RESTORE = "restore"
    REMOVE = "remove"


class JobReport(IdMixin, Base):
    __tablename__ = "job_reports"
    __table_args__ = (UniqueConstraint("job_id", "reporter_id", name="uq_job_reports_reporter"),)

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"),
                                              index=True)
    # NULL once the reporter's account is erased: the report still counted.
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    details: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when staff decide the case: reviewed reports no longer count towards hiding.
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)


class ModerationCase(IdMixin, Base):
    __tablename__ = "moderation_cases"
    __table_args__ = (
        Index("uq_moderation_cases_pending", "job_id", unique=True,
              sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),
        Index("ix_moderation_cases_queue", "state", "created_at", "id"),
        Index("ix_moderation_cases_employer", "employer_id", "state", "decided_at"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    employer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(16))
    # Scam signal kinds found (``fees``, ``documents``, ``travel``); empty for reports.
    signals: Mapped[list[str]] = mapped_column(JSONType, default=list)
    state: Mapped[str] = mapped_column(String(16), default=CaseState.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(EncryptedText, default=None)

    job: Mapped[Job] = relationship(lazy="raise")


class EmployerBlock(Base):
    __tablename__ = "employer_blocks"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    employer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    employer: Mapped[Employer] = relationship(lazy="raise")


class CategoryExclusion(Base):
    __tablename__ = "category_exclusions"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(24), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
