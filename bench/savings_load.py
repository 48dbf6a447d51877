"""Savings ledger load: concurrent officers recording transactions, then a ledger check.

Target (DESIGN.md §6): at least 300 transactions/s with 8 concurrent clients on
PostgreSQL, with the ledger exactly balanced afterwards.

Each client is its own process running the app in-process (Flask test client, no
network), signed in as an officer of one group; clients are spread over ``--groups``
groups (1 = everyone contends for one group's row lock). Afterwards every posting
must sum to zero and each group's cash must equal, to the minor unit, the sum of
what the clients saw accepted.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/empower_bench \
        .venv/bin/python bench/savings_load.py --clients 8 --groups 8 [--batch 20]
    .venv/bin/python bench/savings_load.py --clients 8 --groups 1   # a fresh SQLite file

Use a database of its own: the schema is created if missing and the bench's groups
are added to it (nothing is dropped).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import secrets
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHARE_PRICE, SOCIAL, MEMBERS = 500, 100, 40


def _config(database_url: str, secret: str) -> dict[str, Any]:
    return {
        "EMPOWER_ENV": "testing", "DATABASE_URL": database_url, "RATELIMIT_ENABLED": False,
        "SECRET_KEY": secret + "-s", "JWT_SECRET_KEY": secret + "-j",
        "PII_ENCRYPTION_KEYS": "pQ2yRPu5sQh3g9m0rKq1sW8vXzY4aB6cD7eF0gH1iJk=",
        "PII_INDEX_KEY": secret + "-i", "PASSWORD_HASH_PROFILE": "fast",
        "JWT_ACCESS_TOKEN_EXPIRES": 3600,
    }


def _setup(config: dict[str, Any], groups: int, clients: int) -> list[dict[str, Any]]:
    """Groups with an officer per client, members and an open meeting; tokens out."""
    from empower_api import create_app
    from empower_api.accounts import service as accounts
    from empower_api.db import db
    from empower_api.models import metadata
    from empower_api.savings import service
    from tests.factories.accounts import make_survivor

    app = create_app(config)
    plans = []
    with app.app_context():
        metadata.create_all(db.engine)
        session = db.session
        made = []
        for g in range(groups):
            chair = make_survivor(session)
            group = service.create_group(session, actor=chair, data={
                "name": f"Bench group {g}", "currency": "USD", "share_price": SHARE_PRICE,
                "max_shares_per_meeting": 100, "social_fund_amount": SOCIAL,
                "loan_interest_bps_per_month": 200, "max_loan_multiple": 3, "cycle_months": 12})
            members = [service.find_membership(session, group.id, chair)]
            officers = [chair]
            for _ in range(MEMBERS - 1):
                user = make_survivor(session)
                members.append(service.join_group(session, actor=user,
                                                  invite_code=group.invite_code))
                officers.append(user)
            meeting, _ = service.create_meeting(session, actor=chair, group_id=group.id,
                                                data={"held_on": date.today()})
            made.append((group, members, officers, meeting))
        for c in range(clients):
            group, members, officers, meeting = made[c % groups]
            officer_index = (c // groups) % 3
            officer = officers[officer_index]
            if officer_index:
                members[officer_index].role = ("treasurer", "secretary")[officer_index - 1]
            tokens = accounts.start_session(session, officer, "bench")
            plans.append({"group_id": str(group.id), "meeting_id": str(meeting.id),
                          "member_ids": [str(m.id) for m in members],
                          "token": tokens.access_token})
        session.commit()
    return plans


def _worker(config: dict[str, Any], plan: dict[str, Any], count: int, batch: int, seed: int,
            barrier: Any, out: Any) -> None:
    os.environ["LOG_LEVEL"] = "WARNING"
    from empower_api import create_app

    app = create_app(config)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plan['token']}"}
    base = f"/api/v1/savings/groups/{plan['group_id']}"
    rng = random.Random(seed)
    statuses: dict[str, int] = {}
    accepted_cash = 0

    def item() -> tuple[dict[str, Any], int]:
        roll = rng.random()
        body: dict[str, Any] = {"client_id": str(uuid.uuid4()), "meeting_id": plan["meeting_id"],
                                "member_id": rng.choice(plan["member_ids"])}
        if roll < 0.6:
            body.update(type="share_purchase", shares=1)
            return body, SHARE_PRICE
        if roll < 0.85:
            body.update(type="social_fund")
            return body, SOCIAL
        value = rng.randint(10, 200)
        body.update(type="fine", amount=value)
        return body, value

    client.get(base, headers=headers)  # warm up
    barrier.wait()
    for _ in range(count // batch):
        items = [item() for _ in range(batch)]
        if batch == 1:
            status = client.post(f"{base}/transactions", json=items[0][0], headers=headers)
            outcomes = ["applied" if status.status_code == 201 else str(status.status_code)]
        else:
            response = client.post(f"{base}/sync", headers=headers,
                                   json={"transactions": [body for body, _ in items]})
            outcomes = ([r["status"] for r in response.get_json()["results"]]
                        if response.status_code == 200 else [str(response.status_code)] * batch)
        for (_body, value), outcome in zip(items, outcomes, strict=True):
            statuses[outcome] = statuses.get(outcome, 0) + 1
            if outcome == "applied":
                accepted_cash += value
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.put({"group_id": plan["group_id"], "statuses": statuses, "cash": accepted_cash,
             "peak_kb": peak_kb})


def _check(config: dict[str, Any], results: list[dict[str, Any]]) -> tuple[bool, list[str]]:
    """Recompute from the ledger: every posting balances; cash equals what was accepted."""
    from empower_api import create_app
    from empower_api.db import db
    from empower_api.savings import ledger, service
    from empower_api.savings.models import Account

    expected: dict[str, int] = {}
    for result in results:
        expected[result["group_id"]] = expected.get(result["group_id"], 0) + result["cash"]
    app = create_app(config)
    lines = []
    ok = True
    with app.app_context():
        session = db.session
        for group_id, cash in sorted(expected.items()):
            gid = uuid.UUID(group_id)
            check = service.check_ledger(session, group_id=gid)
            balances = ledger.account_balances(session, gid)
            parts = (balances[Account.MEMBER_SHARES] + balances[Account.SOCIAL_FUND]
                     + balances[Account.FINES_INCOME])
            good = check.balanced and check.cash == cash == parts
            ok = ok and good
            lines.append(f"  group {group_id[:8]}: {check.transactions} tx, {check.entries} "
                         f"lines, cash {check.cash} (expected {cash}), "
                         f"{'balanced' if good else 'NOT BALANCED'}")
    return ok, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--groups", type=int, default=8)
    parser.add_argument("--transactions", type=int, default=4000, help="in total")
    parser.add_argument("--batch", type=int, default=1,
                        help="1: POST /transactions each; N: POST /sync with N items")
    args = parser.parse_args()
    os.environ["LOG_LEVEL"] = "WARNING"
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='savings-bench-')}/bench.db"
    config = _config(url, secrets.token_urlsafe(24))
    plans = _setup(config, args.groups, args.clients)
    per_client = args.transactions // args.clients

    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(args.clients + 1)
    out = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(config, plans[c], per_client, args.batch, c,
                                                         barrier, out))
               for c in range(args.clients)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    results = [out.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()

    statuses: dict[str, int] = {}
    for result in results:
        for status, n in result["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    accepted = statuses.get("applied", 0)
    ok, lines = _check(config, results)
    engine = url.split(":", 1)[0]
    sys.stdout.write(
        f"savings ledger load on {engine}: {args.clients} clients, {args.groups} group(s), "
        f"{'one transaction a request' if args.batch == 1 else f'/sync batches of {args.batch}'}\n"
        f"  transactions {sum(statuses.values())}, outcomes {dict(sorted(statuses.items()))}\n"
        f"  {accepted / elapsed:.1f} transactions/s ({elapsed:.2f} s wall)\n"
        f"  peak RSS per client {max(r['peak_kb'] for r in results) / 1024:.0f} MB\n"
        + "\n".join(lines) + "\n"
        + f"ledger check: {'OK, exactly balanced' if ok else 'FAILED'}\n"
    )
    return 0 if ok and accepted == sum(statuses.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
