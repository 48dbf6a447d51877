"""The double-entry core: posting balanced transactions and reading balances.

Amounts are signed integer minor units: debits positive, credits negative. Every
transaction's lines sum to zero; cash may never go below zero. Balances are sums
over ``savings_ledger_entries``; callers hold the group's row lock while posting.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from empower_api.db import utcnow
from empower_api.errors import Conflict
from empower_api.savings.models import (
    ASSET_ACCOUNTS,
    Account,
    LedgerEntry,
    SavingsGroup,
    Transaction,
    TxOrigin,
)


class UnbalancedPosting(RuntimeError):
    """A programming error: a posting whose lines do not sum to zero."""


@dataclass(frozen=True)
class Line:
    account: Account
    amount: int  # signed: debit > 0, credit < 0
    member_id: uuid.UUID | None = None
    loan_id: uuid.UUID | None = None
    shares: int = 0


def debit(account: Account, amount: int, **kw: Any) -> Line:
    return Line(account, amount, **kw)


def credit(account: Account, amount: int, **kw: Any) -> Line:
    return Line(account, -amount, **kw)


def natural(account: str, raw_sum: int) -> int:
    """A signed sum shown the way the account is read (assets debit-, others credit-normal)."""
    return raw_sum if account in ASSET_ACCOUNTS else -raw_sum


def balance(
    session: Session,
    group_id: uuid.UUID,
    account: Account,
    *,
    member_id: uuid.UUID | None = None,
    loan_id: uuid.UUID | None = None,
) -> int:
    stmt = select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.group_id == group_id, LedgerEntry.account == account
    )
    if member_id is not None:
        stmt = stmt.where(LedgerEntry.member_id == member_id)
    if loan_id is not None:
        stmt = stmt.where(LedgerEntry.loan_id == loan_id)
    return natural(account, int(session.scalar(stmt) or 0))


def account_balances(session: Session, group_id: uuid.UUID) -> dict[Account, int]:
    """Every account of the group, in its natural sign (zero when unused)."""
    rows = session.execute(
        select(LedgerEntry.account, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.group_id == group_id)
        .group_by(LedgerEntry.account)
    )
    out = {account: 0 for account in Account}
    for account, raw in rows:
        out[Account(account)] = natural(account, int(raw or 0))
    return out


def loan_balances(session: Session, loan_id: uuid.UUID) -> tuple[int, int]:
    """(principal outstanding, interest outstanding) of one loan."""
    return loans_balances(session, [loan_id]).get(loan_id, (0, 0))


def loans_balances(session: Session,
                   loan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """loan id → (principal outstanding, interest outstanding), in one query."""
    out = {loan_id: (0, 0) for loan_id in loan_ids}
    if not loan_ids:
        return out
    rows = session.execute(
        select(LedgerEntry.loan_id, LedgerEntry.account, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.loan_id.in_(list(loan_ids)))
        .group_by(LedgerEntry.loan_id, LedgerEntry.account)
    )
    for loan_id, account, raw in rows:
        principal, interest = out[loan_id]
        if account == Account.LOANS_RECEIVABLE:
            principal = int(raw or 0)
        elif account == Account.INTEREST_RECEIVABLE:
            interest = int(raw or 0)
        out[loan_id] = (principal, interest)
    return out


def member_holdings(
    session: Session, group_id: uuid.UUID, member_ids: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, tuple[int, int]]:
    """member id → (savings in minor units, shares held), from member_shares lines."""
    stmt = (
        select(LedgerEntry.member_id, func.sum(LedgerEntry.amount), func.sum(LedgerEntry.shares))
        .where(LedgerEntry.group_id == group_id, LedgerEntry.account == Account.MEMBER_SHARES)
        .group_by(LedgerEntry.member_id)
    )
    if member_ids is not None:
        stmt = stmt.where(LedgerEntry.member_id.in_(list(member_ids)))
    return {
        member_id: (-int(amount or 0), int(shares or 0))
        for member_id, amount, shares in session.execute(stmt)
    }


def post(
    session: Session,
    group: SavingsGroup,
    *,
    tx_type: str,
    lines: Sequence[Line],
    cycle_id: uuid.UUID,
    amount: int,
    client_id: uuid.UUID | None = None,
    request_hash: str | None = None,
    meeting_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    loan_id: uuid.UUID | None = None,
    shares: int = 0,
    reverses_id: uuid.UUID | None = None,
    recorded_by_id: uuid.UUID | None = None,
) -> Transaction:
    """Write one balanced transaction. The caller holds the group's row lock.

    A posting with a ``request_hash`` came from a client and its ``client_id`` is in the
    client key space; any other is the system's own (``TxOrigin``).
    """
    lines = [line for line in lines if line.amount != 0]
    if not lines or sum(line.amount for line in lines) != 0:
        raise UnbalancedPosting(f"{tx_type}: lines do not balance")
    outflow = -sum(line.amount for line in lines if line.account == Account.CASH)
    if outflow > 0 and balance(session, group.id, Account.CASH) < outflow:
        raise Conflict("The group does not have this much cash.", code="insufficient_cash")
    now = utcnow()
    group.last_tx_seq += 1
    tx = Transaction(
        id=uuid.uuid4(), group_id=group.id, cycle_id=cycle_id, seq=group.last_tx_seq,
        client_id=client_id or uuid.uuid4(), request_hash=request_hash, type=tx_type,
        origin=TxOrigin.SYSTEM if request_hash is None else TxOrigin.CLIENT,
        meeting_id=meeting_id, member_id=member_id, loan_id=loan_id, shares=shares,
        amount=amount, currency=group.currency, reverses_id=reverses_id,
        recorded_by_id=recorded_by_id, created_at=now,
    )
    rows = []
    for line in lines:
        group.last_entry_seq += 1
        rows.append({
            "id": uuid.uuid4(), "group_id": group.id, "transaction_id": tx.id,
            "seq": group.last_entry_seq, "account": str(line.account),
            "transaction_type": str(tx_type), "member_id": line.member_id,
            "loan_id": line.loan_id, "amount": line.amount, "shares": line.shares,
            "created_at": now,
        })
    session.add(tx)
    session.flush()  # the transaction row and the group's counters
    # Lines go in as one bulk INSERT (the hot path); the transaction keeps copies to show.
    session.execute(insert(LedgerEntry), rows)
    set_committed_value(tx, "entries", [LedgerEntry(**row) for row in rows])
    return tx


def largest_remainder(total: int, weights: dict[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    """Split ``total`` in proportion to ``weights`` in integers that sum exactly to it.

    Each part gets the floor of its exact share; the units left over go one each to
    the largest remainders (ties broken by the id, so the result is deterministic).
    """
    weight_sum = sum(weights.values())
    if total == 0 or weight_sum == 0:
        return {key: 0 for key in weights}
    parts: dict[uuid.UUID, int] = {}
    remainders: list[tuple[int, str, uuid.UUID]] = []
    for key, weight in weights.items():
        quotient, remainder = divmod(total * weight, weight_sum)
        parts[key] = quotient
        remainders.append((remainder, str(key), key))
    left = total - sum(parts.values())
    for _remainder, _name, key in sorted(remainders, key=lambda r: (-r[0], r[1]))[:left]:
        parts[key] += 1
    return parts
