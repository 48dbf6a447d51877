"""Savings under load: officers posting over HTTP to gunicorn, on empty and long books.

Targets (bench/README.md, on PostgreSQL): at least 300 transactions/s with 8 HTTP clients
against gunicorn, the ledger exactly balanced afterwards, and throughput on groups that
already hold 200,000 ledger lines within 15% of throughput on empty groups.

Each client is its own process with one HTTP connection, signed in as an officer of its
own group, posting one transaction a request: share purchases, social fund, fines, and
one in ten a reversal of an earlier fine of its own (a cash-out, so the cash check runs).
Two sets of groups are driven for the same time, interleaved (empty, long, empty, long)
so the machine's noise falls on both alike: fresh groups, and groups seeded with
``--seed-lines`` ledger lines each by bulk inserts (server-side on PostgreSQL). Afterwards
``check_ledger`` recomputes every kept balance from the lines, and each group's cash must
equal, to the minor unit, the sum of what its client saw accepted.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/empower_bench \\
        .venv/bin/python bench/savings_load.py [--seconds 15] [--workers 5]

Use a database of its own: the schema is created if missing and the bench's groups are
added to it (nothing is dropped). Without ``DATABASE_URL`` a fresh SQLite file is used
(the targets are PostgreSQL's; SQLite serialises every writer).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARE_PRICE, SOCIAL, MEMBERS = 500, 100, 12
TARGET_TPS, TARGET_RATIO = 300.0, 0.85
SEED_LINES = {"small": 20_000, "reference": 200_000, "large": 200_000}


def _environment(database_url: str) -> dict[str, str]:
    """The app's configuration as environment variables (gunicorn and setup share it)."""
    secret = secrets.token_urlsafe(24)
    return {
        "EMPOWER_ENV": "testing", "DATABASE_URL": database_url, "RATELIMIT_ENABLED": "false",
        "SECRET_KEY": secret + "-s", "JWT_SECRET_KEY": secret + "-j" * 8,
        "PII_ENCRYPTION_KEYS": "pQ2yRPu5sQh3g9m0rKq1sW8vXzY4aB6cD7eF0gH1iJk=",
        "PII_INDEX_KEY": secret + "-i", "PASSWORD_HASH_PROFILE": "fast",
        "LOG_LEVEL": "WARNING",
    }


def _app_config(env: dict[str, str]) -> dict[str, Any]:
    """The same configuration for an in-process app; tokens outlive the seeding."""
    return {**{k: v for k, v in env.items() if k != "LOG_LEVEL"},
            "JWT_ACCESS_TOKEN_EXPIRES": timedelta(hours=2)}


def _seed_lines(session: Any, group: Any, meeting: Any, members: list[Any], lines: int) -> None:
    """``lines`` ledger lines of past share purchases, by bulk inserts, then the kept
    balances rebuilt from them (when this version of the code keeps balances)."""
    from sqlalchemy import insert

    from empower_api.savings import ledger
    from empower_api.savings.models import LedgerEntry, Transaction

    count = lines // 2
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        params = {"gid": group.id, "cycle": group.current_cycle_id, "meeting": meeting.id,
                  "members": [m.id for m in members], "n": len(members),
                  "recorder": members[0].id, "count": count, "price": SHARE_PRICE}
        session.execute(text(
            "INSERT INTO savings_transactions (id, group_id, cycle_id, seq, client_id, origin, "
            "type, meeting_id, member_id, shares, amount, currency, recorded_by_id, created_at) "
            "SELECT md5(CAST(:gid AS text) || g)::uuid, :gid, :cycle, g, gen_random_uuid(), "
            "'system', 'share_purchase', :meeting, (CAST(:members AS uuid[]))[1 + g % :n], 1, "
            ":price, 'USD', :recorder, now() FROM generate_series(1, :count) AS g"), params)
        session.execute(text(
            "INSERT INTO savings_ledger_entries (id, group_id, transaction_id, seq, account, "
            "transaction_type, member_id, amount, shares, created_at) "
            "SELECT gen_random_uuid(), :gid, md5(CAST(:gid AS text) || g)::uuid, 2 * g - 1 + s, "
            "CASE s WHEN 0 THEN 'cash' ELSE 'member_shares' END, 'share_purchase', "
            "(CAST(:members AS uuid[]))[1 + g % :n], CASE s WHEN 0 THEN :price ELSE -:price END, "
            "s, now() FROM generate_series(1, :count) AS g, generate_series(0, 1) AS s"), params)
    else:
        now = meeting.created_at
        for start in range(1, count + 1, 10_000):
            txs, entries = [], []
            for g in range(start, min(start + 10_000, count + 1)):
                tx_id, member = uuid.uuid4(), members[g % len(members)]
                txs.append({"id": tx_id, "group_id": group.id, "cycle_id": group.current_cycle_id,
                            "seq": g, "client_id": uuid.uuid4(), "origin": "system",
                            "type": "share_purchase", "meeting_id": meeting.id,
                            "member_id": member.id, "shares": 1, "amount": SHARE_PRICE,
                            "currency": "USD", "recorded_by_id": members[0].id,
                            "created_at": now})
                for s, account in enumerate(("cash", "member_shares")):
                    entries.append({"id": uuid.uuid4(), "group_id": group.id,
                                    "transaction_id": tx_id, "seq": 2 * g - 1 + s,
                                    "account": account, "transaction_type": "share_purchase",
                                    "member_id": member.id, "amount": SHARE_PRICE * (1 - 2 * s),
                                    "shares": s, "created_at": now})
            session.execute(insert(Transaction), txs)
            session.execute(insert(LedgerEntry), entries)
    group.last_tx_seq, group.last_entry_seq = count, 2 * count
    session.flush()
    if hasattr(ledger, "rebuild_balances"):  # absent before balances were kept
        ledger.rebuild_balances(session, group.id)


def _setup(env: dict[str, str], clients: int, seed_lines: int) -> dict[str, list[dict[str, Any]]]:
    """Per phase ("empty", "long"): a group per client, its officer's token and a meeting."""
    from empower_api import create_app
    from empower_api.accounts import service as accounts
    from empower_api.db import db
    from empower_api.models import metadata
    from empower_api.savings import service
    from tests.factories.accounts import make_survivor

    app = create_app(_app_config(env))
    plans: dict[str, list[dict[str, Any]]] = {"empty": [], "long": []}
    with app.app_context():
        metadata.create_all(db.engine)
        session = db.session
        for phase in plans:
            for c in range(clients):
                chair = make_survivor(session)
                group = service.create_group(session, actor=chair, data={
                    "name": f"Bench {phase} {c}", "currency": "USD", "share_price": SHARE_PRICE,
                    "max_shares_per_meeting": 1000, "social_fund_amount": SOCIAL,
                    "loan_interest_bps_per_month": 200, "max_loan_multiple": 3,
                    "cycle_months": 12})
                members = [service.find_membership(session, group.id, chair)]
                for _ in range(MEMBERS - 1):
                    members.append(service.join_group(session, actor=make_survivor(session),
                                                      invite_code=group.invite_code))
                if phase == "long":
                    past, _ = service.create_meeting(session, actor=chair, group_id=group.id,
                                                     data={"held_on": date.today()
                                                           - timedelta(days=7)})
                    _seed_lines(session, group, past, members, seed_lines)
                meeting, _ = service.create_meeting(session, actor=chair, group_id=group.id,
                                                    data={"held_on": date.today()})
                plans[phase].append({
                    "group_id": str(group.id), "meeting_id": str(meeting.id),
                    "member_ids": [str(m.id) for m in members],
                    "seeded_cash": (seed_lines // 2) * SHARE_PRICE if phase == "long" else 0,
                    "token": accounts.start_session(session, chair, "bench").access_token})
                session.commit()
    return plans


def _client(port: int, plan: dict[str, Any], seconds: float, seed: int, start: Any,
            out: Any) -> None:
    """Post for ``seconds`` after the start event; report counts and the cash accepted."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {plan['token']}", "Content-Type": "application/json"}
    base = f"/api/v1/savings/groups/{plan['group_id']}/transactions"
    reversible: list[tuple[str, int]] = []
    statuses: dict[str, int] = {}
    cash = 0
    start.wait()
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        roll = rng.random()
        if roll < 0.1 and reversible:
            tx_id, value = reversible.pop(rng.randrange(len(reversible)))
            conn.request("POST", f"{base}/{tx_id}/reversal", body=b"{}", headers=headers)
            value = -value
        else:
            body: dict[str, Any] = {"client_id": str(uuid.uuid4()),
                                    "meeting_id": plan["meeting_id"],
                                    "member_id": rng.choice(plan["member_ids"])}
            if roll < 0.6:
                body.update(type="share_purchase", shares=1)
                value = SHARE_PRICE
            elif roll < 0.8:
                body.update(type="social_fund")
                value = SOCIAL
            else:
                value = rng.randint(10, 200)
                body.update(type="fine", amount=value)
            conn.request("POST", base, body=json.dumps(body), headers=headers)
        response = conn.getresponse()
        payload = response.read()
        statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
        if response.status == 201:
            cash += value
            if body.get("type") == "fine" and value > 0:
                reversible.append((json.loads(payload)["id"], value))
    out.put({"group_id": plan["group_id"], "statuses": statuses, "cash": cash})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "empower_api:create_app()"],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=str(ROOT),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300  # a loaded machine starts workers slowly
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _drive(port: int, plans: list[dict[str, Any]], seconds: float,
           results: list[dict[str, Any]]) -> int:
    """One timed run of every client at once; returns the transactions accepted."""
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_client, args=(port, plan, seconds, i, start, out))
             for i, plan in enumerate(plans)]
    for proc in procs:
        proc.start()
    time.sleep(1.0)  # let every client process import and connect
    start.set()
    run = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    results.extend(run)
    return sum(r["statuses"].get("201", 0) for r in run)


def _check(env: dict[str, str], plans: dict[str, list[dict[str, Any]]],
           results: list[dict[str, Any]]) -> tuple[bool, int, list[str]]:
    """check_ledger per group, and each group's cash against the seeded cash plus what
    its client saw accepted."""
    from empower_api import create_app
    from empower_api.db import db
    from empower_api.savings import service

    expected = {plan["group_id"]: plan["seeded_cash"] for phase in plans.values()
                for plan in phase}
    for result in results:
        expected[result["group_id"]] += result["cash"]
    app = create_app(_app_config(env))
    ok, mismatches, problems = True, 0, []
    with app.app_context():
        for group_id, cash in sorted(expected.items()):
            check = service.check_ledger(db.session, group_id=uuid.UUID(group_id))
            mismatches += len(getattr(check, "balance_mismatches", []))
            good = check.balanced and check.cash == cash
            if not good:
                problems.append(f"group {group_id[:8]}: cash {check.cash}, expected {cash}")
            ok = ok and good
    return ok, mismatches, problems


def run(database_url: str, *, clients: int = 8, seconds: float = 15.0, workers: int = 5,
        seed_lines: int = 200_000) -> dict[str, Any]:
    """Seed, serve, drive both phases (interleaved, two rounds each), check the books."""
    env = _environment(database_url)
    seeding = time.perf_counter()
    plans = _setup(env, clients, seed_lines)
    seeding = time.perf_counter() - seeding
    port = _free_port()
    server = _gunicorn(env, port, workers)
    results: list[dict[str, Any]] = []
    accepted = {"empty": 0, "long": 0}
    try:
        for phase in ("empty", "long") * 2:
            accepted[phase] += _drive(port, plans[phase], seconds / 2, results)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:  # a loaded machine: do not lose the figures
            server.kill()
            server.wait()
    statuses: dict[str, int] = {}
    for result in results:
        for status, n in result["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    balanced, mismatches, problems = _check(env, plans, results)
    return {"engine": database_url.split(":", 1)[0].split("+")[0], "clients": clients,
            "workers": workers, "seconds": seconds, "seed_lines": seed_lines,
            "seeding_s": seeding, "empty_tps": accepted["empty"] / seconds,
            "long_tps": accepted["long"] / seconds, "statuses": statuses,
            "balanced": balanced, "mismatches": mismatches, "problems": problems}


def figures(scale: str, database_url: str) -> list[dict[str, Any]]:
    """The savings figures for ``python -m bench all`` (targets are PostgreSQL's)."""
    out = run(database_url or _sqlite_url(), seed_lines=SEED_LINES.get(scale, 200_000))
    postgres = out["engine"] == "postgresql"
    ratio = out["long_tps"] / out["empty_tps"] if out["empty_tps"] else 0.0
    errors = sum(n for status, n in out["statuses"].items() if status != "201")
    where = (f"{out['clients']} HTTP clients, gunicorn {out['workers']} sync workers, "
             f"{out['engine']}")
    return [
        {"name": "savings transactions/s, empty groups", "value": round(out["empty_tps"], 1),
         "unit": "tx/s", "target": f">= {TARGET_TPS:.0f} on PostgreSQL",
         "met": out["empty_tps"] >= TARGET_TPS if postgres else None,
         "note": f"{where}; {errors} non-201 answers"},
        {"name": f"savings throughput with {out['seed_lines']:,} lines per group / empty",
         "value": round(ratio, 2), "unit": "ratio", "target": f">= {TARGET_RATIO}",
         "met": ratio >= TARGET_RATIO if postgres else None,
         "note": f"{out['long_tps']:.1f} vs {out['empty_tps']:.1f} tx/s, same run, "
                 f"interleaved; seeding took {out['seeding_s']:.0f} s"},
        {"name": "savings ledger after load (check_ledger)", "value": out["mismatches"],
         "unit": "kept balances differing", "target": "0, every entry balanced",
         "met": out["balanced"] and out["mismatches"] == 0,
         "note": "; ".join(out["problems"]) or "cash equals what clients saw accepted"},
    ]


def _sqlite_url() -> str:
    return f"sqlite:///{tempfile.mkdtemp(prefix='savings-bench-')}/bench.db"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="per phase, split over two interleaved rounds")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    parser.add_argument("--seed-lines", type=int, default=200_000)
    args = parser.parse_args()
    out = run(args.database_url or _sqlite_url(), clients=args.clients, seconds=args.seconds,
              workers=args.workers, seed_lines=args.seed_lines)
    ratio = out["long_tps"] / out["empty_tps"] if out["empty_tps"] else 0.0
    sys.stdout.write(
        f"savings under load on {out['engine']}: {out['clients']} HTTP clients, gunicorn "
        f"{out['workers']} sync workers, {out['seconds']:.0f} s per phase\n"
        f"  outcomes {dict(sorted(out['statuses'].items()))}; seeding {out['seeding_s']:.0f} s\n"
        f"  empty groups:  {out['empty_tps']:7.1f} transactions/s (target >= {TARGET_TPS:.0f})\n"
        f"  {out['seed_lines']:,} lines each: {out['long_tps']:7.1f} transactions/s "
        f"(ratio {ratio:.2f}, target >= {TARGET_RATIO})\n"
        f"  kept balances differing from the ledger: {out['mismatches']}\n"
        + "".join(f"  {problem}\n" for problem in out["problems"])
        + f"ledger check: {'OK, exactly balanced' if out['balanced'] else 'FAILED'}\n")
    return 0 if out["balanced"] and out["mismatches"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
