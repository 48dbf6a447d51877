"""Officers posting at the same moment, with real threads and real commits (PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from empower_api.db import db
from empower_api.savings import ledger, service
from empower_api.savings.models import Account, LedgerEntry, SavingsGroup, Transaction
from tests.factories.accounts import make_survivor
from tests.factories.savings import add_member, make_group, make_meeting, member_of, record

pytestmark = pytest.mark.postgres_only
API = "/api/v1/savings/groups"


def _in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at once (a barrier releases them together); results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as error:  # surfaced below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def _group(app: Any, *, shares: dict[int, int], members: int = 4) -> dict[str, Any]:
    """A chair, a treasurer, a secretary and members; savings bought at meeting 1."""
    with app.app_context():
        session = db.session
        users = [make_survivor(session) for _ in range(members)]
        group = make_group(session, users[0], share_price=1000, max_shares_per_meeting=5,
                           social_fund_amount=100, max_loan_multiple=3)
        memberships = [member_of(session, group, users[0])]
        for i, user in enumerate(users[1:], start=1):
            role = {1: "treasurer", 2: "secretary"}.get(i)
            memberships.append(add_member(session, group, user, role))
        meeting = make_meeting(session, group, users[0], date.today())
        for index, count in shares.items():
            record(session, group, users[0], meeting=meeting, member=memberships[index],
                   type="share_purchase", shares=count)
        session.commit()
        return {"group_id": group.id, "users": users, "meeting_id": meeting.id,
                "member_ids": [m.id for m in memberships]}


def test_concurrent_officers_never_lose_a_posting(committing_app, auth_client):
    setup = _group(committing_app, shares={})
    officers = [auth_client(setup["users"][i]) for i in (0, 1, 2)]
    gid, meeting_id, member_ids = setup["group_id"], setup["meeting_id"], setup["member_ids"]
    per_thread = 12

    def post_many(client: Any, thread: int) -> list[int]:
        statuses = []
        for n in range(per_thread):
            body = {"client_id": str(uuid.uuid4()), "meeting_id": str(meeting_id),
                    "member_id": str(member_ids[(thread + n) % 4]), "type": "fine",
                    "amount": 10 + thread}
            statuses.append(client.post(f"{API}/{gid}/transactions", json=body).status_code)
        return statuses

    results = _in_threads([
        (lambda c=officers[t % 3], t=t: post_many(c, t)) for t in range(8)])
    assert Counter(s for statuses in results for s in statuses) == {201: 8 * per_thread}
    with committing_app.app_context():
        session = db.session
        expected_fines = sum((10 + t) * per_thread for t in range(8))
        view = service.get_group(session, actor=setup["users"][0], group_id=gid)
        assert view.balances["cash"] == view.balances["fines"] == expected_fines
        group = session.get(SavingsGroup, gid)
        assert group.last_tx_seq == 8 * per_thread
        seqs = session.scalars(select(LedgerEntry.seq).where(LedgerEntry.group_id == gid)
                               .order_by(LedgerEntry.seq)).all()
        assert seqs == list(range(1, 2 * 8 * per_thread + 1))
        assert service.check_ledger(session, group_id=gid).balanced


def test_the_same_client_id_sent_twice_at_once_is_applied_once(committing_app, auth_client):
    setup = _group(committing_app, shares={})
    chair, treasurer = (auth_client(setup["users"][i]) for i in (0, 1))
    gid = setup["group_id"]
    body = {"client_id": str(uuid.uuid4()), "meeting_id": str(setup["meeting_id"]),
            "member_id": str(setup["member_ids"][3]), "type": "share_purchase", "shares": 2}
    responses = _in_threads([
        lambda c=c: c.post(f"{API}/{gid}/transactions", json=body) for c in (chair, treasurer)])
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert responses[0].get_json() == responses[1].get_json()
    with committing_app.app_context():
        count = db.session.scalar(select(func.count(Transaction.id)).where(
            Transaction.group_id == gid))
        assert count == 1


@pytest.mark.parametrize("round_", range(3))
def test_two_officers_approving_at_once_never_over_lend_cash(committing_app, auth_client,
                                                             round_):
    # Cash 8000 (secretary 4 shares, member 4 shares); each asks 5000: one fits, not both.
    setup = _group(committing_app, shares={2: 4, 3: 4})
    users, gid = setup["users"], setup["group_id"]
    chair, treasurer, secretary, member = (auth_client(u) for u in users)
    loans = [member.post(f"{API}/{gid}/loans", json={"principal": 5000, "term_months": 1}),
             secretary.post(f"{API}/{gid}/loans", json={"principal": 5000, "term_months": 1})]
    assert [r.status_code for r in loans] == [201, 201]
    responses = _in_threads([
        lambda: chair.post(f"{API}/{gid}/loans/{loans[0].get_json()['id']}/approve"),
        lambda: treasurer.post(f"{API}/{gid}/loans/{loans[1].get_json()['id']}/approve"),
    ])
    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.get_json()["code"] == "insufficient_cash"
    with committing_app.app_context():
        view = service.get_group(db.session, actor=users[0], group_id=gid)
        assert view.balances["cash"] == 3000 and view.balances["loans_outstanding"] == 5000
        assert service.check_ledger(db.session, group_id=gid).balanced


@pytest.mark.parametrize("round_", range(3))
def test_people_joining_a_chairless_group_at_once_give_it_exactly_one_chair(
        committing_app, auth_client, round_):
    setup = _group(committing_app, shares={}, members=2)
    with committing_app.app_context():
        for user in setup["users"]:
            service.leave_group(db.session, actor=db.session.get(type(user), user.id),
                                group_id=setup["group_id"], payout=False)
        code = db.session.get(SavingsGroup, setup["group_id"]).invite_code
        joiners = [make_survivor(db.session) for _ in range(3)]
        db.session.commit()
    clients = [auth_client(user) for user in joiners]
    responses = _in_threads([
        lambda c=c: c.post(f"{API}/join", json={"invite_code": code}) for c in clients])
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert sorted(r.get_json()["role"] for r in responses) == ["chair", "member", "member"]


def test_concurrent_postings_keep_every_kept_balance_exact(committing_app, auth_client):
    setup = _group(committing_app, shares={}, members=6)
    officers = [auth_client(setup["users"][i]) for i in (0, 1, 2)]
    gid, meeting_id, member_ids = setup["group_id"], setup["meeting_id"], setup["member_ids"]
    kinds = [("share_purchase", {"shares": 1}, 1000), ("fine", {"amount": 30}, 30),
             ("social_fund", {}, 100)]

    def post_many(client: Any, thread: int) -> int:
        cash = 0
        for n in range(9):
            kind, fields, value = kinds[(thread + n) % 3]
            body = {"client_id": str(uuid.uuid4()), "meeting_id": str(meeting_id),
                    "member_id": str(member_ids[(thread + n // 3) % 6]), "type": kind,
                    **fields}
            response = client.post(f"{API}/{gid}/transactions", json=body)
            assert response.status_code == 201, response.get_json()
            cash += value
        return cash

    cash = sum(_in_threads([(lambda c=officers[t % 3], t=t: post_many(c, t))
                            for t in range(8)]))
    with committing_app.app_context():
        session = db.session
        check = service.check_ledger(session, group_id=gid)
        assert check.balanced and check.balance_mismatches == []
        assert check.cash == cash == ledger.account_balances(session, gid)[Account.CASH]
        holdings = ledger.member_holdings(session, gid)
        assert sum(shares for _savings, shares in holdings.values()) == 8 * 3


def test_one_idempotency_key_sent_at_once_runs_once_and_every_retry_replays_it(
        committing_app, auth_client):
    # A phone on a bad connection retries a reversal while the first attempt is still
    # running: the retries wait for its commit and replay its 201, never a 409 saying
    # "already reversed" about the member's own reversal.
    setup = _group(committing_app, shares={3: 2})
    chair = auth_client(setup["users"][0])
    gid = setup["group_id"]
    with committing_app.app_context():
        tx_id = db.session.scalar(select(Transaction.id).where(Transaction.group_id == gid))
    path = f"{API}/{gid}/transactions/{tx_id}/reversal"
    headers = {"Idempotency-Key": f"reverse-{uuid.uuid4()}"}
    responses = _in_threads([lambda: chair.post(path, headers=headers) for _ in range(6)])
    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.get_data() for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 5
    with committing_app.app_context():
        reversals = db.session.scalar(select(func.count(Transaction.id)).where(
            Transaction.group_id == gid, Transaction.reverses_id == tx_id))
        assert reversals == 1
