"""Issue #8 point 2: refresh-token rotation under real concurrency, and the stale-read
pattern (a row locked FOR UPDATE whose attributes were loaded earlier) everywhere."""

from __future__ import annotations

import ast
import threading
from pathlib import Path
from typing import Any

import pytest

from empower_api.accounts import service
from empower_api.db import db
from tests.accounts.test_auth_api import API, bearer
from tests.factories.accounts import make_survivor

PACKAGE = Path(__file__).resolve().parents[2] / "empower_api"


def _at_once(calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = calls[index]()
        except BaseException as error:  # re-raised in the test's thread below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.postgres_only
@pytest.mark.parametrize("parallel", [2, 4, 8])
def test_parallel_refreshes_with_one_token_let_exactly_one_through(committing_app, parallel):
    with committing_app.app_context():
        user = make_survivor(db.session)
        tokens = service.start_session(db.session, user, "phone")
        db.session.commit()

    def refresh() -> Any:
        client = committing_app.test_client()
        response = client.post(f"{API}/auth/refresh", headers=bearer(tokens.refresh_token))
        return response.status_code, response.get_json()

    results = _at_once([refresh] * parallel)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [401] * (parallel - 1), statuses
    winner = next(body for status, body in results if status == 200)
    # A reuse was seen, so the whole family is revoked: the winner's pair stops too.
    client = committing_app.test_client()
    assert client.get(f"{API}/me", headers=bearer(winner["access_token"])).status_code == 401
    again = client.post(f"{API}/auth/refresh", headers=bearer(winner["refresh_token"]))
    assert again.status_code == 401


def _statements_with_row_locks() -> list[tuple[str, int, str]]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text()
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if not isinstance(node, ast.stmt) or hasattr(node, "body"):
                continue
            segment = ast.get_source_segment(source, node) or ""
            if "with_for_update" in segment:
                found.append((str(path.relative_to(PACKAGE)), node.lineno, segment))
    return found


def test_every_row_lock_rereads_the_row():
    """``FOR UPDATE`` on a row already in the session keeps its stale attributes unless
    the statement also says ``populate_existing``: every lock in the code base must."""
    locks = _statements_with_row_locks()
    assert len(locks) >= 5  # the scan sees the code base's locks
    stale = [(path, line) for path, line, segment in locks
             if "populate_existing" not in segment]
    assert stale == []
