"""Savings groups: the rules. Functions take the session explicitly and only flush.

Who may do what is checked here: a non-member gets 404 for a group (its existence
does not leak), a member without the right role 403. A member who left is refused
every write (403) and sees nothing of the group but their own records: their
statement, loans and transactions (anything else is 404, as for a non-member).
Other members' money is for officers: a plain member sees the group's totals and
every ledger amount, but not whose the lines are. Every write that reads
balances first locks the group row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite
serialises write requests with ``BEGIN IMMEDIATE``), so two officers posting at once
neither lose an update nor lend the same cash twice.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import secrets
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import marshmallow as ma
import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from empower_api.accounts.models import User
from empower_api.accounts.service import register_eraser, register_exporter
from empower_api.audit.service import record as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from empower_api.i18n import N_, msg, plural, translate
from empower_api.i18n.labels import label
from empower_api.pagination import Page, SortKey, paginate
from empower_api.savings import ledger
from empower_api.savings.ledger import Line, credit, debit
from empower_api.savings.models import (
    OFFICER_ROLES,
    Account,
    Cycle,
    CycleStatus,
    InterestMethod,
    LedgerEntry,
    Loan,
    LoanStatus,
    Meeting,
    MeetingAttendance,
    MemberRole,
    Membership,
    MemberStatus,
    SavingsGroup,
    Transaction,
    TxOrigin,
    TxType,
)
from empower_api.timefmt import rfc3339

log = structlog.get_logger(__name__)

_INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_ACCRUAL_NAMESPACE = uuid.UUID("8f0c2a53-2a4e-4c67-9a0e-3d5d3e7f6a11")
NO_GROUP = N_("No such savings group.")


# --- access ------------------------------------------------------------------------


def find_membership(session: Session, group_id: uuid.UUID, user: User) -> Membership | None:
    """The user's membership of the group (active or left), or None."""
    return session.scalar(
        select(Membership).where(Membership.group_id == group_id, Membership.user_id == user.id)
    )


def _lock_group(session: Session, group_id: uuid.UUID) -> SavingsGroup:
    group = session.get(SavingsGroup, group_id, with_for_update=True, populate_existing=True)
    if group is None:
        raise NotFound(NO_GROUP)
    return group


def _access(
    session: Session,
    *,
    actor: User,
    group_id: uuid.UUID,
    lock: bool = False,
    write: bool = True,
    own_records: bool = False,
    officer: bool = False,
    chair: bool = False,
) -> tuple[SavingsGroup, Membership]:
    """The group and the actor's membership, or 404 (not a member) / 403 (not allowed).

    A member who left gets 403 on writes and 404 on reads, except reads with
    ``own_records``, whose caller then shows them only their own records.
    With ``lock`` the group row is locked (one round trip for both) until the request
    ends, which serialises every writer of this group's books.
    """
    stmt = (
        select(SavingsGroup, Membership)
        .join(Membership, Membership.group_id == SavingsGroup.id)
        .where(SavingsGroup.id == group_id, Membership.user_id == actor.id)
    )
    if lock:
        stmt = stmt.with_for_update(of=SavingsGroup).execution_options(populate_existing=True)
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound(NO_GROUP)
    group, me = row
    if not me.is_active:
        if write:
            raise Forbidden("You have left this group.", code="left_group")
        if not own_records:
            raise NotFound(NO_GROUP)
    if chair and me.role != MemberRole.CHAIR:
        raise Forbidden("Only the chair can do this.", code="chair_only")
    if officer and not me.is_officer:
        raise Forbidden("Only the group's officers can do this.", code="officers_only")
    return group, me


def _member(session: Session, group: SavingsGroup, member_id: uuid.UUID, field_name: str,
            *, active: bool = True) -> Membership:
    member = session.get(Membership, member_id)
    if member is None or member.group_id != group.id:
        raise Invalid(field_name, "This person is not a member of the group.")
    if active and not member.is_active:
        raise Invalid(field_name, "This member has left the group.")
    return member


def _current_cycle(session: Session, group: SavingsGroup) -> Cycle:
    cycle = session.get(Cycle, group.current_cycle_id) if group.current_cycle_id else None
    if cycle is None or cycle.status != CycleStatus.OPEN:
        raise Conflict("The group has no open cycle.", code="no_open_cycle")
    return cycle


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _new_invite_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(_INVITE_ALPHABET) for _ in range(8))
        if session.scalar(select(SavingsGroup.id).where(SavingsGroup.invite_code == code)) is None:
            return code


def _open_cycle(session: Session, group: SavingsGroup, number: int, today: date) -> Cycle:
    cycle = Cycle(id=uuid.uuid4(), group_id=group.id, number=number,
                  share_price=group.share_price, status=CycleStatus.OPEN, started_on=today,
                  ends_on=add_months(today, group.cycle_months))
    session.add(cycle)
    session.flush()
    group.current_cycle_id = cycle.id
    return cycle


# --- groups and members --------------------------------------------------------------


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
    _open_cycle(session, group, 1, utcnow().date())
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
    group = _lock_group(session, group_id)  # two joiners of a chairless group: one chair
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
    group, me = _access(session, actor=actor, group_id=group_id, write=False)
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
    group, _me = _access(session, actor=actor, group_id=group_id, chair=True, lock=True)
    group.invite_code = _new_invite_code(session)
    session.flush()
    audit(session, action="savings.invite_rotated", actor=actor, subject_type="savings_group",
          subject_id=group.id)
    return group


def set_role(session: Session, *, actor: User, group_id: uuid.UUID, member_id: uuid.UUID,
             role: str) -> Membership:
    """The chair assigns roles; giving "chair" to someone hands the chair over."""
    group, me = _access(session, actor=actor, group_id=group_id, chair=True, lock=True)
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
    group, me = _access(session, actor=actor, group_id=group_id, lock=True)
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
            cycle = _current_cycle(session, group)
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
    _withdraw(session, group, me)
    return LeaveResult(member=me, payout=paid, transaction=tx)


def _withdraw(session: Session, group: SavingsGroup, me: Membership) -> None:
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


# --- meetings ------------------------------------------------------------------------


def _attendance(session: Session, group: SavingsGroup, meeting: Meeting,
                attendee_ids: list[uuid.UUID]) -> None:
    unique = list(dict.fromkeys(attendee_ids))
    for member_id in unique:
        _member(session, group, member_id, "attendee_ids", active=False)
    meeting.attendance = [MeetingAttendance(meeting_id=meeting.id, member_id=m) for m in unique]


def create_meeting(session: Session, *, actor: User, group_id: uuid.UUID,
                   data: dict[str, Any]) -> tuple[Meeting, bool]:
    """A new meeting becomes the latest; returns (meeting, created). ``client_id`` replays."""
    group, me = _access(session, actor=actor, group_id=group_id, officer=True, lock=True)
    client_id = data.get("client_id")
    if client_id is not None:
        existing = session.scalar(select(Meeting).where(Meeting.group_id == group.id,
                                                        Meeting.client_id == client_id))
        if existing is not None:
            if existing.held_on != data["held_on"]:
                raise Invalid("client_id", "This client_id was used for another meeting.",
                              code="client_id_reused")
            return existing, False
    cycle = _current_cycle(session, group)
    held_on: date = data["held_on"]
    latest = _latest_meeting(session, group)
    if latest is not None and latest.cycle_id == cycle.id and held_on < latest.held_on:
        raise Invalid("held_on", "A new meeting cannot be dated before the latest one.")
    if held_on > utcnow().date() + timedelta(days=1):
        raise Invalid("held_on", "A meeting cannot be recorded in the future.")
    group.last_meeting_seq += 1
    meeting = Meeting(id=uuid.uuid4(), group_id=group.id, cycle_id=cycle.id,
                      seq=group.last_meeting_seq, held_on=held_on, client_id=client_id,
                      recorded_by_id=me.id)
    session.add(meeting)
    _attendance(session, group, meeting, data.get("attendee_ids") or [])
    session.flush()
    return meeting, True


def _latest_meeting(session: Session, group: SavingsGroup) -> Meeting | None:
    if not group.last_meeting_seq:
        return None
    return session.scalar(select(Meeting).where(Meeting.group_id == group.id,
                                                Meeting.seq == group.last_meeting_seq))


def _editable_meeting(session: Session, group: SavingsGroup, meeting_id: uuid.UUID,
                      field_name: str) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.group_id != group.id:
        raise Invalid(field_name, "No such meeting in this group.")
    if meeting.seq != group.last_meeting_seq or meeting.cycle_id != group.current_cycle_id:
        raise Conflict("Only the latest meeting can change; correct an earlier one with a "
                       "reversing entry.", code="meeting_closed")
    return meeting


def update_meeting(session: Session, *, actor: User, group_id: uuid.UUID, meeting_id: uuid.UUID,
                   data: dict[str, Any]) -> Meeting:
    """Edit the date or attendance of the latest meeting only."""
    group, _me = _access(session, actor=actor, group_id=group_id, officer=True, lock=True)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.group_id != group.id:
        raise NotFound("No such meeting.")
    meeting = _editable_meeting(session, group, meeting_id, "meeting_id")
    if "held_on" in data:
        previous = session.scalar(select(Meeting.held_on).where(
            Meeting.group_id == group.id, Meeting.cycle_id == meeting.cycle_id,
            Meeting.seq < meeting.seq).order_by(Meeting.seq.desc()).limit(1))
        if previous is not None and data["held_on"] < previous:
            raise Invalid("held_on", "A meeting cannot be dated before the one before it.")
        if data["held_on"] > utcnow().date() + timedelta(days=1):
            raise Invalid("held_on", "A meeting cannot be recorded in the future.")
        meeting.held_on = data["held_on"]
    if "attendee_ids" in data:
        meeting.attendance.clear()
        session.flush()
        _attendance(session, group, meeting, data["attendee_ids"])
    session.flush()
    return meeting


def list_meetings(session: Session, *, actor: User, group_id: uuid.UUID, limit: int,
                  cursor: str | None) -> Page[Meeting]:
    group, _me = _access(session, actor=actor, group_id=group_id, write=False)
    stmt = select(Meeting).where(Meeting.group_id == group.id).options(
        selectinload(Meeting.attendance))
    return paginate(session, stmt, keys=[SortKey(Meeting.seq, descending=True)], limit=limit,
                    cursor=cursor, scope="savings-meetings")


# --- recorded transactions (online and offline) -----------------------------------------


def request_hash(item: dict[str, Any]) -> str:
    """A fingerprint of what a transaction says, without its client_id."""
    canonical = {k: str(v) if isinstance(v, uuid.UUID) else v
                 for k, v in sorted(item.items()) if k != "client_id" and v is not None}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _replay(session: Session, group: SavingsGroup, item: dict[str, Any]) -> Transaction | None:
    existing = session.scalar(select(Transaction).where(
        Transaction.group_id == group.id, Transaction.origin == TxOrigin.CLIENT,
        Transaction.client_id == item["client_id"]))
    if existing is not None and existing.request_hash != request_hash(item):
        raise Invalid("client_id", "This client_id was used for a different transaction.",
                      code="client_id_reused")
    return existing


def _shares_in_meeting(session: Session, meeting_id: uuid.UUID, member_id: uuid.UUID) -> int:
    """Shares the member bought at this meeting, net of reversals (one index range)."""
    return int(session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.shares), 0))
        .join(Transaction, Transaction.id == LedgerEntry.transaction_id)
        .where(Transaction.meeting_id == meeting_id, Transaction.member_id == member_id,
               LedgerEntry.account == Account.MEMBER_SHARES)
    ) or 0)


def _apply(session: Session, group: SavingsGroup, me: Membership,
           item: dict[str, Any]) -> tuple[Transaction, bool]:
    """Record one transaction under the group lock; (transaction, created)."""
    existing = _replay(session, group, item)
    if existing is not None:
        return existing, False
    meeting = _editable_meeting(session, group, item["meeting_id"], "meeting_id")
    kind = item["type"]
    member = _member(session, group, item["member_id"], "member_id",
                     active=kind != TxType.LOAN_REPAYMENT)
    common: dict[str, Any] = {
        "cycle_id": meeting.cycle_id, "client_id": item["client_id"],
        "request_hash": request_hash(item), "meeting_id": meeting.id, "member_id": member.id,
        "recorded_by_id": me.id,
    }
    amount = item.get("amount")
    if item.get("loan_id") and kind != TxType.LOAN_REPAYMENT:
        raise Invalid("loan_id", "Only a loan repayment names a loan.")
    if kind == TxType.SHARE_PURCHASE:
        shares = item.get("shares")
        if not shares:
            raise Invalid("shares", "Say how many shares were bought.")
        already = _shares_in_meeting(session, meeting.id, member.id)
        if already + shares > group.max_shares_per_meeting:
            raise Invalid("shares", plural(
                "At most {num} share a meeting; {already} bought already.",
                "At most {num} shares a meeting; {already} bought already.",
                group.max_shares_per_meeting, already=already))
        value = shares * meeting.cycle.share_price
        if amount is not None and amount != value:
            raise Invalid("amount", plural("{num} share costs {value}.",
                                           "{num} shares cost {value}.", shares, value=value))
        tx = ledger.post(session, group, tx_type=kind, amount=value, shares=shares, lines=[
            debit(Account.CASH, value, member_id=member.id),
            credit(Account.MEMBER_SHARES, value, member_id=member.id, shares=shares),
        ], **common)
    elif kind in (TxType.SOCIAL_FUND, TxType.FINE):
        if item.get("shares"):
            raise Invalid("shares", "Only share purchases have shares.")
        if kind == TxType.SOCIAL_FUND and amount is None:
            amount = group.social_fund_amount
        if not amount:
            raise Invalid("amount", "Give a positive amount.")
        target = Account.SOCIAL_FUND if kind == TxType.SOCIAL_FUND else Account.FINES_INCOME
        tx = ledger.post(session, group, tx_type=kind, amount=amount, lines=[
            debit(Account.CASH, amount, member_id=member.id),
            credit(target, amount, member_id=member.id),
        ], **common)
    elif kind == TxType.LOAN_REPAYMENT:
        tx = _repay(session, group, member, item, common)
    else:
        raise Invalid("type", "This type cannot be recorded.")
    return tx, True


def _repay(session: Session, group: SavingsGroup, member: Membership, item: dict[str, Any],
           common: dict[str, Any]) -> Transaction:
    amount = item.get("amount")
    if not amount:
        raise Invalid("amount", "Give a positive amount.")
    if item.get("shares"):
        raise Invalid("shares", "Only share purchases have shares.")
    loan = session.get(Loan, item["loan_id"]) if item.get("loan_id") else None
    if loan is None or loan.group_id != group.id or loan.member_id != member.id:
        raise Invalid("loan_id", "No such loan of this member.")
    if loan.status != LoanStatus.DISBURSED:
        raise Invalid("loan_id", msg("This loan is not being repaid (it is: {status}).",
                                     status=label("loan_status", loan.status)))
    accrue_loan_interest(session, group=group, loan=loan, now=utcnow())
    principal_due, interest_due = ledger.loan_balances(session, loan.id)
    if amount > principal_due + interest_due:
        raise Invalid("amount", msg("This is more than is owed ({owed}).",
                                    owed=principal_due + interest_due))
    to_interest = min(amount, interest_due)
    to_principal = amount - to_interest
    tx = ledger.post(session, group, tx_type=TxType.LOAN_REPAYMENT, amount=amount,
                     loan_id=loan.id, lines=[
                         debit(Account.CASH, amount, member_id=member.id),
                         credit(Account.INTEREST_RECEIVABLE, to_interest, member_id=member.id,
                                loan_id=loan.id),
                         credit(Account.LOANS_RECEIVABLE, to_principal, member_id=member.id,
                                loan_id=loan.id),
                     ], **common)
    if amount == principal_due + interest_due:
        loan.status, loan.closed_at = LoanStatus.REPAID, utcnow()
        session.flush()
    return tx


def record_transaction(session: Session, *, actor: User, group_id: uuid.UUID,
                       data: dict[str, Any]) -> tuple[Transaction, bool]:
    """Record one meeting transaction (officers); a replayed client_id returns the first."""
    group, me = _access(session, actor=actor, group_id=group_id, officer=True, lock=True)
    return _apply(session, group, me, data)


@dataclass
class SyncResult:
    client_id: Any
    status: str
    transaction_id: uuid.UUID | None = None
    error: dict[str, Any] | None = None


# /sync: items per transaction (lock hold time) and the time one request may take.
SYNC_CHUNK = 25
SYNC_TIME_BUDGET_SECONDS = 5.0
SYNC_YIELD_SECONDS = 0.05


def not_processed(items: list[Any]) -> list[SyncResult]:
    """Results for items a sync request did not reach in its time budget."""
    return [SyncResult(client_id=raw.get("client_id") if isinstance(raw, dict) else None,
                       status="rejected",
                       error={"code": "not_processed",
                              "detail": translate(N_("Send this item again."))})
            for raw in items]


def sync_transactions(session: Session, *, actor: User, group_id: uuid.UUID,
                      items: list[Any],
                      load_item: Callable[[Any], dict[str, Any]]) -> list[SyncResult]:
    """Apply an offline batch in order, each item on its own (a savepoint per item).

    ``load_item`` validates one raw item (raising ``marshmallow.ValidationError``).
    """
    group, me = _access(session, actor=actor, group_id=group_id, officer=True, lock=True)
    results = []
    for raw in items:
        client_id = raw.get("client_id") if isinstance(raw, dict) else None
        try:
            try:
                item = load_item(raw)
            except ma.ValidationError as error:
                messages = error.messages if isinstance(error.messages, dict) else {
                    "_schema": error.messages}
                raise Invalid(errors={k: [str(m) for m in (v if isinstance(v, list) else [v])]
                                      for k, v in messages.items()})
            with session.begin_nested():
                tx, created = _apply(session, group, me, item)
            results.append(SyncResult(client_id=tx.client_id, transaction_id=tx.id,
                                      status="applied" if created else "duplicate"))
        except DomainError as error:
            # A 200 answer, not a problem document: said in the request's language here.
            detail: dict[str, Any] = {"code": error.code,
                                      "detail": translate(error.detail or "")}
            if isinstance(error, Invalid):
                detail["errors"] = {field: [translate(text) for text in texts]
                                    for field, texts in error.errors.items()}
            results.append(SyncResult(client_id=client_id, status="rejected", error=detail))
    log.info("savings_sync", group_id=str(group.id), items=len(results),
             applied=sum(r.status == "applied" for r in results))
    return results


def reverse_transaction(session: Session, *, actor: User, group_id: uuid.UUID,
                        transaction_id: uuid.UUID) -> Transaction:
    """Correct a recorded transaction of this cycle with an exactly opposite posting."""
    group, me = _access(session, actor=actor, group_id=group_id, officer=True, lock=True)
    original = session.get(Transaction, transaction_id)
    if original is None or original.group_id != group.id:
        raise NotFound("No such transaction.")
    if original.type not in (TxType.SHARE_PURCHASE, TxType.SOCIAL_FUND, TxType.FINE,
                             TxType.LOAN_REPAYMENT):
        raise Conflict("Only meeting transactions can be reversed.", code="not_reversible")
    if original.cycle_id != group.current_cycle_id:
        raise Conflict("This cycle is closed.", code="cycle_closed")
    if session.scalar(select(Transaction.id).where(Transaction.reverses_id == original.id)):
        raise Conflict("This transaction was reversed already.", code="already_reversed")
    lines = [Line(Account(e.account), -e.amount, member_id=e.member_id, loan_id=e.loan_id,
                  shares=-e.shares) for e in original.entries]
    if original.type == TxType.SHARE_PURCHASE and original.member_id is not None:
        savings, shares = ledger.member_holdings(
            session, group.id, [original.member_id]).get(original.member_id, (0, 0))
        if shares < original.shares or savings < original.amount:
            raise Conflict("These savings were paid out already.", code="not_reversible")
    tx = ledger.post(session, group, tx_type=TxType.REVERSAL, lines=lines, amount=original.amount,
                     cycle_id=original.cycle_id, meeting_id=original.meeting_id,
                     member_id=original.member_id, loan_id=original.loan_id,
                     shares=original.shares, reverses_id=original.id, recorded_by_id=me.id)
    if original.loan_id is not None:
        loan = session.get(Loan, original.loan_id)
        if loan is not None and loan.status == LoanStatus.REPAID:
            loan.status, loan.closed_at = LoanStatus.DISBURSED, None
            session.flush()
    audit(session, action="savings.transaction_reversed", actor=actor,
          subject_type="savings_transaction", subject_id=original.id,
          data={"group_id": str(group.id), "reversal_id": str(tx.id), "amount": original.amount,
                "type": original.type})
    return tx


def get_transaction(session: Session, *, actor: User, group_id: uuid.UUID,
                    transaction_id: uuid.UUID) -> Transaction:
    group, me = _access(session, actor=actor, group_id=group_id, write=False, own_records=True)
    tx = session.get(Transaction, transaction_id)
    if tx is None or tx.group_id != group.id or (not me.is_active and tx.member_id != me.id):
        raise NotFound("No such transaction.")
    if tx.member_id not in (None, me.id) and not me.is_officer:
        raise Forbidden("Only officers see other members' transactions.")
    return tx


# --- loans ---------------------------------------------------------------------------


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
    group, me = _access(session, actor=actor, group_id=group_id, lock=True)
    cycle = _current_cycle(session, group)
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
    group, me = _access(session, actor=actor, group_id=group_id, officer=True, lock=True)
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
    cycle = _current_cycle(session, group)
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
    group = _lock_group(session, group_id)
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
    group, me = _access(session, actor=actor, group_id=group_id, write=False, own_records=True)
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
    group, me = _access(session, actor=actor, group_id=group_id, write=False, own_records=True)
    loan = session.get(Loan, loan_id)
    if loan is None or loan.group_id != group.id or (not me.is_active and loan.member_id != me.id):
        raise NotFound("No such loan.")
    if loan.member_id != me.id and not me.is_officer:
        raise Forbidden("Only officers see other members' loans.")
    return loan_view(session, loan)


# --- share-out -------------------------------------------------------------------------


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
    group, me = _access(session, actor=actor, group_id=group_id, chair=True, lock=True)
    cycle = _current_cycle(session, group)
    accrue_group_interest(session, group_id=group.id, now=utcnow())
    outstanding = session.scalar(select(func.count(Loan.id)).where(
        Loan.group_id == group.id, Loan.status == LoanStatus.DISBURSED))
    if outstanding:
        raise Conflict(plural(
            "{num} loan is still outstanding; it must be repaid before share-out.",
            "{num} loans are still outstanding; they must be repaid before share-out.",
            outstanding), code="loans_outstanding")
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
    next_cycle = _open_cycle(session, group, cycle.number + 1, utcnow().date())
    session.flush()
    total = sum(p.amount for p in payouts)
    audit(session, action="savings.share_out", actor=actor, subject_type="savings_group",
          subject_id=group.id, data={"cycle_id": str(cycle.id), "total": total,
                                     "members": len(payouts)})
    return ShareOut(cycle_id=cycle.id, next_cycle_id=next_cycle.id, currency=group.currency,
                    payouts=payouts, total=total,
                    social_fund_carried_over=balances[Account.SOCIAL_FUND],
                    undistributed=interest + fines - profit)


# --- statements and the ledger ------------------------------------------------------------


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
    group, me = _access(session, actor=actor, group_id=group_id, write=False, own_records=True)
    member = session.get(Membership, member_id)
    if member is None or member.group_id != group.id or (not me.is_active and member.id != me.id):
        raise NotFound("No such member in this group.")
    if member.id != me.id and not me.is_officer:
        raise Forbidden("Only officers see other members' statements.")
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
    group, me = _access(session, actor=actor, group_id=group_id, write=False)
    page = paginate(session, select(LedgerEntry).where(LedgerEntry.group_id == group.id),
                    keys=[SortKey(LedgerEntry.seq, descending=True)], limit=limit,
                    cursor=cursor, scope="savings-ledger")
    return Page(items=[_ledger_line(entry, me) for entry in page.items],
                next_cursor=page.next_cursor)


@dataclass
class LedgerCheck:
    balanced: bool
    transactions: int
    entries: int
    unbalanced_transactions: list[uuid.UUID]
    cash: int


def check_ledger(session: Session, *, group_id: uuid.UUID | None = None) -> LedgerCheck:
    """Recompute from scratch: every transaction sums to zero, cash is not negative."""
    stmt = select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount)).group_by(
        LedgerEntry.transaction_id)
    count_tx = select(func.count(Transaction.id))
    count_entries = select(func.count(LedgerEntry.id))
    cash = select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.account == Account.CASH)
    if group_id is not None:
        stmt = stmt.where(LedgerEntry.group_id == group_id)
        count_tx = count_tx.where(Transaction.group_id == group_id)
        count_entries = count_entries.where(LedgerEntry.group_id == group_id)
        cash = cash.where(LedgerEntry.group_id == group_id)
    unbalanced = [tx_id for tx_id, total in session.execute(stmt) if int(total) != 0]
    cash_total = int(session.scalar(cash) or 0)
    return LedgerCheck(balanced=not unbalanced and cash_total >= 0,
                       transactions=int(session.scalar(count_tx) or 0),
                       entries=int(session.scalar(count_entries) or 0),
                       unbalanced_transactions=unbalanced, cash=cash_total)


# --- export and erasure -----------------------------------------------------------------


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
        group = _lock_group(session, group_id)
        member = session.scalar(
            select(Membership).where(Membership.group_id == group.id,
                                     Membership.user_id == user.id)
            .execution_options(populate_existing=True))
        if member is not None and member.is_active:
            _withdraw(session, group, member)
    member_ids = select(Membership.id).where(Membership.user_id == user.id)
    for loan in session.scalars(select(Loan).where(Loan.member_id.in_(member_ids))):
        loan.purpose = None
    session.flush()
