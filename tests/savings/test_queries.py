"""List pages cost a constant number of queries, whatever their size (no N+1); recording
a transaction costs a fixed few statements, whatever the group's history."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from tests import sqlcount
from tests.savings.helpers import API, meeting, ok, post_tx, record, tx_body


def counted(app: Any) -> AbstractContextManager[list[str]]:
    """The statements run meanwhile; BEGIN and COMMIT count (whole requests)."""
    return sqlcount.counted(app, skip=sqlcount.SAVEPOINTS)


def _queries(app, client, path):
    with counted(app) as statements:
        ok(client.get(path))
    return len(statements)


def test_list_pages_cost_at_most_five_queries_whatever_their_size(app, circle):
    for member_id in (circle.chair_id, circle.treasurer_id, circle.member_id):
        record(circle.treasurer, circle.gid, circle.meeting_id, member_id, "share_purchase",
               shares=5)
    for client in (circle.treasurer, circle.member):
        ok(client.post(f"{API}/{circle.gid}/loans", json={"principal": 300, "term_months": 1}),
           201)
    for _ in range(3):
        meeting(circle.chair, circle.gid)
    for path in ("ledger", "loans", "meetings"):
        small = _queries(app, circle.chair, f"{API}/{circle.gid}/{path}?limit=1")
        large = _queries(app, circle.chair, f"{API}/{circle.gid}/{path}?limit=20")
        assert small == large <= 5, (path, small, large)
    statement = f"{API}/{circle.gid}/members/{circle.member_id}/statement"
    assert _queries(app, circle.member, f"{statement}?limit=1") == _queries(
        app, circle.member, f"{statement}?limit=20")


def _savings_statements(app, client, gid, body):
    """The statements on savings tables one transaction request runs (the request's
    own session check and the like are not the savings code's to count)."""
    with counted(app) as statements:
        response = post_tx(client, gid, body)
    return response, [s for s in statements if "savings_" in s]


def test_recording_a_transaction_costs_a_fixed_few_statements(app, circle):
    # 3 on PostgreSQL: the group lock (with the officer's membership), one read of the
    # replay, meeting, member and shares bought (after the lock, so it sees the last
    # writer's commit), and the posting as one statement (data-modifying CTEs).
    # SQLite has no such CTEs: the counters, the transaction, its lines (one multi-row
    # INSERT) and the kept balances (one multi-row upsert) are four statements, so 6.
    for n in range(6):  # some history first: the cost must not grow with it
        record(circle.treasurer, circle.gid, circle.meeting_id,
               (circle.chair_id, circle.member_id)[n % 2], ("share_purchase", "fine")[n % 2],
               **({"shares": 1} if n % 2 == 0 else {"amount": 50}))
    with app.app_context():
        from empower_api.db import db

        postgres = db.engine.dialect.name == "postgresql"
    limit = 3 if postgres else 6
    for kind, fields in (("share_purchase", {"shares": 1}), ("social_fund", {}),
                         ("fine", {"amount": 25})):
        body = tx_body(circle.meeting_id, circle.member_id, kind, **fields)
        response, statements = _savings_statements(app, circle.treasurer, circle.gid, body)
        ok(response, 201)
        assert len(statements) <= limit, (kind, statements)
        # A replay reads the first transaction and its lines instead of posting.
        response, statements = _savings_statements(app, circle.treasurer, circle.gid, body)
        assert ok(response)["id"] == response.get_json()["id"]
        assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH"))
                       for s in statements), statements
        assert len(statements) <= 4, statements
