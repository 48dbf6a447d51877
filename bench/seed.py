"""The reference data (bench/README.md), seeded once per database and reused after.

Scales (``SCALES``): ``small`` for a quick check, ``reference`` (100,000 published jobs
from 2,000 employers, 20,000 courses, 50,000 users, 2,000 savings groups with a year of
weekly meetings) and ``large`` (the same with 1,000,000 jobs). ``tiny`` is for the
smoke test only.

Jobs and their search documents come from the app's own seeder and normaliser
(``empower_api.jobs.seed``, ``empower_api.jobs.search.search_text``); users and savings
go in with ``COPY`` (PostgreSQL) or a DB-API ``executemany`` (SQLite). The seed is made
of ``PARTS`` (jobs, courses, users, savings); a ``bench_seed`` table records each part's
scale and a fingerprint of its tables and code. A second run reuses every part whose
fingerprint still matches and seeds again only the others (after a migration or a new
normaliser, say), dropping their tables and the tables that refer to them first. A
run at another scale refuses (``SeedMismatch``) unless asked to start again
(``reseed=True`` drops every table).
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

from sqlalchemy import Engine, select, text
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


@dataclass(frozen=True)
class Part:
    """One slice of the seed: the tables it fills (``roots``; every table that refers to
    them is dropped with them) and the code its rows depend on (``sources``). A part
    is seeded again when any of its roots is dropped."""

    name: str
    roots: tuple[str, ...]
    sources: tuple[str, ...]


# In seeding order. A part is seeded again when its fingerprint (schema of the tables
# it fills, plus its sources) changed since it was seeded.
PARTS = (
    # Only the code that builds documents counts, not how a search queries them: a
    # change to the query side must not cost a reseed of a million postings.
    Part("jobs", ("employers", "jobs"), (
        "empower_api.jobs.seed", "empower_api.searchtext", "empower_api.jobs.search:facet_tokens",
        "empower_api.jobs.search:_digest", "empower_api.jobs.search:_plain",
        "empower_api.jobs.search_ddl")),
    Part("courses", ("courses", "course_modules"),
         ("bench.courses_search", "empower_api.searchtext",
          "empower_api.jobs.search:canonical_language",
          "empower_api.jobs.search:canonical_languages",
          "empower_api.jobs.search:canonical_skills", "empower_api.training.catalog",
          "empower_api.training.search_ddl")),
    Part("users", ("users",), ("bench.seed:seed_users",)),
    Part("savings", ("savings_groups", "savings_cycles", "savings_memberships",
                     "savings_meetings", "savings_transactions", "savings_ledger_entries"),
         ("bench.seed:seed_savings",
                                          "empower_api.savings.ledger")),
)


def _closure(metadata: Any, roots: tuple[str, ...]) -> list[Any]:
    """The root tables and every table that refers to them, directly or not."""
    names = set(roots)
    grew = True
    while grew:
        grew = False
        for table in metadata.tables.values():
            if table.name not in names and any(fk.column.table.name in names
                                               for fk in table.foreign_keys):
                names.add(table.name)
                grew = True
    return [metadata.tables[name] for name in sorted(names)]


def fingerprint(part: Part) -> str:
    """A hash of the tables the part fills (columns, types, indexes) and of the code
    that builds its rows and search documents; it changes when the seed would. Tables
    that merely refer to them (applications referring to jobs) do not count."""
    import hashlib
    import importlib
    import inspect

    from empower_api.models import metadata

    digest = hashlib.sha256()
    for table in (metadata.tables[name] for name in part.roots):
        digest.update(table.name.encode())
        for column in table.columns:
            digest.update(f"{column.name}:{column.type!r}".encode())
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            digest.update(f"{index.name}".encode())
    for source in part.sources:
        module, _, attribute = source.partition(":")
        try:
            found = importlib.import_module(module)
        except ModuleNotFoundError:
            digest.update(f"missing {source}".encode())
            continue
        digest.update(inspect.getsource(getattr(found, attribute) if attribute
                                        else found).encode())
    return digest.hexdigest()[:16]


def _markers(engine: Engine) -> dict[str, tuple[str, str, float]]:
    """``{part: (scale, fingerprint, seconds)}`` as recorded by earlier runs."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_seed (part VARCHAR(16) NOT NULL, "
                          "scale VARCHAR(16) NOT NULL, fingerprint VARCHAR(16) NOT NULL, "
                          "seconds FLOAT NOT NULL)"))
        rows = conn.execute(text("SELECT part, scale, fingerprint, seconds FROM bench_seed"))
        return {row[0]: (row[1], row[2], float(row[3])) for row in rows}


def ensure_seeded(app: Any, scale: str, *, reseed: bool = False,
                  log: Any = print) -> dict[str, Any]:
    """Create the schema and seed ``scale``, reusing every part already there.

    ``app`` is a Flask app bound to the target database. Returns ``{"scale", "reused":
    bool (nothing had to be seeded), "seconds": float (seeding time of the data now
    there), "seeded": [parts seeded now], "counts": {table: rows}}``. Raises
    ``SeedMismatch`` when another scale is seeded and ``reseed`` is false, or when
    the database has users but no bench marker (it is not a bench database).
    """
    from empower_api.db import db
    from empower_api.models import metadata

    plan = SCALES[scale]
    with app.app_context():
        engine = db.engine
        markers = _markers(engine)
        scales = {found[0] for found in markers.values()}
        if scales - {scale}:
            if not reseed:
                raise SeedMismatch(
                    f"this database holds the {sorted(scales)[0]!r} bench data; use another "
                    f"database for {scale!r} or pass --reseed to drop everything and start again")
            markers = {}
            _drop(engine, list(metadata.tables.values()))
        metadata.create_all(engine)
        if not markers:
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM users")).scalar():
                    raise SeedMismatch("this database has users but no bench marker: refusing "
                                       "to seed into what may be real data")
        current = {part.name: fingerprint(part) for part in PARTS}
        stale = [p for p in PARTS if markers.get(p.name, ("", "", 0))[:2]
                 != (scale, current[p.name])]
        # A part seeded again takes its tables, and the tables referring to them, with
        # it; any other part that filled one of those tables is seeded again too.
        todo = list(stale)
        while True:
            dropped = {t.name for p in todo for t in _closure(metadata, p.roots)}
            more = [p for p in PARTS if p not in todo and set(p.roots) & dropped]
            if not more:
                break
            todo += more
        todo.sort(key=PARTS.index)
        if todo:
            changed = [p.name for p in stale if p.name in markers]
            if changed:
                log(f"seed: {', '.join(changed)} changed (schema or seed code)")
            _drop(engine, [metadata.tables[name] for name in sorted(dropped)],
                  [p.name for p in todo])
            metadata.create_all(engine)
        for part in todo:
            started = time.perf_counter()
            _SEEDERS[part.name](db.session, plan)
            seconds = time.perf_counter() - started
            log(f"seed: {part.name} in {seconds:.1f} s")
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM bench_seed WHERE part = :p"), {"p": part.name})
                conn.execute(text("INSERT INTO bench_seed (part, scale, fingerprint, seconds) "
                                  "VALUES (:p, :s, :f, :t)"),
                             {"p": part.name, "s": scale, "f": current[part.name],
                              "t": seconds})
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql" or todo:
                conn.execute(text("ANALYZE"))
            counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                      for table in ("jobs", "employers", "courses", "users", "savings_groups",
                                    "savings_meetings", "savings_ledger_entries")}
        total = sum(found[2] for found in _markers(engine).values())
    return {"scale": scale, "reused": not todo, "seconds": total,
            "seeded": [p.name for p in todo], "counts": counts}


def _drop(engine: Engine, tables: list[Any], parts: list[str] | None = None) -> None:
    """Drop ``tables`` (search indexes and triggers go with them) and forget ``parts``
    (every part when None)."""
    from empower_api.models import metadata

    metadata.drop_all(engine, tables=tables)
    with engine.begin() as conn:
        if parts is None:
            conn.execute(text("DELETE FROM bench_seed"))
        for part in parts or []:
            conn.execute(text("DELETE FROM bench_seed WHERE part = :p"), {"p": part})


def _seed_jobs(session: Session, plan: Scale) -> None:
    from empower_api.jobs.seed import seed_reference_jobs

    seed_reference_jobs(session, jobs=plan.jobs, employers=plan.employers, seed=SEED)


def _seed_courses(session: Session, plan: Scale) -> None:
    from bench.courses_search import seed_courses

    seed_courses(session, count=plan.courses, seed=SEED)


def _seed_users(session: Session, plan: Scale) -> None:
    _fast_bulk(session, lambda: seed_users(session, plan))


def _seed_savings(session: Session, plan: Scale) -> None:
    _fast_bulk(session, lambda: seed_savings(session, plan))


_SEEDERS = {"jobs": _seed_jobs, "courses": _seed_courses, "users": _seed_users,
            "savings": _seed_savings}


def _fast_bulk(session: Session, step: Any) -> None:
    """Run ``step``; on PostgreSQL with foreign-key triggers off (rows are built
    consistent, and the checks cost more than the inserts). SQLite checks nothing."""
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

    Values go through each column type's bind processor (what an INSERT would send),
    then PostgreSQL takes them with ``COPY ... FROM STDIN`` and SQLite with one DB-API
    ``executemany`` (no statement compilation per row).
    """
    if not rows:
        return
    table = model.__table__
    connection = session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    processors = [table.c[name].type.bind_processor(dialect) for name in columns]
    postgres = dialect.name == "postgresql"

    def plain(value: Any) -> Any:
        if isinstance(value, Enum):
            return value.value
        if postgres and isinstance(value, list | dict):
            return json.dumps(value)
        return value

    values = [[plain(processor(row[name]) if processor is not None and row[name] is not None
                     else row[name])
               for name, processor in zip(columns, processors, strict=True)] for row in rows]
    raw = connection.connection.dbapi_connection
    names = ", ".join(f'"{name}"' for name in columns)
    if postgres:
        with raw.cursor() as cursor, \
                cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(columns))
        raw.cursor().executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
                                 values)
    rows.clear()


def _user_ids(plan: Scale) -> list[uuid.UUID]:
    """The seeded users' ids, deterministic (the savings part finds them again)."""
    rng = random.Random(SEED)
    return [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(plan.users)]


def seed_users(session: Session, plan: Scale) -> None:
    """``plan.users`` anonymous survivors (alias ``bench<n>``, one shared password hash)."""
    from empower_api.accounts.models import Role, User
    from empower_api.db import utcnow
    from empower_api.security.passwords import hash_password

    rng = random.Random(SEED + 1)
    now = utcnow()
    password = hash_password("bench-password-not-used")
    users: list[dict[str, Any]] = []
    for i, user_id in enumerate(_user_ids(plan)):
        users.append({"id": user_id, "role": Role.SURVIVOR, "anonymous": True,
                      "alias": f"bench{i}", "alias_key": f"bench{i}", "password_hash": password,
                      "languages": ["en"], "skills": [], "is_decoy": False,
                      "created_at": now - timedelta(days=rng.randint(1, 700)),
                      "updated_at": now})
        if len(users) == 5000:
            _flush(session, User, users)
    _flush(session, User, users)
    session.commit()


def seed_savings(session: Session, plan: Scale) -> None:
    """``plan.groups`` savings groups of the seeded users.

    Each group has ``members_per_group`` members (chair, treasurer, secretary first),
    one open cycle that began a year ago and a weekly meeting for the year, at which
    officers recorded share purchases, the social fund and a fine. Ledger lines are
    those ``savings.service`` posts for these types (cash debit, equity credit), so
    ``check_ledger`` finds every group balanced; the group's sequence counters are
    left where the service would continue.
    """
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

    rng = random.Random(SEED + 2)
    ids = random.Random(SEED + 3)

    def new_id() -> uuid.UUID:
        return uuid.UUID(int=ids.getrandbits(128), version=4)

    now = utcnow()
    from empower_api.accounts.models import User

    # The users part's rows, whichever run seeded them.
    user_ids = list(session.scalars(select(User.id).where(User.alias_key.like("bench%"))
                                    .order_by(User.id).limit(plan.users)))
    start = date.today() - timedelta(days=7 * plan.meetings_per_group)
    rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in (
        SavingsGroup, Cycle, Membership, Meeting, Transaction, LedgerEntry)}
    share_price, social = 500, 100
    for g in range(plan.groups):
        group_id, cycle_id = new_id(), new_id()
        members = []
        for m in range(plan.members_per_group):
            member_id = new_id()
            members.append(member_id)
            rows[Membership].append({
                "id": member_id, "group_id": group_id,
                "user_id": user_ids[(g * plan.members_per_group + m) % len(user_ids)],
                "role": ([MemberRole.CHAIR, MemberRole.TREASURER, MemberRole.SECRETARY]
                         [m] if m < 3 else MemberRole.MEMBER),
                "status": "active", "joined_at": now - timedelta(days=370), "left_at": None})
        tx_seq = entry_seq = 0
        for k in range(plan.meetings_per_group):
            meeting_id = new_id()
            held = start + timedelta(days=7 * k)
            at = now - timedelta(days=7 * (plan.meetings_per_group - k))
            rows[Meeting].append({"id": meeting_id, "group_id": group_id, "cycle_id": cycle_id,
                                  "seq": k + 1, "held_on": held, "client_id": new_id(),
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
                tx_id = new_id()
                tx_seq += 1
                rows[Transaction].append({
                    "id": tx_id, "group_id": group_id, "cycle_id": cycle_id, "seq": tx_seq,
                    "client_id": new_id(), "origin": "client", "request_hash": "0" * 64,
                    "type": kind, "meeting_id": meeting_id, "member_id": member,
                    "loan_id": None, "shares": shares, "amount": amount, "currency": "USD",
                    "reverses_id": None, "recorded_by_id": members[1], "created_at": at})
                for account, signed, line_shares in ((Account.CASH, amount, 0),
                                                     (target, -amount, shares)):
                    entry_seq += 1
                    rows[LedgerEntry].append({
                        "id": new_id(), "group_id": group_id, "transaction_id": tx_id,
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
    """Bring the kept per-account balances in line with the ledger just inserted.

    The ledger is the source of truth: the savings domain's own recomputation sums it
    (three grouped statements for every group at once) and the rows are bulk-inserted.
    """
    from sqlalchemy import delete, insert

    from empower_api.savings import ledger
    from empower_api.savings.models import Balance

    session.execute(delete(Balance))
    rows = ledger.balance_rows(session)
    for start in range(0, len(rows), 20_000):
        session.execute(insert(Balance), rows[start:start + 20_000])
