"""Statements and the ledger: what members read, and the check of the books.

The books are open to every member, but only officers see whose each line is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.i18n import N_
from empower_api.pagination import Page, SortKey, paginate
from empower_api.savings import ledger
from empower_api.savings.access import access, readable_record
from empower_api.savings.loans import LoanView, loan_views
from empower_api.savings.models import (
    Account,
    BalanceHolder,
    LedgerEntry,
    Loan,
    LoanStatus,
    Membership,
    Transaction,
)


@dataclass
class Statement:
    member: Membership
    currency: str
    shares: int
    savings: int
    loans: list[LoanView]
    page: Page[Transaction]


def member_statement(session: Session, *, actor: User, group_id: uuid.UUID,
                     member_id: uuid.UUID, limit: int, cursor: str | None) -> Statement:
    """A member's savings, loans and transactions (newest first); theirs or an officer's.

    A member who left may still read their own (their savings may be owed to them).
    """
    group, me = access(session, actor=actor, group_id=group_id, write=False, own_records=True)
    member = session.get(Membership, member_id)
    readable_record(group, me, member, member and member.id,
                    missing=N_("No such member in this group."),
                    others=N_("Only officers see other members' statements."))
    savings, shares = ledger.member_holdings(session, group.id, [member.id]).get(
        member.id, (0, 0))
    loans = loan_views(session, list(session.scalars(
        select(Loan).where(Loan.member_id == member.id,
                           Loan.status.in_([LoanStatus.REQUESTED, LoanStatus.DISBURSED]))
        .order_by(Loan.requested_at))))
    page = paginate(session, select(Transaction).where(Transaction.member_id == member.id),
                    keys=[SortKey(Transaction.seq, descending=True)], limit=limit,
                    cursor=cursor, scope="savings-statement")
    return Statement(member=member, currency=group.currency, shares=shares, savings=savings,
                     loans=loans, page=page)


@dataclass
class LedgerLine:
    """A ledger line as shown to one member: whose it is may be withheld."""

    id: uuid.UUID
    seq: int
    transaction_id: uuid.UUID
    transaction_type: str
    account: str
    member_id: uuid.UUID | None
    loan_id: uuid.UUID | None
    debit: int
    credit: int
    shares: int
    created_at: datetime


def _ledger_line(entry: LedgerEntry, me: Membership) -> LedgerLine:
    named = me.is_officer or entry.member_id == me.id
    return LedgerLine(id=entry.id, seq=entry.seq, transaction_id=entry.transaction_id,
                      transaction_type=entry.transaction_type, account=entry.account,
                      member_id=entry.member_id if named else None,
                      loan_id=entry.loan_id if named else None, debit=entry.debit,
                      credit=entry.credit, shares=entry.shares, created_at=entry.created_at)


def group_ledger(session: Session, *, actor: User, group_id: uuid.UUID, limit: int,
                 cursor: str | None) -> Page[LedgerLine]:
    """Every ledger line of the group, newest first (members).

    The books are open to every member, but only officers see whose each line is: a
    plain member sees ``member_id`` and ``loan_id`` on their own lines only.
    """
    group, me = access(session, actor=actor, group_id=group_id, write=False)
    page = paginate(session, select(LedgerEntry).where(LedgerEntry.group_id == group.id),
                    keys=[SortKey(LedgerEntry.seq, descending=True)], limit=limit,
                    cursor=cursor, scope="savings-ledger")
    return Page(items=[_ledger_line(entry, me) for entry in page.items],
                next_cursor=page.next_cursor)


@dataclass(frozen=True)
class BalanceMismatch:
    """A kept balance that differs from the sum of its ledger lines (raw signed units)."""

    group_id: uuid.UUID
    holder: str  # group, member or loan
    holder_id: uuid.UUID
    account: str
    kept: int
    ledger: int
    kept_shares: int
    ledger_shares: int

    def describe(self) -> str:
        """One line naming the account by ids only (no name, alias or contact)."""
        return (f"group {self.group_id} {self.holder} {self.holder_id} account {self.account}: "
                f"kept {self.kept} ({self.kept_shares} shares), ledger {self.ledger} "
                f"({self.ledger_shares} shares)")


@dataclass
class LedgerCheck:
    balanced: bool
    transactions: int
    entries: int
    unbalanced_transactions: list[uuid.UUID]
    cash: int
    balances_checked: int = 0
    balance_mismatches: list[BalanceMismatch] = field(default_factory=list)


def check_ledger(session: Session, *, group_id: uuid.UUID | None = None) -> LedgerCheck:
    """Recompute the books from the ledger lines alone (of one group, or all).

    Checks that every journal entry balances (its lines sum to zero: debits = credits),
    that no group's cash is negative, and that every kept balance equals the sum of its
    lines (a kept balance with no lines must be zero). ``balanced`` is True only if all
    hold. Reads every line of the scope: an operator's command, not a request's.
    """
    stmt = select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount)).group_by(
        LedgerEntry.transaction_id)
    count_tx = select(func.count(Transaction.id))
    count_entries = select(func.count(LedgerEntry.id))
    if group_id is not None:
        stmt = stmt.where(LedgerEntry.group_id == group_id)
        count_tx = count_tx.where(Transaction.group_id == group_id)
        count_entries = count_entries.where(LedgerEntry.group_id == group_id)
    unbalanced = [tx_id for tx_id, total in session.execute(stmt) if int(total) != 0]
    expected = ledger.recompute_balances(session, group_id=group_id)
    kept = ledger.kept_balances(session, group_id=group_id)
    mismatches = []
    for key in sorted(expected.keys() | kept.keys(), key=lambda k: (str(k[0]), k[1])):
        should = expected.get(key)
        have = kept.get(key)
        should_amount, should_shares = (should.amount, should.shares) if should else (0, 0)
        have_amount, have_shares = (have.amount, have.shares) if have else (0, 0)
        if (should_amount, should_shares) != (have_amount, have_shares):
            where = should or have
            assert where is not None
            mismatches.append(BalanceMismatch(
                group_id=where.group_id, holder=where.holder, holder_id=key[0], account=key[1],
                kept=have_amount, ledger=should_amount, kept_shares=have_shares,
                ledger_shares=should_shares))
    cash_rows = [b for (_holder_id, account), b in expected.items()
                 if account == Account.CASH and b.holder == BalanceHolder.GROUP]
    cash_total = sum(b.amount for b in cash_rows)
    return LedgerCheck(
        balanced=not unbalanced and not mismatches and all(b.amount >= 0 for b in cash_rows),
        transactions=int(session.scalar(count_tx) or 0),
        entries=int(session.scalar(count_entries) or 0),
        unbalanced_transactions=unbalanced, cash=cash_total,
        balances_checked=len(expected.keys() | kept.keys()), balance_mismatches=mismatches)
