"""Export and erasure of a user's savings records (registered with accounts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.accounts.service import register_eraser, register_exporter
from empower_api.savings.access import lock_group
from empower_api.savings.groups import withdraw
from empower_api.savings.models import (
    Loan,
    Meeting,
    MeetingAttendance,
    Membership,
    MemberStatus,
    SavingsGroup,
    Transaction,
)
from empower_api.timefmt import rfc3339

# Ledger lines, meetings and attendance stay when an account is erased: they belong to
# the group's books and point only at the pseudonymous membership.
SAVINGS_USER_TABLES = ("savings_memberships", "savings_transactions", "savings_ledger_entries",
                       "savings_loans", "savings_meetings", "savings_meeting_attendance")


@register_exporter("savings", tables=SAVINGS_USER_TABLES)
def export_savings(session: Session, user: User) -> dict[str, Any]:
    """The caller's memberships (with each group's name), attendance, transactions with
    their ledger lines, loans and the meetings they recorded."""
    rows = session.execute(
        select(Membership, SavingsGroup.name).join(SavingsGroup,
                                                   SavingsGroup.id == Membership.group_id)
        .where(Membership.user_id == user.id).order_by(Membership.joined_at)).all()
    member_ids = [m.id for m, _name in rows]
    if not member_ids:
        return {"memberships": [], "attendance": [], "transactions": [], "loans": [],
                "meetings_recorded": []}
    txs = session.scalars(select(Transaction).where(Transaction.member_id.in_(member_ids))
                          .order_by(Transaction.created_at, Transaction.seq))
    loans = session.scalars(select(Loan).where(Loan.member_id.in_(member_ids))
                            .order_by(Loan.requested_at))
    attended = session.execute(
        select(Meeting.group_id, Meeting.id, Meeting.held_on)
        .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
        .where(MeetingAttendance.member_id.in_(member_ids))
        .order_by(Meeting.held_on, Meeting.id)).all()
    recorded = session.execute(
        select(Meeting.group_id, Meeting.id, Meeting.held_on)
        .where(Meeting.recorded_by_id.in_(member_ids)).order_by(Meeting.held_on, Meeting.id)
    ).all()
    return {
        "memberships": [
            {"member_id": str(m.id), "group_id": str(m.group_id), "group_name": name,
             "role": m.role, "status": m.status, "joined_at": rfc3339(m.joined_at),
             "left_at": rfc3339(m.left_at)} for m, name in rows],
        "attendance": [{"group_id": str(g), "meeting_id": str(mid), "held_on": held.isoformat()}
                       for g, mid, held in attended],
        "transactions": [
            {"id": str(t.id), "group_id": str(t.group_id), "type": t.type, "amount": t.amount,
             "currency": t.currency, "shares": t.shares, "created_at": rfc3339(t.created_at),
             "lines": [{"account": e.account, "amount": e.amount} for e in t.entries]}
            for t in txs],
        "loans": [
            {"id": str(loan.id), "group_id": str(loan.group_id), "principal": loan.principal,
             "term_months": loan.term_months, "status": loan.status, "purpose": loan.purpose}
            for loan in loans],
        "meetings_recorded": [{"group_id": str(g), "meeting_id": str(mid),
                               "held_on": held.isoformat()} for g, mid, held in recorded],
    }


@register_eraser(tables=SAVINGS_USER_TABLES)
def erase_savings(session: Session, user: User) -> None:
    """Erasing an account leaves its groups, as leaving without payout does.

    Ledger rows stay (the books must balance) and the member's savings are owed at
    share-out; loan requests are cancelled, disbursed loans are still repaid; a chair
    passes the chair on. Free-text loan purposes go.
    """
    group_ids = list(session.scalars(
        select(Membership.group_id).where(Membership.user_id == user.id,
                                          Membership.status == MemberStatus.ACTIVE)
        .order_by(Membership.group_id)))
    for group_id in group_ids:  # one group at a time, locked, in a fixed order
        group = lock_group(session, group_id)
        member = session.scalar(
            select(Membership).where(Membership.group_id == group.id,
                                     Membership.user_id == user.id)
            .execution_options(populate_existing=True))
        if member is not None and member.is_active:
            withdraw(session, group, member)
    member_ids = select(Membership.id).where(Membership.user_id == user.id)
    for loan in session.scalars(select(Loan).where(Loan.member_id.in_(member_ids))):
        loan.purpose = None
    session.flush()
