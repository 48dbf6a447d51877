"""The reference data of DESIGN.md §6, seeded once per database and reused after.

Scales (``SCALES``): ``small`` for a quick check, ``reference`` (100,000 published jobs
from 2,000 employers, 20,000 courses, 50,000 users, 2,000 savings groups with a year of
weekly meetings) and ``large`` (the same with 1,000,000 jobs). ``tiny`` is for the
smoke test only.

Rows go in with bulk INSERTs (SQLAlchemy's multi-row ``insertmanyvalues`` on both
engines, a few thousand rows a statement); search documents come from the app's own
functions (``empower_api.jobs.seed``, ``empower_api.jobs.search.search_text``), so a
change to the normaliser changes the seed with it. A ``bench_seed`` table records what
was seeded and a ``fingerprint`` of the schema and seed code: a second run at the
same scale reuses the data; when the fingerprint changed (a migration, a new
normaliser) it is seeded again; a run at another scale refuses (``SeedMismatch``)
unless asked to start again (``reseed=True`` drops every table).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

SEED = 42


@dataclass(frozen=True)
class Scale:
    jobs: int
    employers: int
    courses: int
    users: int
    groups: int
    members_per_group: int = 12
    meetings_per_group: int = 52  # a year of weekly meetings
    transactions_per_meeting: int = 6


SCALES: dict[str, Scale] = {
    "tiny": Scale(jobs=200, employers=10, courses=40, users=100, groups=3, meetings_per_group=4),
    "small": Scale(jobs=5_000, employers=100, courses=1_000, users=2_000, groups=50),
    "reference": Scale(jobs=100_000, employers=2_000, courses=20_000, users=50_000,
                       groups=2_000),
    "large": Scale(jobs=1_000_000, employers=2_000, courses=20_000, users=50_000, groups=2_000),
}


class SeedMismatch(RuntimeError):
    """The database holds bench data of another scale (or other data altogether)."""


# What the seeded rows depend on: a change to any of these makes the data stale.
SOURCES = ["empower_api.jobs.seed", "empower_api.jobs.search", "empower_api.jobs.search_ddl",
           "empower_api.training.catalog", "empower_api.training.search_ddl", "bench.seed",
           "bench.courses_search"]


def fingerprint() -> str:
    """A hash of the schema (tables, columns, types, indexes) and of the code that
    builds the seed and its search documents; it changes when the seed would."""
    import hashlib
    import importlib
    import inspect

    from empower_api.models import metadata

    digest = hashlib.sha256()
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        digest.update(table.name.encode())
        for column in table.columns:
            digest.update(f"{column.name}:{column.type!r}".encode())
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            digest.update(f"{index.name}".encode())
    for name in SOURCES:
        try:
            digest.update(inspect.getsource(importlib.import_module(name)).encode())
        except ModuleNotFoundError:
            digest.update(f"missing {name}".encode())
    return digest.hexdigest()[:16]


def _marker(engine: Engine) -> tuple[str, str] | None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_seed (scale VARCHAR(16) NOT NULL, "
                          "fingerprint VARCHAR(16) NOT NULL, seconds FLOAT NOT NULL)"))
        row = conn.execute(text("SELECT scale, fingerprint FROM bench_seed")).first()
    return (row[0], row[1]) if row else None


def _drop_everything(engine: Engine) -> None:
    from empower_api.models import metadata

    metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_seed"))
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def ensure_seeded(app: Any, scale: str, *, reseed: bool = False,
                  log: Any = print) -> dict[str, Any]:
    """Create the schema and seed ``scale`` unless it is already there.

    ``app`` is a Flask app bound to the target database. Returns
    ``{"scale", "reused": bool, "seconds": float, "counts": {table: rows}}``.
    Raises ``SeedMismatch`` when another scale is seeded and ``reseed`` is false, or
    when the database has users but no bench marker (it is not a bench database).
    """
    from empower_api.db import db
    from empower_api.models import metadata

    plan = SCALES[scale]
    with app.app_context():
        engine = db.engine
        found = _marker(engine)
        current = fingerprint()
        if found is not None and found[0] != scale and not reseed:
            raise SeedMismatch(
                f"this database holds the {found[0]!r} bench data; use another database "
                f"for {scale!r} or pass --reseed to drop everything and start again")
        if found is not None and found != (scale, current):
            log(f"seed: dropping the {found[0]!r} data "
                f"({'another scale' if found[0] != scale else 'schema or seed code changed'})")
            _drop_everything(engine)
            found = None
        metadata.create_all(engine)
        if found is None:
            with engine.connect() as conn:
                users = conn.execute(text("SELECT count(*) FROM users")).scalar()
            if users:
                raise SeedMismatch("this database has users but no bench marker: refusing to "
                                   "seed into what may be real data")
        started = time.perf_counter()
        reused = found is not None
        if not reused:
            _seed(db.session, plan, log)
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM bench_seed"))
                conn.execute(text("INSERT INTO bench_seed (scale, fingerprint, seconds) "
                                  "VALUES (:s, :f, :t)"),
                             {"s": scale, "f": current, "t": time.perf_counter() - started})
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql" or not reused:
                conn.execute(text("ANALYZE"))
            counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                      for table in ("jobs", "employers", "courses", "users", "savings_groups",
                                    "savings_meetings", "savings_ledger_entries")}
            seconds = conn.execute(text("SELECT seconds FROM bench_seed")).scalar()
    return {"scale": scale, "reused": reused, "seconds": float(seconds), "counts": counts}


def _seed(session: Session, plan: Scale, log: Any) -> None:
    from bench.courses_search import seed_courses
    from empower_api.jobs.seed import seed_reference_jobs

    for name, step in (
        ("jobs", lambda: seed_reference_jobs(session, jobs=plan.jobs, employers=plan.employers,
                                             seed=SEED)),
        ("courses", lambda: seed_courses(session, count=plan.courses, seed=SEED)),
        ("users and savings groups", lambda: _without_fk_checks(
            session, lambda: seed_people_and_savings(session, plan))),
    ):
        started = time.perf_counter()
        step()
        log(f"seed: {name} in {time.perf_counter() - started:.1f} s")


def _without_fk_checks(session: Session, step: Any) -> None:
    """On PostgreSQL, run ``step`` with foreign-key triggers off (rows built consistent
    by construction; the checks cost more than the inserts). SQLite checks nothing."""
    postgres = session.connection().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET session_replication_role = replica"))
    try:
        step()
    finally:
        if postgres:
            session.execute(text("SET session_replication_role = DEFAULT"))
            session.commit()


def _flush(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) and empty the list.

    PostgreSQL: ``COPY ... FROM STDIN`` on the session's connection, values passed
    through each column type's bind processor first (what an INSERT would send).
    SQLite: one Core ``executemany`` (no ORM bookkeeping).
    """
    if not rows:
        return
    table = model.__table__
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        rows.clear()
        return
    columns = list(rows[0])
    processors = []
    for name in columns:
        processor = table.c[name].type.bind_processor(dialect)
        processors.append(processor)
    raw = connection.connection.dbapi_connection
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([
                value.value if isinstance(value, Enum)
                else json.dumps(value) if isinstance(value, list | dict) else value
                for value in (
                    processor(row[name]) if processor is not None and row[name] is not None
                    else row[name]
                    for name, processor in zip(columns, processors, strict=True))])
    rows.clear()


def seed_people_and_savings(session: Session, plan: Scale) -> None:
    """``plan.users`` anonymous survivors and ``plan.groups`` savings groups.

    Each group has ``members_per_group`` members (chair, treasurer, secretary first),
    one open cycle that began a year ago and a weekly meeting for the year, at which
    officers recorded share purchases, the social fund and a fine. Ledger lines are
    those ``savings.service`` posts for these types (cash debit, equity credit), so
    ``check_ledger`` finds every group balanced; the group's sequence counters are
    left where the service would continue.
    """
    from empower_api.accounts.models import Role, User
    from empower_api.db import utcnow
    from empower_api.savings.models import (
        Account,
        Cycle,
        LedgerEntry,
        Meeting,
        MemberRole,
        Membership,
        SavingsGroup,
        Transaction,
        TxType,
    )
    from empower_api.security.passwords import hash_password

    rng = random.Random(SEED)
    now = utcnow()
    password = hash_password("bench-password-not-used")
    users: list[dict[str, Any]] = []
    user_ids = []
    for i in range(plan.users):
        user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        user_ids.append(user_id)
        users.append({"id": user_id, "role": Role.SURVIVOR, "anonymous": True,
                      "alias": f"bench{i}", "alias_key": f"bench{i}", "password_hash": password,
                      "languages": ["en"], "skills": [], "is_decoy": False,
                      "created_at": now - timedelta(days=rng.randint(1, 700)),
                      "updated_at": now})
        if len(users) == 5000:
            _flush(session, User, users)
    _flush(session, User, users)
    session.commit()

    start = date.today() - timedelta(days=7 * plan.meetings_per_group)
    rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in (
        SavingsGroup, Cycle, Membership, Meeting, Transaction, LedgerEntry)}
    share_price, social = 500, 100
    for g in range(plan.groups):
        group_id, cycle_id = uuid.uuid4(), uuid.uuid4()
        members = []
        for m in range(plan.members_per_group):
            member_id = uuid.uuid4()
            members.append(member_id)
            rows[Membership].append({
                "id": member_id, "group_id": group_id,
                "user_id": user_ids[(g * plan.members_per_group + m) % len(user_ids)],
                "role": ([MemberRole.CHAIR, MemberRole.TREASURER, MemberRole.SECRETARY]
                         [m] if m < 3 else MemberRole.MEMBER),
                "status": "active", "joined_at": now - timedelta(days=370), "left_at": None})
        tx_seq = entry_seq = 0
        for k in range(plan.meetings_per_group):
            meeting_id = uuid.uuid4()
            held = start + timedelta(days=7 * k)
            at = now - timedelta(days=7 * (plan.meetings_per_group - k))
            rows[Meeting].append({"id": meeting_id, "group_id": group_id, "cycle_id": cycle_id,
                                  "seq": k + 1, "held_on": held, "client_id": uuid.uuid4(),
                                  "recorded_by_id": members[0], "created_at": at})
            for t in range(plan.transactions_per_meeting):
                member = rng.choice(members)
                if t < plan.transactions_per_meeting - 2:
                    kind, shares = TxType.SHARE_PURCHASE, rng.randint(1, 3)
                    amount, target = shares * share_price, Account.MEMBER_SHARES
                elif t == plan.transactions_per_meeting - 2:
                    kind, shares, amount, target = TxType.SOCIAL_FUND, 0, social, \
                        Account.SOCIAL_FUND
                else:
                    kind, shares, amount, target = TxType.FINE, 0, rng.randint(1, 5) * 50, \
                        Account.FINES_INCOME
                tx_id = uuid.uuid4()
                tx_seq += 1
                rows[Transaction].append({
                    "id": tx_id, "group_id": group_id, "cycle_id": cycle_id, "seq": tx_seq,
                    "client_id": uuid.uuid4(), "origin": "client", "request_hash": "0" * 64,
                    "type": kind, "meeting_id": meeting_id, "member_id": member,
                    "loan_id": None, "shares": shares, "amount": amount, "currency": "USD",
                    "reverses_id": None, "recorded_by_id": members[1], "created_at": at})
                for account, signed, line_shares in ((Account.CASH, amount, 0),
                                                     (target, -amount, shares)):
                    entry_seq += 1
                    rows[LedgerEntry].append({
                        "id": uuid.uuid4(), "group_id": group_id, "transaction_id": tx_id,
                        "seq": entry_seq, "account": account, "transaction_type": kind,
                        "member_id": member, "loan_id": None, "amount": signed,
                        "shares": line_shares, "created_at": at})
        rows[SavingsGroup].append({
            "id": group_id, "name": f"Bench savings group {g}", "currency": "USD",
            "share_price": share_price, "max_shares_per_meeting": 5,
            "social_fund_amount": social, "loan_interest_bps_per_month": 200,
            "interest_method": "flat", "max_loan_multiple": 3, "cycle_months": 12,
            "invite_code": f"BENCH{g:08d}", "current_cycle_id": cycle_id,
            "last_tx_seq": tx_seq, "last_entry_seq": entry_seq,
            "last_meeting_seq": plan.meetings_per_group,
            "created_at": now - timedelta(days=371), "updated_at": now})
        rows[Cycle].append({"id": cycle_id, "group_id": group_id, "number": 1,
                            "share_price": share_price, "status": "open", "started_on": start,
                            "ends_on": start + timedelta(days=365), "closed_at": None})
        if len(rows[LedgerEntry]) >= 20_000 or g == plan.groups - 1:
            for model in (SavingsGroup, Cycle, Membership, Meeting, Transaction, LedgerEntry):
                _flush(session, model, rows[model])
            session.commit()
    seed_kept_balances(session)
    session.commit()


def seed_kept_balances(session: Session) -> None:
    """Bring any kept per-account balances in line with the ledger just inserted.

    The ledger is the source of truth; if the savings domain keeps balances beside it,
    its own rebuild function recomputes them (nothing to do when it does not).
    """
    from empower_api.savings import ledger

    rebuild = getattr(ledger, "rebuild_balances", None)
    if rebuild is not None:
        rebuild(session)
