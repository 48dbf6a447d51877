"""The double-entry core: posting balanced transactions and reading balances.

Amounts are signed integer minor units: debits positive, credits negative. Every
transaction's lines sum to zero; cash may never go below zero. Callers hold the
group's row lock while posting.

Balances are kept, not summed per request: ``post`` adds each posting's lines to the
kept balances (``savings_balances``) of the group's accounts, of the members named on
member-kept accounts and of the loans named on loan-kept accounts, in the same
transaction as the lines. The lines stay the source of truth: ``recompute_balances``
sums them again, and ``statements.check_ledger`` compares the two.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from empower_api.db import utcnow
from empower_api.errors import Conflict
from empower_api.savings.models import (
    ASSET_ACCOUNTS,
    LOAN_KEPT_ACCOUNTS,
    MEMBER_KEPT_ACCOUNTS,
    Account,
    Balance,
    BalanceHolder,
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
    """One kept balance in its natural sign: the group's account, or a member's or a
    loan's when ``member_id`` / ``loan_id`` is given (ValueError if that account is not
    kept at that level)."""
    holder_id = group_id
    if loan_id is not None:
        if account not in LOAN_KEPT_ACCOUNTS:
            raise ValueError(f"{account} is not kept per loan")
        holder_id = loan_id
    elif member_id is not None:
        if account not in MEMBER_KEPT_ACCOUNTS:
            raise ValueError(f"{account} is not kept per member")
        holder_id = member_id
    raw = session.scalar(select(Balance.amount).where(Balance.holder_id == holder_id,
                                                      Balance.account == account))
    return natural(account, int(raw or 0))


def account_balances(session: Session, group_id: uuid.UUID) -> dict[Account, int]:
    """Every account of the group, in its natural sign (zero when unused); one row read
    per account, however long the history."""
    rows = session.execute(select(Balance.account, Balance.amount)
                           .where(Balance.holder_id == group_id))
    out = {account: 0 for account in Account}
    for account, raw in rows:
        out[Account(account)] = natural(account, int(raw))
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
        select(Balance.holder_id, Balance.account, Balance.amount)
        .where(Balance.holder_id.in_(list(loan_ids)), Balance.account.in_(LOAN_KEPT_ACCOUNTS))
    )
    for loan_id, account, raw in rows:
        principal, interest = out[loan_id]
        if account == Account.LOANS_RECEIVABLE:
            principal = int(raw)
        else:
            interest = int(raw)
        out[loan_id] = (principal, interest)
    return out


def member_holdings(
    session: Session, group_id: uuid.UUID, member_ids: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, tuple[int, int]]:
    """member id → (savings in minor units, shares held), for members with share lines."""
    stmt = select(Balance.holder_id, Balance.amount, Balance.shares).where(
        Balance.group_id == group_id, Balance.holder == BalanceHolder.MEMBER,
        Balance.account == Account.MEMBER_SHARES)
    if member_ids is not None:
        stmt = stmt.where(Balance.holder_id.in_(list(member_ids)))
    return {member_id: (-int(amount), int(shares))
            for member_id, amount, shares in session.execute(stmt)}


BalanceKey = tuple[uuid.UUID, str]  # (holder id, account)


@dataclass(frozen=True)
class KeptBalance:
    group_id: uuid.UUID
    holder: str
    amount: int  # raw signed sum: debits positive
    shares: int


def _kept_keys(group_id: uuid.UUID, line: Line) -> list[tuple[BalanceKey, str]]:
    """The kept balances one line moves: the group's account, and the member's or the
    loan's when that account is kept for them."""
    keys = [((group_id, str(line.account)), str(BalanceHolder.GROUP))]
    if line.member_id is not None and line.account in MEMBER_KEPT_ACCOUNTS:
        keys.append(((line.member_id, str(line.account)), str(BalanceHolder.MEMBER)))
    if line.loan_id is not None and line.account in LOAN_KEPT_ACCOUNTS:
        keys.append(((line.loan_id, str(line.account)), str(BalanceHolder.LOAN)))
    return keys


def _kept_rows(group_id: uuid.UUID, lines: Sequence[Line]) -> list[dict[str, Any]]:
    """The deltas the lines add to kept balances, one row per balance moved (each key
    once, so an upsert touches no row twice)."""
    deltas: dict[BalanceKey, list[Any]] = {}
    for line in lines:
        for key, holder in _kept_keys(group_id, line):
            delta = deltas.setdefault(key, [holder, 0, 0])
            delta[1] += line.amount
            delta[2] += line.shares
    return [{"holder_id": holder_id, "account": account, "group_id": group_id,
             "holder": holder, "amount": amount, "shares": shares}
            for (holder_id, account), (holder, amount, shares) in deltas.items()]


@cache
def _upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (holder_id, account) DO UPDATE adding the deltas; built once
    per dialect so its compiled form is cached (both engines speak this upsert). The
    RETURNING makes SQLAlchemy send the rows as one multi-row INSERT (insertmanyvalues),
    not one execution per row."""
    table = Balance.__table__
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.holder_id, table.c.account],
        set_={"amount": table.c.amount + stmt.excluded.amount,
              "shares": table.c.shares + stmt.excluded.shares}).returning(table.c.holder_id)


# The posting's statements, built once (their compiled forms are cached). The lines'
# RETURNING, like the upsert's, batches them into one multi-row INSERT.
_ADVANCE_COUNTERS = (
    update(SavingsGroup.__table__).where(SavingsGroup.__table__.c.id == bindparam("gid"))
    .values(last_tx_seq=bindparam("tx_seq"), last_entry_seq=bindparam("entry_seq"),
            updated_at=bindparam("now")))
_INSERT_TRANSACTION = insert(Transaction.__table__)
_INSERT_LINES = insert(LedgerEntry.__table__).returning(LedgerEntry.__table__.c.id)

# The same four writes as one PostgreSQL statement (data-modifying CTEs; the foreign keys
# are checked at its end, when the transaction row exists). Lines and balance deltas go
# as arrays, so the text is the same for any number of lines and is prepared once.
_POST_IN_ONE = text("""
WITH counters AS (
    UPDATE savings_groups SET last_tx_seq = :seq, last_entry_seq = :entry_seq,
        updated_at = :created_at
    WHERE id = :group_id
), tx AS (
    INSERT INTO savings_transactions (id, group_id, cycle_id, seq, client_id, origin,
        request_hash, type, meeting_id, member_id, loan_id, shares, amount, currency,
        reverses_id, recorded_by_id, created_at)
    VALUES (:id, :group_id, :cycle_id, :seq, :client_id, :origin, :request_hash, :type,
        :meeting_id, :member_id, :loan_id, :shares, :amount, :currency, :reverses_id,
        :recorded_by_id, :created_at)
), lines AS (
    INSERT INTO savings_ledger_entries (id, group_id, transaction_id, seq, account,
        transaction_type, member_id, loan_id, amount, shares, created_at)
    SELECT l.id, :group_id, :id, l.seq, l.account, :type, l.member_id, l.loan_id, l.amount,
        l.shares, :created_at
    FROM unnest(CAST(:line_ids AS uuid[]), CAST(:line_seqs AS bigint[]),
        CAST(:line_accounts AS varchar[]), CAST(:line_members AS uuid[]),
        CAST(:line_loans AS uuid[]), CAST(:line_amounts AS bigint[]),
        CAST(:line_shares AS integer[]))
        AS l(id, seq, account, member_id, loan_id, amount, shares)
)
INSERT INTO savings_balances (holder_id, account, group_id, holder, amount, shares)
SELECT k.holder_id, k.account, :group_id, k.holder, k.amount, k.shares
FROM unnest(CAST(:kept_holder_ids AS uuid[]), CAST(:kept_accounts AS varchar[]),
    CAST(:kept_holders AS varchar[]), CAST(:kept_amounts AS bigint[]),
    CAST(:kept_shares AS integer[])) AS k(holder_id, account, holder, amount, shares)
ON CONFLICT (holder_id, account) DO UPDATE
SET amount = savings_balances.amount + excluded.amount,
    shares = savings_balances.shares + excluded.shares
""")


def _write(session: Session, tx_row: dict[str, Any], rows: list[dict[str, Any]],
           kept: list[dict[str, Any]]) -> None:
    """Write a posting: the group's counters, the transaction, its lines and the kept
    balance deltas. One round trip on PostgreSQL; four statements elsewhere (SQLite has
    no data-modifying CTEs)."""
    if session.get_bind().dialect.name == "postgresql":
        params = {k: str(v) if isinstance(v, StrEnum) else v for k, v in tx_row.items()}
        params["entry_seq"] = rows[-1]["seq"]
        for name, key in (("ids", "id"), ("seqs", "seq"), ("accounts", "account"),
                          ("members", "member_id"), ("loans", "loan_id"),
                          ("amounts", "amount"), ("shares", "shares")):
            params[f"line_{name}"] = [row[key] for row in rows]
        for name, key in (("holder_ids", "holder_id"), ("accounts", "account"),
                          ("holders", "holder"), ("amounts", "amount"), ("shares", "shares")):
            params[f"kept_{name}"] = [row[key] for row in kept]
        session.execute(_POST_IN_ONE, params)
        return
    session.execute(_ADVANCE_COUNTERS, {"gid": tx_row["group_id"], "tx_seq": tx_row["seq"],
                                        "entry_seq": rows[-1]["seq"],
                                        "now": tx_row["created_at"]})
    session.execute(_INSERT_TRANSACTION, tx_row)
    session.execute(_INSERT_LINES, rows)
    session.execute(_upsert(session.get_bind().dialect.name), kept)


def kept_balances(session: Session, *,
                  group_id: uuid.UUID | None = None) -> dict[BalanceKey, KeptBalance]:
    """Every kept balance (of one group, or all), as stored."""
    stmt = select(Balance.holder_id, Balance.account, Balance.group_id, Balance.holder,
                  Balance.amount, Balance.shares)
    if group_id is not None:
        stmt = stmt.where(Balance.group_id == group_id)
    return {(holder_id, account): KeptBalance(gid, holder, int(amount), int(shares))
            for holder_id, account, gid, holder, amount, shares in session.execute(stmt)}


def recompute_balances(session: Session, *,
                       group_id: uuid.UUID | None = None) -> dict[BalanceKey, KeptBalance]:
    """What every kept balance should be, summed from the ledger lines (full scans)."""
    levels: list[tuple[BalanceHolder, Any, Sequence[Account] | None]] = [
        (BalanceHolder.GROUP, LedgerEntry.group_id, None),
        (BalanceHolder.MEMBER, LedgerEntry.member_id, MEMBER_KEPT_ACCOUNTS),
        (BalanceHolder.LOAN, LedgerEntry.loan_id, LOAN_KEPT_ACCOUNTS),
    ]
    out: dict[BalanceKey, KeptBalance] = {}
    for holder, holder_col, accounts in levels:
        stmt = select(holder_col, LedgerEntry.account, LedgerEntry.group_id,
                      func.sum(LedgerEntry.amount), func.sum(LedgerEntry.shares)).group_by(
            holder_col, LedgerEntry.account, LedgerEntry.group_id)
        if accounts is not None:
            stmt = stmt.where(holder_col.is_not(None), LedgerEntry.account.in_(accounts))
        if group_id is not None:
            stmt = stmt.where(LedgerEntry.group_id == group_id)
        for holder_id, account, gid, amount, shares in session.execute(stmt):
            out[(holder_id, account)] = KeptBalance(gid, str(holder), int(amount), int(shares))
    return out


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
    if outflow > 0 and _locked_cash(session, group.id) < outflow:
        raise Conflict("The group does not have this much cash.", code="insufficient_cash")
    now = utcnow()
    tx_seq, first_entry_seq = group.last_tx_seq + 1, group.last_entry_seq + 1
    tx_row = {
        "id": uuid.uuid4(), "group_id": group.id, "cycle_id": cycle_id, "seq": tx_seq,
        "client_id": client_id or uuid.uuid4(), "request_hash": request_hash, "type": tx_type,
        "origin": TxOrigin.SYSTEM if request_hash is None else TxOrigin.CLIENT,
        "meeting_id": meeting_id, "member_id": member_id, "loan_id": loan_id, "shares": shares,
        "amount": amount, "currency": group.currency, "reverses_id": reverses_id,
        "recorded_by_id": recorded_by_id, "created_at": now,
    }
    rows = [{"id": uuid.uuid4(), "group_id": group.id, "transaction_id": tx_row["id"],
             "seq": first_entry_seq + i, "account": str(line.account),
             "transaction_type": str(tx_type), "member_id": line.member_id,
             "loan_id": line.loan_id, "amount": line.amount, "shares": line.shares,
             "created_at": now} for i, line in enumerate(lines)]
    # Core statements, not a unit-of-work flush (the hot path). Pending ORM rows (a new
    # loan, a cycle) go first, as the lines may point at them.
    session.flush()
    _write(session, tx_row, rows, _kept_rows(group.id, lines))
    for name, value in (("last_tx_seq", tx_seq), ("last_entry_seq", rows[-1]["seq"]),
                        ("updated_at", now)):
        set_committed_value(group, name, value)
    # The transaction joins the session as if loaded, with its lines, to show and to use.
    tx = Transaction(**tx_row)
    make_transient_to_detached(tx)
    session.add(tx)
    set_committed_value(tx, "entries", [LedgerEntry(**row) for row in rows])
    return tx


def balance_rows(session: Session, *, group_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """``savings_balances`` rows as the ledger says they should be (one group, or every
    group when ``group_id`` is None), ready for a bulk insert."""
    return [{"holder_id": holder_id, "account": account, "group_id": kept.group_id,
             "holder": kept.holder, "amount": kept.amount, "shares": kept.shares}
            for (holder_id, account), kept in
            recompute_balances(session, group_id=group_id).items()]


def rebuild_balances(session: Session, group_id: uuid.UUID) -> int:
    """Replace the group's kept balances with sums of its ledger lines (the repair after
    ``check_ledger`` found a difference); returns how many rows were written. Locks the
    group row first, so no posting runs meanwhile."""
    session.execute(select(SavingsGroup.id).where(SavingsGroup.id == group_id)
                    .with_for_update().execution_options(populate_existing=True))
    session.execute(delete(Balance).where(Balance.group_id == group_id))
    rows = balance_rows(session, group_id=group_id)
    if rows:
        session.execute(insert(Balance), rows)
    return len(rows)


def _locked_cash(session: Session, group_id: uuid.UUID) -> int:
    """The group's kept cash balance, its row locked until the transaction ends (the
    group row is locked already; this keeps the check right for any future caller)."""
    raw = session.scalar(select(Balance.amount).where(
        Balance.holder_id == group_id, Balance.account == Account.CASH)
        .with_for_update().execution_options(populate_existing=True))
    return int(raw or 0)


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
