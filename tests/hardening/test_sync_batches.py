"""Issue #8 points 11 and 13: a null item is rejected alone; a batch is bounded and
holds the write lock one chunk at a time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from empower_api.savings import service
from empower_api.savings.schemas import SYNC_MAX_ITEMS
from tests.conftest import assert_problem
from tests.savings.conftest import circle  # noqa: F401  (fixture)
from tests.savings.helpers import API, ok, tx_body


def test_a_null_item_is_rejected_alone(circle):  # noqa: F811
    good = tx_body(circle.meeting_id, circle.member_id, "fine", amount=10)
    body = ok(circle.treasurer.post(f"{API}/{circle.gid}/sync",
                                    json={"transactions": [good, None, 7, "x", [], good]}))
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["applied", "rejected", "rejected", "rejected", "rejected", "duplicate"]
    assert body["results"][1]["client_id"] is None
    assert body["results"][1]["error"]["code"] == "validation_error"


def test_an_item_the_input_check_refuses_is_rejected_alone(circle):  # noqa: F811
    def item(**overrides):
        return {**tx_body(circle.meeting_id, circle.member_id, "fine", amount=10), **overrides}

    bad = [item(amount=9223372036854775808), item(amount=1e20), item(type="fi\u0000ne"),
           item(amount=-1)]
    body = ok(circle.treasurer.post(f"{API}/{circle.gid}/sync",
                                    json={"transactions": [item(), *bad, item()]}))
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["applied", *["rejected"] * len(bad), "applied"], body
    assert body["results"][1]["error"]["code"] == "validation_error"


def test_a_bad_value_outside_the_items_still_refuses_the_request(circle):  # noqa: F811
    good = tx_body(circle.meeting_id, circle.member_id, "fine", amount=10)
    assert_problem(circle.treasurer.post(f"{API}/{circle.gid}/sync", json={
        "transactions": [good], "device": "x\u0000"}), 422, "device")


def test_a_batch_over_the_limit_is_refused_whole(circle):  # noqa: F811
    item = tx_body(circle.meeting_id, circle.member_id, "fine", amount=1)
    items = [{**item, "client_id": tx_body(circle.meeting_id, circle.member_id, "fine",
                                           amount=1)["client_id"]}
             for _ in range(SYNC_MAX_ITEMS + 1)]
    assert_problem(circle.treasurer.post(f"{API}/{circle.gid}/sync", json={"transactions": items}),
                   422, "transactions")


def test_a_batch_commits_chunk_by_chunk(circle, monkeypatch):  # noqa: F811
    items = [tx_body(circle.meeting_id, circle.member_id, "fine", amount=1) for _ in range(60)]
    monkeypatch.setattr(service, "SYNC_CHUNK", 25)
    commits: list[int] = []

    def count(_session: Session, transaction: Any) -> None:
        if transaction.parent is None:  # the request's own transaction, not an item's savepoint
            commits.append(1)

    event.listen(Session, "after_transaction_end", count)
    try:
        body = ok(circle.treasurer.post(f"{API}/{circle.gid}/sync", json={"transactions": items}))
    finally:
        event.remove(Session, "after_transaction_end", count)
    assert [r["status"] for r in body["results"]] == ["applied"] * 60
    # Chunks of 25, 25 and 10: two commits between chunks, one at the end.
    assert len(commits) == 3


def test_items_past_the_time_budget_come_back_to_be_sent_again(circle, monkeypatch):  # noqa: F811
    monkeypatch.setattr(service, "SYNC_CHUNK", 2)
    monkeypatch.setattr(service, "SYNC_TIME_BUDGET_SECONDS", 0.0)
    items = [tx_body(circle.meeting_id, circle.member_id, "fine", amount=1) for _ in range(5)]
    body = ok(circle.treasurer.post(f"{API}/{circle.gid}/sync", json={"transactions": items}))
    assert [r["status"] for r in body["results"]] == ["applied", "applied"] + ["rejected"] * 3
    assert {r["error"]["code"] for r in body["results"][2:]} == {"not_processed"}
    again = ok(circle.treasurer.post(f"{API}/{circle.gid}/sync", json={"transactions": items}))
    assert [r["status"] for r in again["results"]][:2] == ["duplicate", "duplicate"]
