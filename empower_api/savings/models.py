"""Savings groups: constitution, members, cycles, meetings, loans and a double-entry ledger.

Every movement of money is a ``Transaction`` with balanced ``LedgerEntry`` lines
(signed integer minor units: debits positive, credits negative, each transaction
sums to zero). Every balance read by a request is kept in ``savings_balances``,
updated in the same transaction as the lines it sums; the ledger stays the source of
truth and ``check_ledger`` recomputes every kept balance from it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from empower_api.db import Base, IdMixin, TimestampMixin, utcnow


class MemberRole(StrEnum):
    CHAIR = "chair"
    TREASURER = "treasurer"
    SECRETARY = "secretary"
    MEMBER = "member"


OFFICER_ROLES = (MemberRole.CHAIR, MemberRole.TREASURER, MemberRole.SECRETARY)


class MemberStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class InterestMethod(StrEnum):
    FLAT = "flat"
    DECLINING = "declining"


class CycleStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class LoanStatus(StrEnum):
    REQUESTED = "requested"
    DISBURSED = "disbursed"
    REPAID = "repaid"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class TxType(StrEnum):
    SHARE_PURCHASE = "share_purchase"
    SOCIAL_FUND = "social_fund"
    FINE = "fine"
    LOAN_REPAYMENT = "loan_repayment"
    LOAN_DISBURSEMENT = "loan_disbursement"
    INTEREST_ACCRUAL = "interest_accrual"
    MEMBER_PAYOUT = "member_payout"
    SHARE_OUT = "share_out"
    REVERSAL = "reversal"


# What officers record at meetings (directly or through /sync).
RECORDABLE_TYPES = (TxType.SHARE_PURCHASE, TxType.SOCIAL_FUND, TxType.FINE, TxType.LOAN_REPAYMENT)


class TxOrigin(StrEnum):
    """Whose key space a transaction's ``client_id`` lives in: a client's (officers'
    devices) or the system's (accrual, disbursement, reversal, share-out). A client can
    never take a system key, however predictable it is."""

    CLIENT = "client"
    SYSTEM = "system"


class Account(StrEnum):
    """The group's chart of accounts. Assets are debit-normal; the rest credit-normal."""

    CASH = "cash"
    LOANS_RECEIVABLE = "loans_receivable"  # per loan: principal outstanding
    INTEREST_RECEIVABLE = "interest_receivable"  # per loan: interest owed, not yet paid
    MEMBER_SHARES = "member_shares"  # per member: the value of their shares (equity)
    SOCIAL_FUND = "social_fund"  # group equity, carried over at share-out
    INTEREST_INCOME = "interest_income"
    FINES_INCOME = "fines_income"


ASSET_ACCOUNTS = (Account.CASH, Account.LOANS_RECEIVABLE, Account.INTEREST_RECEIVABLE)


class SavingsGroup(IdMixin, TimestampMixin, Base):
    __tablename__ = "savings_groups"
    __table_args__ = (
        CheckConstraint("share_price > 0", name="share_price_positive"),
        CheckConstraint("max_shares_per_meeting >= 1", name="max_shares_positive"),
        CheckConstraint("social_fund_amount >= 0", name="social_fund_nonnegative"),
        CheckConstraint("loan_interest_bps_per_month >= 0", name="interest_nonnegative"),
        CheckConstraint("max_loan_multiple >= 0", name="loan_multiple_nonnegative"),
        CheckConstraint("cycle_months >= 1", name="cycle_months_positive"),
    )

    name: Mapped[str] = mapped_column(String(80))
    currency: Mapped[str] = mapped_column(String(3))
    share_price: Mapped[int] = mapped_column(BigInteger)
    max_shares_per_meeting: Mapped[int] = mapped_column(Integer)
    social_fund_amount: Mapped[int] = mapped_column(BigInteger)
    loan_interest_bps_per_month: Mapped[int] = mapped_column(Integer)
    interest_method: Mapped[str] = mapped_column(String(16), default=InterestMethod.FLAT)
    max_loan_multiple: Mapped[int] = mapped_column(Integer)
    cycle_months: Mapped[int] = mapped_column(Integer)
    invite_code: Mapped[str] = mapped_column(String(16), unique=True)
    # The open cycle, kept by the service under the group lock. Deliberately not a
    # foreign key: cycles already point at their group, and a cycle of FKs would make
    # migrations and deletes order-dependent.
    current_cycle_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # Counters advanced only while the group row is locked: ledger order, meeting order.
    last_tx_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_entry_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_meeting_seq: Mapped[int] = mapped_column(Integer, default=0)


class Membership(IdMixin, Base):
    __tablename__ = "savings_memberships"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("savings_groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=MemberRole.MEMBER)
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(default=None)

    # Loaded only where an alias is shown (lists use selectinload): the hot path skips it.
    user = relationship("User", lazy="select")

    @property
    def alias(self) -> str:
        return self.user.public_name

    @property
    def is_officer(self) -> bool:
        return self.status == MemberStatus.ACTIVE and self.role in OFFICER_ROLES

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE


class Cycle(IdMixin, Base):
    __tablename__ = "savings_cycles"
    __table_args__ = (UniqueConstraint("group_id", "number"),)

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("savings_groups.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    share_price: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=CycleStatus.OPEN)
    started_on: Mapped[date]
    ends_on: Mapped[date]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class Meeting(IdMixin, Base):
    __tablename__ = "savings_meetings"
    __table_args__ = (
        UniqueConstraint("group_id", "seq"),
        UniqueConstraint("group_id", "client_id"),
    )

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("savings_groups.id", ondelete="CASCADE"), index=True
    )
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("savings_cycles.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[date]
    client_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("savings_memberships.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Loaded with the meeting: a share purchase is valued at its cycle's share price.
    cycle: Mapped[Cycle] = relationship(lazy="joined", innerjoin=True)
    attendance: Mapped[list[MeetingAttendance]] = relationship(
        cascade="all, delete-orphan", order_by="MeetingAttendance.member_id"
    )

    @property
    def attendee_ids(self) -> list[uuid.UUID]:
        return sorted((a.member_id for a in self.attendance), key=str)


class MeetingAttendance(Base):
    __tablename__ = "savings_meeting_attendance"

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("savings_meetings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("savings_memberships.id"), primary_key=True
    )


class Loan(IdMixin, Base):
    __tablename__ = "savings_loans"
    __table_args__ = (
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("term_months >= 1", name="term_positive"),
        Index("ix_savings_loans_group_status", "group_id", "status"),
    )

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("savings_groups.id", ondelete="CASCADE"))
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("savings_cycles.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("savings_memberships.id"), index=True)
    principal: Mapped[int] = mapped_column(BigInteger)
    term_months: Mapped[int] = mapped_column(Integer)
    # The constitution's terms at request time; the loan keeps them.
    interest_bps_per_month: Mapped[int] = mapped_column(Integer)
    interest_method: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=LoanStatus.REQUESTED)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("savings_memberships.id"))
    disbursed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Declining-balance interest: months [0, months_accrued) have been posted.
    months_accrued: Mapped[int] = mapped_column(Integer, default=0)


class Transaction(IdMixin, Base):
    """One movement of money, made of balanced ledger lines; never edited or deleted."""

    __tablename__ = "savings_transactions"
    __table_args__ = (
        UniqueConstraint("group_id", "origin", "client_id"),
        UniqueConstraint("group_id", "seq"),
        Index("ix_savings_transactions_member_seq", "member_id", "seq"),
        Index("ix_savings_transactions_meeting", "meeting_id", "member_id"),
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
    )

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("savings_groups.id", ondelete="CASCADE"))
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("savings_cycles.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    client_id: Mapped[uuid.UUID]
    origin: Mapped[str] = mapped_column(String(8), default=TxOrigin.CLIENT,
                                        server_default=TxOrigin.CLIENT.value)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(24))
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("savings_meetings.id"))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("savings_memberships.id"))
    loan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("savings_loans.id"), index=True)
    shares: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("savings_transactions.id"), unique=True
    )
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("savings_memberships.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", lazy="selectin", order_by="LedgerEntry.seq"
    )


class LedgerEntry(IdMixin, Base):
    """One line of a posting: signed minor units (debit > 0, credit < 0)."""

    __tablename__ = "savings_ledger_entries"
    __table_args__ = (
        UniqueConstraint("group_id", "seq"),
        Index("ix_savings_ledger_entries_balance", "group_id", "account", "member_id"),
        Index("ix_savings_ledger_entries_loan", "loan_id", "account"),
        CheckConstraint("amount <> 0", name="amount_nonzero"),
    )

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("savings_groups.id", ondelete="CASCADE"))
    transaction_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("savings_transactions.id"), index=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    account: Mapped[str] = mapped_column(String(32))
    transaction_type: Mapped[str] = mapped_column(String(24))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("savings_memberships.id"))
    loan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("savings_loans.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    # Change in shares held, on member_shares lines only.
    shares: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    transaction: Mapped[Transaction] = relationship(back_populates="entries", lazy="raise")

    @property
    def debit(self) -> int:
        return self.amount if self.amount > 0 else 0

    @property
    def credit(self) -> int:
        return -self.amount if self.amount < 0 else 0


class BalanceHolder(StrEnum):
    """Whose balance a kept balance is: the group's account, a member's, or a loan's."""

    GROUP = "group"
    MEMBER = "member"
    LOAN = "loan"


# Which accounts are kept per member and per loan (the group keeps every account).
MEMBER_KEPT_ACCOUNTS = (Account.MEMBER_SHARES, Account.LOANS_RECEIVABLE)
LOAN_KEPT_ACCOUNTS = (Account.LOANS_RECEIVABLE, Account.INTEREST_RECEIVABLE)


class Balance(Base):
    """The running sum of one account's ledger lines, kept by ``ledger.post``.

    ``holder_id`` is the group (for the group's whole account), a membership or a loan;
    ``amount`` is the raw signed sum (debits positive), ``shares`` the shares held on
    ``member_shares``. Written only under the group's row lock, in the transaction that
    writes the lines, so it always equals the sum of those lines. (No CHECK on cash: an
    upsert of a negative delta would trip it before the conflict adds it; ``post``
    refuses an overdraft instead.)
    """

    __tablename__ = "savings_balances"

    holder_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(32), primary_key=True)
    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("savings_groups.id", ondelete="CASCADE"), index=True
    )
    holder: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    shares: Mapped[int] = mapped_column(BigInteger, default=0)


__all__ = [
    "ASSET_ACCOUNTS", "LOAN_KEPT_ACCOUNTS", "MEMBER_KEPT_ACCOUNTS", "OFFICER_ROLES",
    "RECORDABLE_TYPES", "Account", "Balance", "BalanceHolder", "Cycle", "CycleStatus",
    "InterestMethod", "LedgerEntry", "Loan", "LoanStatus", "Meeting", "MeetingAttendance",
    "MemberRole", "MemberStatus", "Membership", "SavingsGroup", "Transaction", "TxType",
]
