"""Leaving a group, by choice or by erasing one's account: the group keeps a chair, the
books keep every line, and a member who left reads only their own records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from empower_api.audit.models import AuditEvent
from tests.conftest import assert_problem
from tests.factories.accounts import PASSWORD
from tests.savings.helpers import API, approve, join, ok, record, request_loan


def _erase(client: Any) -> None:
    response = client.delete("/api/v1/me", json={"password": PASSWORD})
    assert response.status_code == 204, response.get_data(as_text=True)


def _save(circle: Any, member_id: str, shares: int) -> None:
    record(circle.treasurer, circle.gid, circle.meeting_id, member_id, "share_purchase",
           shares=shares)


def _leave(client: Any, gid: str) -> dict[str, Any]:
    return ok(client.post(f"{API}/{gid}/leave", json={}))


def _role_changes(session: Any, member_id: str) -> list[dict[str, Any]]:
    session.expire_all()
    return [event.data for event in session.scalars(
        select(AuditEvent).where(AuditEvent.action == "savings.role_changed",
                                 AuditEvent.subject_id == member_id))]


# --- erasing one's account (DELETE /me) ---------------------------------------------------


def test_when_the_chair_erases_their_account_the_longest_serving_officer_becomes_chair(
        circle, session):
    _erase(circle.chair)
    group = ok(circle.treasurer.get(f"{API}/{circle.gid}"))
    members = {m["id"]: (m["role"], m["status"]) for m in group["members"]}
    assert members == {circle.chair_id: ("member", "left"),
                       circle.treasurer_id: ("chair", "active"),
                       circle.member_id: ("member", "active")}
    assert group["my_role"] == "chair"
    assert [(d["to"], d["reason"]) for d in _role_changes(session, circle.treasurer_id)
            if "reason" in d] == [("chair", "chair_left")]


def test_after_the_chair_erases_their_account_the_new_chair_can_share_out(circle):
    _save(circle, circle.chair_id, 2)
    _save(circle, circle.member_id, 3)
    _erase(circle.chair)
    result = ok(circle.treasurer.post(f"{API}/{circle.gid}/share-out"))
    assert {p["member_id"]: p["amount"] for p in result["payouts"]} == {
        circle.chair_id: 1000, circle.member_id: 1500}
    assert result["total"] == 2500


def test_erasing_an_account_keeps_every_ledger_line_and_the_savings_owed(circle):
    _save(circle, circle.member_id, 3)
    _save(circle, circle.chair_id, 1)
    ledger = f"{API}/{circle.gid}/ledger?limit=100"
    before = ok(circle.treasurer.get(ledger))["items"]
    _erase(circle.member)
    assert ok(circle.treasurer.get(ledger))["items"] == before
    statement = ok(circle.treasurer.get(
        f"{API}/{circle.gid}/members/{circle.member_id}/statement"))
    assert (statement["member"]["status"], statement["shares"], statement["savings_amount"]) == (
        "left", 3, 1500)
    assert ok(circle.chair.get(f"{API}/{circle.gid}"))["balances"]["share_fund"] == 2000


def test_erasing_an_account_cancels_its_loan_requests_but_not_its_disbursed_loans(circle):
    _save(circle, circle.member_id, 5)
    _save(circle, circle.treasurer_id, 5)
    disbursed = ok(approve(circle.chair, circle.gid,
                           ok(request_loan(circle.member, circle.gid, 1000), 201)["id"]))
    requested = ok(request_loan(circle.member, circle.gid, 500), 201)
    _erase(circle.member)
    loans = {loan["id"]: loan["status"]
             for loan in ok(circle.chair.get(f"{API}/{circle.gid}/loans"))["items"]}
    assert loans == {disbursed["id"]: "disbursed", requested["id"]: "cancelled"}
    repayment = record(circle.treasurer, circle.gid, circle.meeting_id, circle.member_id,
                       "loan_repayment", amount=1100, loan_id=disbursed["id"])
    assert repayment["amount"] == 1100
    assert ok(circle.chair.get(f"{API}/{circle.gid}/loans/{disbursed['id']}"))["status"] == \
        "repaid"


# --- a group with no chair ---------------------------------------------------------------


def test_someone_rejoining_a_group_that_everyone_left_becomes_its_chair(circle, session):
    for client in (circle.chair, circle.treasurer, circle.member):
        _leave(client, circle.gid)
    rejoined = join(circle.member, circle.invite_code)
    assert (rejoined["id"], rejoined["role"], rejoined["status"]) == (
        circle.member_id, "chair", "active")
    assert ok(circle.member.get(f"{API}/{circle.gid}"))["my_role"] == "chair"
    assert [(d["to"], d["reason"]) for d in _role_changes(session, circle.member_id)
            if d.get("reason") == "no_chair"] == [("chair", "no_chair")]
    assert join(circle.outsider, circle.invite_code)["role"] == "member"
    assert ok(circle.member.post(f"{API}/{circle.gid}/share-out"))["total"] == 0


def test_someone_joining_a_group_whose_only_member_erased_their_account_becomes_chair(circle):
    group = ok(circle.outsider.post(API, json={
        "name": "Solo", "currency": "USD", "share_price": 100, "max_shares_per_meeting": 5,
        "social_fund_amount": 0, "loan_interest_bps_per_month": 0, "max_loan_multiple": 1,
        "cycle_months": 3}), 201)
    _erase(circle.outsider)
    assert join(circle.member, group["invite_code"])["role"] == "chair"
    assert ok(circle.member.post(f"{API}/{group['id']}/share-out"))["payouts"] == []


# --- a member who left reads only their own records ------------------------------------------


def test_a_member_who_left_gets_404_on_the_group_its_ledger_meetings_and_others_records(
        circle):
    _save(circle, circle.treasurer_id, 5)
    _save(circle, circle.member_id, 1)
    others_loan = ok(request_loan(circle.treasurer, circle.gid, 700), 201)
    others_tx = record(circle.treasurer, circle.gid, circle.meeting_id, circle.chair_id, "fine",
                       amount=20)
    _leave(circle.member, circle.gid)
    for path in ("", "/ledger", "/meetings", f"/members/{circle.chair_id}/statement",
                 f"/members/{circle.treasurer_id}/statement", f"/loans/{others_loan['id']}",
                 f"/transactions/{others_tx['id']}"):
        body = assert_problem(circle.member.get(f"{API}/{circle.gid}{path}"), 404)
        assert circle.treasurer_id not in str(body) and "members" not in body, path


def test_a_member_who_left_still_reads_their_own_statement_loans_and_transactions(circle):
    _save(circle, circle.member_id, 5)
    _save(circle, circle.treasurer_id, 5)
    loan = ok(approve(circle.chair, circle.gid,
                      ok(request_loan(circle.member, circle.gid, 1000), 201)["id"]))
    own_tx = record(circle.treasurer, circle.gid, circle.meeting_id, circle.member_id, "fine",
                    amount=30)
    _leave(circle.member, circle.gid)
    statement = ok(circle.member.get(f"{API}/{circle.gid}/members/{circle.member_id}/statement"))
    assert (statement["member"]["status"], statement["savings_amount"]) == ("left", 2500)
    assert [item["id"] for item in statement["loans"]] == [loan["id"]]
    assert ok(circle.member.get(f"{API}/{circle.gid}/transactions/{own_tx['id']}"))[
        "amount"] == 30
    assert ok(circle.member.get(f"{API}/{circle.gid}/loans/{loan['id']}"))[
        "principal_outstanding"] == 1000
    assert [item["id"] for item in ok(circle.member.get(f"{API}/{circle.gid}/loans"))[
        "items"]] == [loan["id"]]


def test_a_member_who_left_still_cannot_write(circle):
    _save(circle, circle.member_id, 5)
    _leave(circle.member, circle.gid)
    refused = assert_problem(request_loan(circle.member, circle.gid, 500), 403)
    assert refused["code"] == "left_group"
    assert assert_problem(circle.member.post(f"{API}/{circle.gid}/leave", json={}), 403)[
        "code"] == "left_group"
