"""Microgrants: programs, applications, decisions, payout accounts, disbursements
(a transactional outbox with its attempts), Stripe events, grievances and check-ins.

Amounts are integer minor units of the program's ``currency``. Free text written by
or about a survivor (purpose, plan, answers, notes, grievance details, references)
is stored with ``EncryptedText``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from empower_api.db import Base, IdMixin, TimestampMixin, utcnow
from empower_api.security.crypto import EncryptedText


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED,
                             ApplicationStatus.AWAITING_SECOND_APPROVAL)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class PayoutMethod(StrEnum):
    STRIPE = "stripe"
    MANUAL = "manual"


class PayoutAccountStatus(StrEnum):
    PENDING = "pending"  # Stripe onboarding not finished
    ACTIVE = "active"
    RESTRICTED = "restricted"


class DisbursementStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    PAID = "paid"
    FAILED = "failed"


class AttemptOutcome(StrEnum):
    STARTED = "started"
    SUCCEEDED = "succeeded"
    RETRYABLE = "retryable"  # network error, timeout, 429 or 5xx: tried again later
    REFUSED = "refused"  # a definitive 4xx from Stripe
    LOST_CLAIM = "lost_claim"  # the lease expired and another worker took over


class GrievanceAbout(StrEnum):
    APPLICATION = "application"
    PAYOUT = "payout"


class GrievanceStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"


class GrievanceSource(StrEnum):
    SURVIVOR = "survivor"
    CHECK_IN = "check_in"


class GrantProgram(IdMixin, TimestampMixin, Base):
    __tablename__ = "grant_programs"
    __table_args__ = (
        CheckConstraint("budget_amount >= 0", name="budget_nonnegative"),
        CheckConstraint("max_award_amount > 0", name="max_award_positive"),
        CheckConstraint("dual_approval_threshold_amount >= 0", name="threshold_nonnegative"),
        CheckConstraint("awards_per_survivor >= 1", name="awards_cap_positive"),
        CheckConstraint("closes_at > opens_at", name="window_ordered"),
    )

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    budget_amount: Mapped[int] = mapped_column(BigInteger)
    max_award_amount: Mapped[int] = mapped_column(BigInteger)
    dual_approval_threshold_amount: Mapped[int] = mapped_column(BigInteger)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    awards_per_survivor: Mapped[int] = mapped_column(Integer, default=1)
    eligibility_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))


class GrantApplication(IdMixin, TimestampMixin, Base):
    __tablename__ = "grant_applications"
    __table_args__ = (
        CheckConstraint("requested_amount > 0", name="requested_positive"),
        Index("ix_grant_applications_status_created", "status", "created_at", "id"),
    )

    program_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("grant_programs.id"), index=True)
    # Money records stay when an account is erased: no cascade from users.
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))  # staff who applied on their behalf
    currency: Mapped[str] = mapped_column(String(3))
    requested_amount: Mapped[int] = mapped_column(BigInteger)
    approved_amount: Mapped[int | None] = mapped_column(BigInteger, default=None)
    purpose: Mapped[str | None] = mapped_column(EncryptedText())
    plan: Mapped[str | None] = mapped_column(EncryptedText())
    answers: Mapped[str | None] = mapped_column(EncryptedText())  # JSON list of strings
    # 64-bit SimHash of the plan's words (signed), for near-duplicate detection.
    plan_simhash: Mapped[int | None] = mapped_column(BigInteger, default=None)
    status: Mapped[str] = mapped_column(String(32), default=ApplicationStatus.SUBMITTED)
    decision_note: Mapped[str | None] = mapped_column(EncryptedText())
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    first_approver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    flags_overridden_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    flags_override_reason: Mapped[str | None] = mapped_column(EncryptedText())


class GrantDecision(IdMixin, Base):
    """Every decision on an application, in order (who decided is kept for grievances)."""

    __tablename__ = "grant_decisions"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("grant_applications.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Caseload(IdMixin, Base):
    """A staff member is this survivor's caseworker (and so may not decide their grants)."""

    __tablename__ = "grant_caseloads"
    __table_args__ = (UniqueConstraint("staff_id", "user_id"),)

    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PayoutAccount(IdMixin, TimestampMixin, Base):
    __tablename__ = "grant_payout_accounts"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=PayoutAccountStatus.PENDING)
    stripe_account_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Manual payouts: a mobile-money number, encrypted, with a blind index for duplicates.
    mobile_money_phone: Mapped[str | None] = mapped_column(EncryptedText())
    mobile_money_index: Mapped[str | None] = mapped_column(String(64), index=True)
    # ``created`` of the last account.updated applied: an older event arriving late is ignored.
    stripe_event_created: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Disbursement(IdMixin, TimestampMixin, Base):
    """The outbox row: written with the approval, then paid by a worker or by staff."""

    __tablename__ = "grant_disbursements"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_grant_disbursements_status_created", "status", "created_at", "id"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("grant_applications.id"), unique=True)
    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("grant_programs.id"), index=True)
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=DisbursementStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by a staff retry after a definitive refusal: a new Stripe idempotency key.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    provider_reference: Mapped[str | None] = mapped_column(String(64), index=True)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    failure_definitive: Mapped[bool] = mapped_column(default=False)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim_token: Mapped[uuid.UUID | None] = mapped_column(default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    transfer_seen: Mapped[bool] = mapped_column(default=False)  # transfer.created arrived
    reversed_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    manual_reference: Mapped[str | None] = mapped_column(EncryptedText())

    @property
    def idempotency_key(self) -> str:
        """Stripe ``Idempotency-Key``: the same for every attempt of one generation."""
        return f"disbursement-{self.id}-{self.generation}"


class DisbursementAttempt(IdMixin, Base):
    __tablename__ = "grant_disbursement_attempts"

    disbursement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("grant_disbursements.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(16), default=AttemptOutcome.STARTED)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class StripeEvent(Base):
    """Each verified webhook event once, by Stripe's event id."""

    __tablename__ = "grant_stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str | None] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Grievance(IdMixin, TimestampMixin, Base):
    __tablename__ = "grant_grievances"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    about: Mapped[str] = mapped_column(String(16))
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("grant_applications.id"), index=True)
    details: Mapped[str | None] = mapped_column(EncryptedText())
    source: Mapped[str] = mapped_column(String(16), default=GrievanceSource.SURVIVOR)
    status: Mapped[str] = mapped_column(String(16), default=GrievanceStatus.OPEN)
    resolution_note: Mapped[str | None] = mapped_column(EncryptedText())
    handled_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))


class CheckIn(IdMixin, Base):
    """A private question after a payout: did it arrive in full, did you keep all of it."""

    __tablename__ = "grant_check_ins"

    disbursement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("grant_disbursements.id"), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    received_in_full: Mapped[bool | None] = mapped_column(default=None)
    kept_all: Mapped[bool | None] = mapped_column(default=None)
    grievance_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("grant_grievances.id", ondelete="SET NULL"))
