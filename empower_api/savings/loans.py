"""Loans: request, approval (disbursement), rejection, interest, and what is owed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.audit.service import record as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, Forbidden, Invalid, NotFound
from empower_api.i18n import N_, msg
from empower_api.i18n.labels import label
from empower_api.pagination import Page, SortKey, paginate
from empower_api.savings import ledger
from empower_api.savings.access import (
    access,
    add_months,
    current_cycle,
    lock_group,
    readable_record,
)
from empower_api.savings.ledger import credit, debit
from empower_api.savings.models import (
    Account,
    InterestMethod,
    Loan,
    LoanStatus,
    Membership,
    SavingsGroup,
    TxType,
)

_ACCRUAL_NAMESPACE = uuid.UUID("8f0c2a53-2a4e-4c67-9a0e-3d5d3e7f6a11")


def interest_for(principal: int, bps_per_month: int, months: int) -> int:
    """principal × bps/10000 × months, rounded half up to the minor unit, exactly."""
    return (2 * principal * bps_per_month * months + 10_000) // 20_000


def _loanable_cash(balances: dict[Account, int]) -> int:
    """Cash that may be lent: the social fund is kept apart for emergencies."""
    return balances[Account.CASH] - balances[Account.SOCIAL_FUND]


def _check_loan_limits(session: Session, group: SavingsGroup, member: Membership,
                       principal: int, *, conflict: bool) -> None:
    savings, _shares = ledger.member_holdings(session, group.id, [member.id]).get(
        member.id, (0, 0))
    owed = ledger.balance(session, group.id, Account.LOANS_RECEIVABLE, member_id=member.id)
    limit = group.max_loan_multiple * savings - owed
    loanable = _loanable_cash(ledger.account_balances(session, group.id))
    if principal > limit:
        message = msg("You can borrow up to {limit} ({multiple} × your savings, less what "
                      "you owe).", limit=max(limit, 0), multiple=group.max_loan_multiple)
        if conflict:
            raise Conflict(message, code="over_loan_limit")
        raise Invalid("principal", message)
    if principal > loanable:
        message = msg("The group has {amount} available to lend.", amount=max(loanable, 0))
        if conflict:
            raise Conflict(message, code="insufficient_cash")
        raise Invalid("principal", message)


def request_loan(session: Session, *, actor: User, group_id: uuid.UUID,
                 data: dict[str, Any]) -> Loan:
    """A member asks for a loan for themselves; limits are checked now and at approval."""
    group, me = access(session, actor=actor, group_id=group_id, lock=True)
    cycle = current_cycle(session, group)
    pending = session.scalar(select(Loan.id).where(Loan.member_id == me.id,
                                                   Loan.status == LoanStatus.REQUESTED))
    if pending is not None:
        raise Conflict("You have a loan request waiting already.", code="loan_pending")
    _check_loan_limits(session, group, me, data["principal"], conflict=False)
    loan = Loan(id=uuid.uuid4(), group_id=group.id, cycle_id=cycle.id, member_id=me.id,
                principal=data["principal"], term_months=data["term_months"],
                interest_bps_per_month=group.loan_interest_bps_per_month,
                interest_method=group.interest_method, purpose=data.get("purpose"),
                status=LoanStatus.REQUESTED, months_accrued=0)
    session.add(loan)
    session.flush()
    return loan


def _officer_loan(session: Session, *, actor: User, group_id: uuid.UUID,
                  loan_id: uuid.UUID) -> tuple[SavingsGroup, Membership, Loan]:
    group, me = access(session, actor=actor, group_id=group_id, officer=True, lock=True)
    loan = session.get(Loan, loan_id)
    if loan is None or loan.group_id != group.id:
        raise NotFound("No such loan.")
    if loan.member_id == me.id:
        raise Forbidden("Another officer must decide on your own loan.", code="own_loan")
    if loan.status != LoanStatus.REQUESTED:
        raise Conflict(msg("This loan was decided already (it is: {status}).",
                           status=label("loan_status", loan.status)), code="loan_not_requested")
    return group, me, loan


def approve_loan(session: Session, *, actor: User, group_id: uuid.UUID,
                 loan_id: uuid.UUID) -> Loan:
    """An officer other than the borrower approves; the loan is disbursed from cash."""
    group, me, loan = _officer_loan(session, actor=actor, group_id=group_id, loan_id=loan_id)
    cycle = current_cycle(session, group)
    borrower = session.get(Membership, loan.member_id)
    if borrower is None or not borrower.is_active:
        raise Conflict("The borrower has left the group.", code="member_left")
    _check_loan_limits(session, group, borrower, loan.principal, conflict=True)
    lines = [debit(Account.LOANS_RECEIVABLE, loan.principal, member_id=borrower.id,
                   loan_id=loan.id),
             credit(Account.CASH, loan.principal, member_id=borrower.id)]
    # Flat: the whole term's interest is owed from disbursement. Declining: the first
    # month's is owed now, each later month's on the principal then outstanding.
    months = loan.term_months if loan.interest_method == InterestMethod.FLAT else 1
    interest = interest_for(loan.principal, loan.interest_bps_per_month, months)
    lines += [debit(Account.INTEREST_RECEIVABLE, interest, member_id=borrower.id,
                    loan_id=loan.id),
              credit(Account.INTEREST_INCOME, interest, member_id=borrower.id, loan_id=loan.id)]
    now = utcnow()
    tx = ledger.post(session, group, tx_type=TxType.LOAN_DISBURSEMENT, lines=lines,
                     amount=loan.principal, cycle_id=cycle.id, member_id=borrower.id,
                     loan_id=loan.id, recorded_by_id=me.id)
    loan.status, loan.approved_by_id, loan.disbursed_at = LoanStatus.DISBURSED, me.id, now
    loan.months_accrued = loan.term_months if loan.interest_method == InterestMethod.FLAT else 1
    session.flush()
    audit(session, action="savings.loan_approved", actor=actor, subject_type="savings_loan",
          subject_id=loan.id, data={"group_id": str(group.id), "principal": loan.principal,
                                    "interest": interest, "transaction_id": str(tx.id)})
    return loan


def reject_loan(session: Session, *, actor: User, group_id: uuid.UUID,
                loan_id: uuid.UUID) -> Loan:
    group, _me, loan = _officer_loan(session, actor=actor, group_id=group_id, loan_id=loan_id)
    loan.status, loan.closed_at = LoanStatus.REJECTED, utcnow()
    session.flush()
    audit(session, action="savings.loan_rejected", actor=actor, subject_type="savings_loan",
          subject_id=loan.id, data={"group_id": str(group.id)})
    return loan


def accrue_loan_interest(session: Session, *, group: SavingsGroup, loan: Loan,
                         now: datetime) -> int:
    """Post declining-balance interest for each whole month since disbursement, once.

    Month k (k ≥ 1) falls due k calendar months after disbursement and charges
    bps × the principal outstanding then. Idempotent: each month's posting has a
    client id derived from the loan and the month. The group must be locked.
    """
    if (loan.interest_method != InterestMethod.DECLINING or loan.status != LoanStatus.DISBURSED
            or loan.disbursed_at is None):
        return 0
    start = loan.disbursed_at.date()
    posted = 0
    while add_months(start, loan.months_accrued) <= now.date():
        principal_due, _interest_due = ledger.loan_balances(session, loan.id)
        if principal_due <= 0:
            break
        interest = interest_for(principal_due, loan.interest_bps_per_month, 1)
        month = loan.months_accrued
        loan.months_accrued += 1
        if interest > 0:
            ledger.post(
                session, group, tx_type=TxType.INTEREST_ACCRUAL, amount=interest,
                cycle_id=group.current_cycle_id or loan.cycle_id, member_id=loan.member_id,
                loan_id=loan.id, client_id=uuid.uuid5(_ACCRUAL_NAMESPACE, f"{loan.id}:{month}"),
                lines=[debit(Account.INTEREST_RECEIVABLE, interest, member_id=loan.member_id,
                             loan_id=loan.id),
                       credit(Account.INTEREST_INCOME, interest, member_id=loan.member_id,
                              loan_id=loan.id)],
            )
            posted += interest
    session.flush()
    return posted


def accrue_group_interest(session: Session, *, group_id: uuid.UUID, now: datetime) -> int:
    """Accrue every declining-balance loan of one group (locks the group)."""
    group = lock_group(session, group_id)
    loans = session.scalars(select(Loan).where(
        Loan.group_id == group.id, Loan.status == LoanStatus.DISBURSED,
        Loan.interest_method == InterestMethod.DECLINING))
    return sum(accrue_loan_interest(session, group=group, loan=loan, now=now) for loan in loans)


def groups_with_declining_loans(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Loan.group_id).distinct().where(
        Loan.status == LoanStatus.DISBURSED, Loan.interest_method == InterestMethod.DECLINING)))


@dataclass
class LoanView:
    loan: Loan
    principal_outstanding: int
    interest_outstanding: int


def loan_view(session: Session, loan: Loan) -> LoanView:
    return loan_views(session, [loan])[0]


def loan_views(session: Session, loans: list[Loan]) -> list[LoanView]:
    """Loans with what is still owed, in one ledger query however many."""
    owed = ledger.loans_balances(session, [loan.id for loan in loans])
    return [LoanView(loan=loan, principal_outstanding=owed[loan.id][0],
                     interest_outstanding=owed[loan.id][1]) for loan in loans]


def list_loans(session: Session, *, actor: User, group_id: uuid.UUID, limit: int,
               cursor: str | None, status: str | None = None) -> Page[LoanView]:
    """Officers see every loan; a member (or one who left) sees their own."""
    group, me = access(session, actor=actor, group_id=group_id, write=False, own_records=True)
    stmt = select(Loan).where(Loan.group_id == group.id)
    if not me.is_officer:
        stmt = stmt.where(Loan.member_id == me.id)
    if status:
        stmt = stmt.where(Loan.status == status)
    page = paginate(session, stmt, keys=[SortKey(Loan.requested_at, descending=True),
                                         SortKey(Loan.id, descending=True)],
                    limit=limit, cursor=cursor, scope="savings-loans")
    return Page(items=loan_views(session, page.items), next_cursor=page.next_cursor)


def get_loan(session: Session, *, actor: User, group_id: uuid.UUID,
             loan_id: uuid.UUID) -> LoanView:
    group, me = access(session, actor=actor, group_id=group_id, write=False, own_records=True)
    loan = session.get(Loan, loan_id)
    readable_record(group, me, loan, loan and loan.member_id, missing=N_("No such loan."),
                    others=N_("Only officers see other members' loans."))
    return loan_view(session, loan)
