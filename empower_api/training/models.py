"""Courses, modules, enrollments, credentials, status lists and prior-learning claims.

Full-text search of courses lives outside this metadata (SQLite FTS5 table,
PostgreSQL trigger and GIN index), created by ``search_ddl`` on ``create_all`` and
by the migration.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from empower_api.db import Base, IdMixin, JSONType, TimestampMixin, utcnow
from empower_api.security.crypto import EncryptedText
from empower_api.training import search_ddl


class Modality(StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class CredentialStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class ClaimStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    DECLINED = "declined"


def search_rowid_for(course_id: uuid.UUID) -> int:
    """A stable 63-bit integer key for the SQLite FTS5 row of a course."""
    return course_id.int >> 65


class Course(IdMixin, TimestampMixin, Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("cost_amount >= 0", name="cost_not_negative"),
        CheckConstraint("duration_hours > 0", name="duration_positive"),
        Index("ix_courses_newest", "created_at", "id"),
    )

    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(120))
    modality: Mapped[str] = mapped_column(String(16))
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    duration_hours: Mapped[int] = mapped_column(Integer)
    cost_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    credential_name: Mapped[str] = mapped_column(String(120))
    credential_description: Mapped[str] = mapped_column(Text)
    # The description in other languages, {BCP 47 tag: text}, as staff supply them; a
    # credential is issued in its learner's language when one is here (empower_api.i18n).
    credential_description_translations: Mapped[dict[str, str]] = mapped_column(
        JSONType, default=dict, server_default="{}")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # Search text, normalised in Python so both engines tokenise the same words.
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")
    # SQLite only: filter values as FTS tokens (catalog.facet_tokens), so a text match
    # and its filters are intersected inside the full-text index.
    search_facets: Mapped[str] = mapped_column(Text, default="")
    search_rowid: Mapped[int] = mapped_column(BigInteger, unique=True)
    # PostgreSQL only: set by a trigger (search_ddl); empty on SQLite (FTS5 holds it).
    search_vector: Mapped[str | None] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), default=None, deferred=True,
        deferred_raiseload=True)

    modules: Mapped[list[CourseModule]] = relationship(
        back_populates="course", cascade="all, delete-orphan", lazy="raise",
        order_by="CourseModule.position")

    @property
    def free(self) -> bool:
        return self.cost_amount == 0


class CourseModule(IdMixin, Base):
    __tablename__ = "course_modules"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))

    course: Mapped[Course] = relationship(back_populates="modules", lazy="raise")


class Enrollment(IdMixin, TimestampMixin, Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        # One active enrollment per survivor per course (a withdrawn one may be redone).
        Index("uq_enrollments_active", "user_id", "course_id", unique=True,
              sqlite_where=text("status = 'active'"),
              postgresql_where=text("status = 'active'")),
        Index("ix_enrollments_user_created", "user_id", "created_at", "id"),
        Index("ix_enrollments_course_created", "course_id", "created_at", "id"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=EnrollmentStatus.ACTIVE)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    completed_module_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)

    course: Mapped[Course] = relationship(lazy="raise")


class StatusList(IdMixin, Base):
    """One W3C Bitstring Status List (revocation); indexes are handed out at random."""

    __tablename__ = "credential_status_lists"

    purpose: Mapped[str] = mapped_column(String(16), default="revocation")
    size: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Credential(IdMixin, Base):
    """An issued credential. ``user_id`` is cleared on erasure; the signed document and
    its status entry stay, so it still verifies but leads to nobody."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index"),
        Index("ix_credentials_user_issued", "user_id", "issued_at", "id"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL"), unique=True)
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    subject_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    kid: Mapped[str] = mapped_column(String(300))
    vc: Mapped[dict[str, Any]] = mapped_column(JSONType)
    jws: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_list_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("credential_status_lists.id", ondelete="RESTRICT"))
    status_index: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def status(self) -> str:
        return CredentialStatus.REVOKED if self.revoked_at else CredentialStatus.ACTIVE


class PriorLearningClaim(IdMixin, TimestampMixin, Base):
    """A credential or skill earned elsewhere, claimed by a survivor, decided by staff."""

    __tablename__ = "prior_learning_claims"
    __table_args__ = (
        Index("ix_prior_learning_user_created", "user_id", "created_at", "id"),
        Index("ix_prior_learning_status_created", "status", "created_at", "id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(String(120))
    earned_on: Mapped[date]
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    evidence_note: Mapped[str | None] = mapped_column(EncryptedText())
    status: Mapped[str] = mapped_column(String(16), default=ClaimStatus.PENDING)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_note: Mapped[str | None] = mapped_column(EncryptedText())


for _dialect in ("sqlite", "postgresql"):
    for _statement in search_ddl.ddl_statements(_dialect):
        event.listen(Course.__table__, "after_create",
                     DDL(_statement).execute_if(dialect=_dialect))
    for _statement in search_ddl.drop_statements(_dialect):
        event.listen(Course.__table__, "before_drop",
                     DDL(_statement).execute_if(dialect=_dialect))
