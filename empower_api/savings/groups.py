"""Savings groups and membership: create, join, view, roles, leaving.

Other members' money is for officers: a plain member sees the group's totals but
only their own savings.
"""

from __future__ import annotations

import secrets
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from empower_api.accounts.models import User
from empower_api.audit.service import record as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, NotFound
from empower_api.savings import ledger
from empower_api.savings.access import (
    access,
    current_cycle,
    find_membership,
    lock_group,
    open_cycle,
)
from empower_api.savings.ledger import credit, debit
from empower_api.savings.models import (
    OFFICER_ROLES,
    Account,
    Cycle,
    InterestMethod,
    Loan,
    LoanStatus,
    MemberRole,
    Membership,
    MemberStatus,
    SavingsGroup,
    Transaction,
    TxType,
)

log = structlog.get_logger(__name__)

_INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _new_invite_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(_INVITE_ALPHABET) for _ in range(8))
        if session.scalar(select(SavingsGroup.id).where(SavingsGroup.invite_code == code)) is None:
            return code


def create_group(session: Session, *, actor: User, data: dict[str, Any]) -> SavingsGroup:
    """Create a group with its constitution; the creator is its chair; cycle 1 opens."""
    group = SavingsGroup(
        id=uuid.uuid4(), name=data["name"], currency=data["currency"].upper(),
        share_price=data["share_price"], max_shares_per_meeting=data["max_shares_per_meeting"],
        social_fund_amount=data["social_fund_amount"],
        loan_interest_bps_per_month=data["loan_interest_bps_per_month"],
        interest_method=data.get("interest_method") or InterestMethod.FLAT,
        max_loan_multiple=data["max_loan_multiple"], cycle_months=data["cycle_months"],
        invite_code=_new_invite_code(session), last_tx_seq=0, last_entry_seq=0,
        last_meeting_seq=0,
    )
    session.add(group)
    session.flush()  # no ORM relationship orders these inserts
    session.add(Membership(id=uuid.uuid4(), group_id=group.id, user_id=actor.id,
                           role=MemberRole.CHAIR, status=MemberStatus.ACTIVE))
    session.flush()
    open_cycle(session, group, 1, utcnow().date())
    session.flush()
    log.info("savings_group_created", group_id=str(group.id))
    return group


def canonical_invite_code(code: str) -> str:
    """Invite codes compare in one form: NFKC (full-width digits), stripped, upper case."""
    return unicodedata.normalize("NFKC", code).strip().upper()


def join_group(session: Session, *, actor: User, invite_code: str) -> Membership:
    """Join by invite code; someone who left may rejoin (their account continues).

    A group with no active chair gets one again, as when a chair leaves: once everyone
    has left, that is the joiner.
    """
    group_id = session.scalar(
        select(SavingsGroup.id)
        .where(SavingsGroup.invite_code == canonical_invite_code(invite_code))
    )
    if group_id is None:
        raise NotFound("No group has this invite code.", code="invite_code_unknown")
    group = lock_group(session, group_id)  # two joiners of a chairless group: one chair
    member = find_membership(session, group.id, actor)
    if member is not None and member.is_active:
        raise Conflict("You are a member of this group already.", code="already_member")
    if member is None:
        member = Membership(id=uuid.uuid4(), group_id=group.id, user_id=actor.id,
                            role=MemberRole.MEMBER, status=MemberStatus.ACTIVE)
        session.add(member)
    else:
        member.status, member.role, member.left_at = MemberStatus.ACTIVE, MemberRole.MEMBER, None
        member.joined_at = utcnow()
    session.flush()
    _pass_the_chair(session, group, reason="no_chair", actor=actor)
    return member


def list_my_groups(session: Session, *, actor: User) -> list[tuple[SavingsGroup, Membership]]:
    """The groups the actor belongs or belonged to, with their membership."""
    rows = session.execute(
        select(SavingsGroup, Membership).join(Membership, Membership.group_id == SavingsGroup.id)
        .where(Membership.user_id == actor.id).order_by(SavingsGroup.name, SavingsGroup.id)
    )
    return [(group, member) for group, member in rows]


@dataclass
class GroupView:
    group: SavingsGroup
    me: Membership
    cycle: Cycle | None
    members: list[Membership]
    balances: dict[str, int]
    # (savings, shares) of the members whose details the viewer may see: every member
    # for officers, only the viewer otherwise.
    holdings: dict[uuid.UUID, tuple[int, int]] = field(default_factory=dict)

    def sees_details_of(self, member: Membership) -> bool:
        """Officers see every member's savings and history; others their own only."""
        return self.me.is_officer or member.id == self.me.id


def summarize_balances(raw: dict[Account, int]) -> dict[str, int]:
    return {
        "cash": raw[Account.CASH],
        "share_fund": raw[Account.MEMBER_SHARES],
        "social_fund": raw[Account.SOCIAL_FUND],
        "loans_outstanding": raw[Account.LOANS_RECEIVABLE],
        "interest_receivable": raw[Account.INTEREST_RECEIVABLE],
        "interest_earned": raw[Account.INTEREST_INCOME],
        "fines": raw[Account.FINES_INCOME],
    }


def get_group(session: Session, *, actor: User, group_id: uuid.UUID) -> GroupView:
    """Constitution, members (by alias) and balances computed from the ledger.

    Group totals are for every member; members' own savings only for themselves and
    the officers.
    """
    group, me = access(session, actor=actor, group_id=group_id, write=False)
    members = list(session.scalars(
        select(Membership).where(Membership.group_id == group.id)
        .options(selectinload(Membership.user))
        .order_by(Membership.joined_at, Membership.id)
    ))
    cycle = session.get(Cycle, group.current_cycle_id) if group.current_cycle_id else None
    return GroupView(
        group=group, me=me, cycle=cycle, members=members,
        balances=summarize_balances(ledger.account_balances(session, group.id)),
        holdings=ledger.member_holdings(session, group.id,
                                        None if me.is_officer else [me.id]),
    )


def rotate_invite_code(session: Session, *, actor: User, group_id: uuid.UUID) -> SavingsGroup:
    group, _me = access(session, actor=actor, group_id=group_id, chair=True, lock=True)
    group.invite_code = _new_invite_code(session)
    session.flush()
    audit(session, action="savings.invite_rotated", actor=actor, subject_type="savings_group",
          subject_id=group.id)
    return group


def set_role(session: Session, *, actor: User, group_id: uuid.UUID, member_id: uuid.UUID,
             role: str) -> Membership:
    """The chair assigns roles; giving "chair" to someone hands the chair over."""
    group, me = access(session, actor=actor, group_id=group_id, chair=True, lock=True)
    target = session.get(Membership, member_id)
    if target is None or target.group_id != group.id:
        raise NotFound("No such member in this group.")
    if not target.is_active:
        raise Conflict("This member has left the group.", code="member_left")
    if target.id == me.id:
        raise Conflict("Hand the chair to another member first.", code="chair_handover_needed")
    previous = target.role
    target.role = role
    if role == MemberRole.CHAIR:
        me.role = MemberRole.MEMBER
    session.flush()
    audit(session, action="savings.role_changed", actor=actor, subject_type="savings_membership",
          subject_id=target.id, data={"group_id": str(group.id), "from": previous, "to": role})
    return target


@dataclass
class LeaveResult:
    member: Membership
    payout: int
    transaction: Transaction | None


def leave_group(session: Session, *, actor: User, group_id: uuid.UUID,
                payout: bool) -> LeaveResult:
    """Leave at any time. With ``payout`` the member's savings are paid out now (a ledger
    movement); without, they stay owed and are paid at share-out."""
    group, me = access(session, actor=actor, group_id=group_id, lock=True)
    paid = 0
    tx = None
    if payout:
        savings, shares = ledger.member_holdings(session, group.id, [me.id]).get(me.id, (0, 0))
        if savings > 0:
            if ledger.balance(session, group.id, Account.LOANS_RECEIVABLE, member_id=me.id) > 0:
                raise Conflict("Repay your loan before taking your savings out; you can still "
                               "leave and be paid at share-out.", code="loan_outstanding")
            balances = ledger.account_balances(session, group.id)
            if balances[Account.CASH] - balances[Account.SOCIAL_FUND] < savings:
                raise Conflict("The group's cash is out on loan now; leave without payout and "
                               "you are paid at share-out.", code="insufficient_cash")
            cycle = current_cycle(session, group)
            tx = ledger.post(
                session, group, tx_type=TxType.MEMBER_PAYOUT, cycle_id=cycle.id, amount=savings,
                member_id=me.id, recorded_by_id=me.id, shares=shares,
                lines=[debit(Account.MEMBER_SHARES, savings, member_id=me.id, shares=-shares),
                       credit(Account.CASH, savings, member_id=me.id)],
            )
            paid = savings
            audit(session, action="savings.member_payout", actor=actor,
                  subject_type="savings_membership", subject_id=me.id,
                  data={"group_id": str(group.id), "amount": savings, "transaction_id": str(tx.id)})
    withdraw(session, group, me)
    return LeaveResult(member=me, payout=paid, transaction=tx)


def withdraw(session: Session, group: SavingsGroup, me: Membership) -> None:
    """Mark the membership left (the group is locked). Its ledger lines stay and whatever
    savings it still holds are owed at share-out; loan requests are cancelled (disbursed
    loans are still repaid); a chair passes the chair on."""
    for loan in session.scalars(select(Loan).where(Loan.member_id == me.id,
                                                   Loan.status == LoanStatus.REQUESTED)):
        loan.status, loan.closed_at = LoanStatus.CANCELLED, utcnow()
    was_chair = me.role == MemberRole.CHAIR
    me.status, me.left_at, me.role = MemberStatus.LEFT, utcnow(), MemberRole.MEMBER
    session.flush()
    if was_chair:
        _pass_the_chair(session, group)


def _pass_the_chair(session: Session, group: SavingsGroup, *, reason: str = "chair_left",
                    actor: User | None = None) -> None:
    """A group keeps a chair: the longest-serving officer, else the longest-serving member.

    Does nothing while an active member holds the chair or no member is active.
    """
    active = list(session.scalars(
        select(Membership).where(Membership.group_id == group.id,
                                 Membership.status == MemberStatus.ACTIVE)
        .order_by(Membership.joined_at, Membership.id)
    ))
    if not active or any(m.role == MemberRole.CHAIR for m in active):
        return
    successor = next((m for m in active if m.role in OFFICER_ROLES), active[0])
    previous = successor.role
    successor.role = MemberRole.CHAIR
    session.flush()
    audit(session, action="savings.role_changed", actor=actor,
          subject_type="savings_membership", subject_id=successor.id,
          data={"group_id": str(group.id), "from": previous, "to": MemberRole.CHAIR,
                "reason": reason})
