"""Employers, their members and vetting; job postings; saved jobs and searches.

Full-text search lives outside this metadata (SQLite FTS5 table, PostgreSQL
tsvector side table), created by ``search_ddl`` on ``create_all`` and by migration.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from empower_api.db import Base, IdMixin, JSONType, TimestampMixin, utcnow
from empower_api.jobs import search_ddl


class VettingStatus(StrEnum):
    PENDING = "pending"
    VETTED = "vetted"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


class MemberRole(StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class EmploymentType(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    CONTRACT = "contract"
    TEMPORARY = "temporary"
    INTERNSHIP = "internship"


class PayPeriod(StrEnum):
    HOUR = "hour"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Workplace(StrEnum):
    ONSITE = "onsite"
    HYBRID = "hybrid"
    REMOTE = "remote"


class BackgroundCheck(StrEnum):
    NONE = "none"
    FAIR_CHANCE = "fair_chance"
    REQUIRED = "required"


class JobStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    # Moderation (empower_api.moderation): never public, and the employer cannot edit,
    # publish or close them until staff decide.
    HELD = "held"  # scam signals found on publishing: waits for staff before going out
    HIDDEN = "hidden"  # three distinct reporters: taken down until staff review it
    REMOVED = "removed"  # staff removed it; final


# Statuses set by moderation, which only staff can move a posting out of.
MODERATION_STATUSES = frozenset({JobStatus.HELD, JobStatus.HIDDEN, JobStatus.REMOVED})


class JobCategory(StrEnum):
    """What kind of work a posting is (optional on create, default ``other``).

    Kept small so survivors can exclude whole kinds of work (``PUT
    /me/excluded-categories``): someone who escaped domestic servitude may never want
    housekeeping offers. Labels (and what each covers) are in ``CATEGORY_LABELS``.
    """

    ADMINISTRATION = "administration"
    AGRICULTURE = "agriculture"
    BEAUTY_WELLNESS = "beauty_wellness"
    CARE = "care"
    CONSTRUCTION = "construction"
    EDUCATION = "education"
    FOOD_SERVICE = "food_service"
    HOSPITALITY = "hospitality"
    HOUSEKEEPING = "housekeeping"
    LOGISTICS = "logistics"
    MANUFACTURING = "manufacturing"
    RETAIL = "retail"
    TECHNOLOGY = "technology"
    OTHER = "other"


# English labels (also schema.org ``industry`` in JSON-LD) and what each category covers.
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    JobCategory.ADMINISTRATION: ("Office and administration", "reception, data entry, clerks"),
    JobCategory.AGRICULTURE: ("Agriculture", "farms, fishing, gardening, food processing plants"),
    JobCategory.BEAUTY_WELLNESS: ("Beauty and wellness", "salons, nails, spas, massage"),
    JobCategory.CARE: ("Care", "childcare, elder care, home health aides"),
    JobCategory.CONSTRUCTION: ("Construction", "building trades, labourers, maintenance"),
    JobCategory.EDUCATION: ("Education", "teaching assistants, tutors, trainers"),
    JobCategory.FOOD_SERVICE: ("Food service", "restaurants, kitchens, bakeries, cafés"),
    JobCategory.HOSPITALITY: ("Hospitality", "hotels, events, tourism"),
    JobCategory.HOUSEKEEPING: ("Cleaning and housekeeping",
                               "cleaning, housekeeping, domestic work in private homes"),
    JobCategory.LOGISTICS: ("Transport and logistics", "warehouses, delivery, drivers"),
    JobCategory.MANUFACTURING: ("Manufacturing", "factories, garment work, assembly"),
    JobCategory.RETAIL: ("Retail", "shops, cashiers, stock"),
    JobCategory.TECHNOLOGY: ("Technology", "IT support, software, digital work"),
    JobCategory.OTHER: ("Other", "anything else"),
}


# The trauma-informed commitments an employer declares (API.md, POST /employers).
BOOLEAN_COMMITMENTS = (
    "flexible_scheduling",
    "fair_chance_hiring",
    "pay_transparency",
    "safe_workplace_policy",
    "trauma_informed_training",
    "accommodations",
)


class Employer(IdMixin, TimestampMixin, Base):
    __tablename__ = "employers"
    __table_args__ = (Index("ix_employers_vetting", "vetting_status", "vetted_until"),)

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    # ISO 3166-1 alpha-2 (empower_api.countries); region and city are free text.
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(80))
    city: Mapped[str] = mapped_column(String(80))
    website: Mapped[str | None] = mapped_column(String(300))
    commitments: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    vetting_status: Mapped[str] = mapped_column(String(16), default=VettingStatus.PENDING)
    vetted_until: Mapped[datetime | None] = mapped_column(default=None)
    vetting_decided_at: Mapped[datetime | None] = mapped_column(default=None)

    members: Mapped[list[EmployerMember]] = relationship(
        back_populates="employer", cascade="all, delete-orphan", lazy="raise"
    )

    def is_vetted(self, now: datetime) -> bool:
        """Vetted right now: approved and the approval has not run out."""
        return (
            self.vetting_status == VettingStatus.VETTED
            and self.vetted_until is not None
            and self.vetted_until > now
        )

    def effective_status(self, now: datetime) -> str:
        """The status the read path acts on: a lapsed approval counts as expired."""
        if self.vetting_status == VettingStatus.VETTED and not self.is_vetted(now):
            return VettingStatus.EXPIRED
        return self.vetting_status


class EmployerMember(IdMixin, Base):
    __tablename__ = "employer_members"
    __table_args__ = (UniqueConstraint("employer_id", "user_id"),)

    employer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default=MemberRole.MEMBER)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    employer: Mapped[Employer] = relationship(back_populates="members", lazy="raise")


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class EmployerInvitation(IdMixin, Base):
    """An invitation to join an organisation, addressed to an e-mail address.

    Only the address's blind index is stored: the invitee is whoever signs in with that
    address; nobody becomes a member without accepting, and the inviter learns nothing
    about whether the address has an account.
    """

    __tablename__ = "employer_invitations"
    __table_args__ = (UniqueConstraint("employer_id", "email_index"),)

    employer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE")
    )
    email_index: Mapped[str] = mapped_column(String(64), index=True)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default=InvitationStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)

    employer: Mapped[Employer] = relationship(lazy="raise")


def search_rowid_for(job_id: uuid.UUID) -> int:
    """A stable 63-bit integer key for the SQLite FTS5 row of a posting."""
    return job_id.int >> 65


class Job(IdMixin, TimestampMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("pay_max_amount >= pay_min_amount", name="pay_range"),
        CheckConstraint("pay_min_amount >= 0", name="pay_min_not_negative"),
        Index("ix_jobs_public_newest", "status", "published_at", "id"),
        Index("ix_jobs_public_pay", "status", "pay_max_amount", "id"),
        Index("ix_jobs_employer_status", "employer_id", "status"),
        Index("ix_jobs_status_valid_through", "status", "valid_through"),
        # GET /jobs?country=: newest first within one country.
        Index("ix_jobs_country_newest", "country", "status", "published_at", "id"),
    )

    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    employment_type: Mapped[str] = mapped_column(String(16))
    pay_min_amount: Mapped[int] = mapped_column(BigInteger)
    pay_max_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    pay_period: Mapped[str] = mapped_column(String(8))
    # ISO 3166-1 alpha-2; the employer's country unless the posting names another.
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(80))
    city: Mapped[str] = mapped_column(String(80))
    # Case- and accent-insensitive forms of region and city, for filtering.
    region_key: Mapped[str] = mapped_column(String(80), default="")
    city_key: Mapped[str] = mapped_column(String(80), default="")
    workplace: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(24), default=JobCategory.OTHER,
                                          server_default=JobCategory.OTHER.value)
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    flexible_schedule: Mapped[bool] = mapped_column(default=False)
    background_check: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    valid_through: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Search text, normalised in Python so both engines tokenise the same words.
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")
    # SQLite only: filter values as FTS tokens, so a text match and its filters are
    # intersected inside the full-text index (see search.facet_tokens).
    search_facets: Mapped[str] = mapped_column(Text, default="")
    search_rowid: Mapped[int] = mapped_column(BigInteger, unique=True)
    # PostgreSQL only: the weighted tsvector of search_title and search_body, set by a
    # trigger (search_ddl). On SQLite the column stays empty; FTS5 holds the index.
    search_vector: Mapped[str | None] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), default=None, deferred=True,
        deferred_raiseload=True)

    employer: Mapped[Employer] = relationship(lazy="raise")


class SavedJob(Base):
    __tablename__ = "saved_jobs"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedSearch(IdMixin, TimestampMixin, Base):
    __tablename__ = "saved_searches"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Matches are postings published after this moment; reading them moves it on.
    last_read_at: Mapped[datetime] = mapped_column(default=utcnow)


for _dialect in ("sqlite", "postgresql"):
    for _statement in search_ddl.ddl_statements(_dialect):
        event.listen(Job.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
    for _statement in search_ddl.drop_statements(_dialect):
        event.listen(Job.__table__, "before_drop", DDL(_statement).execute_if(dialect=_dialect))
