"""List pages cost a constant number of queries, whatever their size (no N+1)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from empower_api.db import db
from tests.savings.helpers import API, meeting, ok, record


@contextmanager
def counted(app: Any):
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


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
