"""Recorded transactions, online and offline (/sync), and their reversal.

A replayed ``client_id`` returns the first transaction; the same key with a different
body is refused. Everything posts through ``ledger.post`` under the group lock.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import marshmallow as ma
import structlog
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from empower_api.accounts.models import User
from empower_api.audit.service import record as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, DomainError, Invalid, NotFound
from empower_api.i18n import N_, msg, plural, translate
from empower_api.i18n.labels import label
from empower_api.savings import ledger
from empower_api.savings.access import access, check_member, readable_record
from empower_api.savings.ledger import Line, credit, debit
from empower_api.savings.loans import accrue_loan_interest
from empower_api.savings.meetings import check_editable
from empower_api.savings.models import (
    Account,
    LedgerEntry,
    Loan,
    LoanStatus,
    Meeting,
    Membership,
    SavingsGroup,
    Transaction,
    TxOrigin,
    TxType,
)

log = structlog.get_logger(__name__)


def request_hash(item: dict[str, Any]) -> str:
    """A fingerprint of what a transaction says, without its client_id."""
    canonical = {k: str(v) if isinstance(v, uuid.UUID) else v
                 for k, v in sorted(item.items()) if k != "client_id" and v is not None}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _replay(session: Session, existing_id: uuid.UUID | None,
            item: dict[str, Any]) -> Transaction | None:
    """The transaction first recorded under this client_id, or None; Invalid when the
    same key came with a different body."""
    if existing_id is None:
        return None
    existing = session.get(Transaction, existing_id)
    if existing is not None and existing.request_hash != request_hash(item):
        raise Invalid("client_id", "This client_id was used for a different transaction.",
                      code="client_id_reused")
    return existing


@dataclass
class _Context:
    """What recording one item reads once the group is locked (one round trip)."""

    replay_id: uuid.UUID | None
    shares_in_meeting: int  # the member's shares bought at this meeting, net of reversals
    meeting: Meeting | None  # None when not a meeting of this group
    member: Membership | None  # None when not a member of this group


@cache
def _context_query() -> Any:
    """``_context``'s statement, built once (bound by name: group_id, client_id,
    meeting_id, member_id) so its compiled form is cached."""
    replay = select(Transaction.id).where(
        Transaction.group_id == bindparam("group_id"), Transaction.origin == TxOrigin.CLIENT,
        Transaction.client_id == bindparam("client_id")).scalar_subquery()
    shares = (select(func.coalesce(func.sum(LedgerEntry.shares), 0))
              .join(Transaction, Transaction.id == LedgerEntry.transaction_id)
              .where(Transaction.meeting_id == bindparam("meeting_id"),
                     Transaction.member_id == bindparam("member_id"),
                     LedgerEntry.account == Account.MEMBER_SHARES)
              .scalar_subquery())
    # Anchored on the (locked, already loaded) group row: one row whatever is missing.
    return (select(replay, shares, Meeting, Membership)
            .select_from(SavingsGroup)
            .outerjoin(Meeting, and_(Meeting.id == bindparam("meeting_id"),
                                     Meeting.group_id == SavingsGroup.id))
            .outerjoin(Membership, and_(Membership.id == bindparam("member_id"),
                                        Membership.group_id == SavingsGroup.id))
            .where(SavingsGroup.id == bindparam("group_id"))
            # The cycle's inner join would drop the row when there is no such meeting.
            .options(joinedload(Meeting.cycle, innerjoin=False)))


def _context(session: Session, group: SavingsGroup, item: dict[str, Any]) -> _Context:
    """The replay, the meeting (with its cycle), the member and the shares the member
    bought at this meeting so far, read in one statement.

    Run after the group lock is taken, so on PostgreSQL (READ COMMITTED) it reads what
    the previous holder of the lock committed.
    """
    row = session.execute(_context_query(), {
        "group_id": group.id, "client_id": item["client_id"],
        "meeting_id": item["meeting_id"], "member_id": item["member_id"]}).one()
    return _Context(replay_id=row[0], shares_in_meeting=int(row[1] or 0), meeting=row[2],
                    member=row[3])


def _apply(session: Session, group: SavingsGroup, me: Membership,
           item: dict[str, Any]) -> tuple[Transaction, bool]:
    """Record one transaction under the group lock; (transaction, created)."""
    found = _context(session, group, item)
    existing = _replay(session, found.replay_id, item)
    if existing is not None:
        return existing, False
    meeting = check_editable(group, found.meeting, "meeting_id")
    kind = item["type"]
    member = check_member(group, found.member, "member_id",
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
        already = found.shares_in_meeting
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
    group, me = access(session, actor=actor, group_id=group_id, officer=True, lock=True)
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
    group, me = access(session, actor=actor, group_id=group_id, officer=True, lock=True)
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
            # ledger.post sets the counters as committed values, which a savepoint's
            # rollback does not restore: read them again should this item have posted.
            session.expire(group, ["last_tx_seq", "last_entry_seq"])
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
    group, me = access(session, actor=actor, group_id=group_id, officer=True, lock=True)
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
    group, me = access(session, actor=actor, group_id=group_id, write=False, own_records=True)
    tx = session.get(Transaction, transaction_id)
    return readable_record(group, me, tx, tx and tx.member_id,
                           missing=N_("No such transaction."),
                           others=N_("Only officers see other members' transactions."))
