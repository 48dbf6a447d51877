"""Share-out: the end of a cycle, when every member is paid out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from empower_api.accounts.models import User
from empower_api.audit.service import record as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict
from empower_api.savings import ledger
from empower_api.savings.access import (
    access,
    current_cycle,
    open_cycle,
)
from empower_api.savings.ledger import credit, debit
from empower_api.savings.loans import accrue_group_interest
from empower_api.savings.models import (
    Account,
    CycleStatus,
    Loan,
    LoanStatus,
    Membership,
    TxType,
)


@dataclass
class Payout:
    member_id: uuid.UUID
    alias: str
    shares: int
    savings: int
    profit: int
    amount: int


@dataclass
class ShareOut:
    cycle_id: uuid.UUID
    next_cycle_id: uuid.UUID
    currency: str
    payouts: list[Payout]
    total: int
    social_fund_carried_over: int
    undistributed: int


def share_out(session: Session, *, actor: User, group_id: uuid.UUID) -> ShareOut:
    """Pay every member their savings plus interest and fines in proportion to shares.

    Profit (interest + fines) is split by the largest-remainder method, so payouts sum
    exactly to the distributable total. The social fund stays with the group. Refused
    while any loan is outstanding. Closes the cycle and opens the next.
    """
    group, me = access(session, actor=actor, group_id=group_id, chair=True, lock=True)
    cycle = current_cycle(session, group)
    accrue_group_interest(session, group_id=group.id, now=utcnow())
    outstanding = session.scalar(select(func.count(Loan.id)).where(
        Loan.group_id == group.id, Loan.status == LoanStatus.DISBURSED))
    if outstanding:
        raise Conflict(f"{outstanding} loan(s) are still outstanding; they must be repaid "
                       "before share-out.", code="loans_outstanding")
    balances = ledger.account_balances(session, group.id)
    holdings = {m: h for m, h in ledger.member_holdings(session, group.id).items()
                if h != (0, 0)}
    interest, fines = balances[Account.INTEREST_INCOME], balances[Account.FINES_INCOME]
    weights = {member_id: shares for member_id, (_savings, shares) in holdings.items()}
    profit = interest + fines if sum(weights.values()) > 0 else 0
    profit_parts = ledger.largest_remainder(profit, weights)
    interest_parts = ledger.largest_remainder(interest if profit else 0, profit_parts)
    members = {m.id: m for m in session.scalars(
        select(Membership).where(Membership.id.in_(list(holdings)))
        .options(selectinload(Membership.user)))}
    payouts = []
    for member_id in sorted(holdings, key=lambda m: (members[m].joined_at, str(m))):
        savings, shares = holdings[member_id]
        amount = savings + profit_parts[member_id]
        if amount == 0 and shares == 0:
            continue
        ledger.post(
            session, group, tx_type=TxType.SHARE_OUT, amount=amount, cycle_id=cycle.id,
            member_id=member_id, shares=shares, recorded_by_id=me.id, lines=[
                debit(Account.MEMBER_SHARES, savings, member_id=member_id, shares=-shares),
                debit(Account.INTEREST_INCOME, interest_parts[member_id], member_id=member_id),
                debit(Account.FINES_INCOME, profit_parts[member_id] - interest_parts[member_id],
                      member_id=member_id),
                credit(Account.CASH, amount, member_id=member_id),
            ])
        payouts.append(Payout(member_id=member_id, alias=members[member_id].alias,
                              shares=shares, savings=savings, profit=profit_parts[member_id],
                              amount=amount))
    for loan in session.scalars(select(Loan).where(Loan.group_id == group.id,
                                                   Loan.status == LoanStatus.REQUESTED)):
        loan.status, loan.closed_at = LoanStatus.CANCELLED, utcnow()
    cycle.status, cycle.closed_at = CycleStatus.CLOSED, utcnow()
    session.flush()
    next_cycle = open_cycle(session, group, cycle.number + 1, utcnow().date())
    session.flush()
    total = sum(p.amount for p in payouts)
    audit(session, action="savings.share_out", actor=actor, subject_type="savings_group",
          subject_id=group.id, data={"cycle_id": str(cycle.id), "total": total,
                                     "members": len(payouts)})
    return ShareOut(cycle_id=cycle.id, next_cycle_id=next_cycle.id, currency=group.currency,
                    payouts=payouts, total=total,
                    social_fund_carried_over=balances[Account.SOCIAL_FUND],
                    undistributed=interest + fines - profit)
