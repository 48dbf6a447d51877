"""Who sees whose money: a member sees the group's totals and books, but other members'
savings, shares and loans only if they are an officer."""

from __future__ import annotations

from typing import Any

from tests.savings.helpers import API, approve, ok, record, request_loan


def _save(circle: Any, member_id: str, shares: int) -> None:
    record(circle.treasurer, circle.gid, circle.meeting_id, member_id, "share_purchase",
           shares=shares)


def _with_loans(circle: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Savings for all three; the member and the treasurer each have a disbursed loan."""
    _save(circle, circle.chair_id, 5)
    _save(circle, circle.treasurer_id, 4)
    _save(circle, circle.member_id, 3)
    mine = ok(approve(circle.chair, circle.gid,
                      ok(request_loan(circle.member, circle.gid, 600), 201)["id"]))
    theirs = ok(approve(circle.chair, circle.gid,
                        ok(request_loan(circle.treasurer, circle.gid, 900), 201)["id"]))
    return mine, theirs


# --- the group view ------------------------------------------------------------------------


def test_a_member_sees_other_members_alias_and_role_but_not_their_savings(circle):
    _save(circle, circle.chair_id, 5)
    _save(circle, circle.member_id, 3)
    group = ok(circle.member.get(f"{API}/{circle.gid}"))
    rows = {m["id"]: m for m in group["members"]}
    own = rows.pop(circle.member_id)
    assert (own["alias"], own["role"], own["shares"], own["savings_amount"]) == (
        circle.users["cleo"].alias, "member", 3, 1500)
    assert own["joined_at"] and own["status"] == "active"
    assert {m["alias"]: m["role"] for m in rows.values()} == {
        circle.users["ana"].alias: "chair", circle.users["bea"].alias: "treasurer"}
    for other in rows.values():
        assert (other["shares"], other["savings_amount"], other["joined_at"],
                other["left_at"]) == (None, None, None, None)


def test_a_member_still_sees_the_groups_balances(circle):
    _save(circle, circle.chair_id, 5)
    _save(circle, circle.member_id, 3)
    assert ok(circle.member.get(f"{API}/{circle.gid}"))["balances"] == {
        "cash": 4000, "share_fund": 4000, "social_fund": 0, "loans_outstanding": 0,
        "interest_receivable": 0, "interest_earned": 0, "fines": 0}


def test_officers_see_every_members_savings_and_shares(circle):
    _save(circle, circle.chair_id, 5)
    _save(circle, circle.member_id, 3)
    for officer in (circle.chair, circle.treasurer):
        rows = {m["id"]: (m["shares"], m["savings_amount"])
                for m in ok(officer.get(f"{API}/{circle.gid}"))["members"]}
        assert rows == {circle.chair_id: (5, 2500), circle.treasurer_id: (0, 0),
                        circle.member_id: (3, 1500)}


# --- the ledger ------------------------------------------------------------------------------


def test_a_member_sees_every_ledger_amount_but_only_their_own_lines_are_named(circle):
    mine, _theirs = _with_loans(circle)
    path = f"{API}/{circle.gid}/ledger?limit=100"
    seen = ok(circle.member.get(path))["items"]
    full = ok(circle.chair.get(path))["items"]
    assert len(seen) == len(full) == 3 * 2 + 2 * 4
    for line, truth in zip(seen, full, strict=True):
        assert (line["id"], line["seq"], line["account"], line["debit"], line["credit"],
                line["transaction_type"]) == (truth["id"], truth["seq"], truth["account"],
                                              truth["debit"], truth["credit"],
                                              truth["transaction_type"])
        if truth["member_id"] == circle.member_id:
            assert (line["member_id"], line["loan_id"]) == (truth["member_id"],
                                                            truth["loan_id"])
        else:
            assert (line["member_id"], line["loan_id"]) == (None, None)
    assert {line["loan_id"] for line in seen} == {None, mine["id"]}
    assert sum(line["debit"] - line["credit"] for line in seen) == 0


def test_officers_see_whose_every_ledger_line_is(circle):
    mine, theirs = _with_loans(circle)
    items = ok(circle.treasurer.get(f"{API}/{circle.gid}/ledger?limit=100"))["items"]
    assert {line["member_id"] for line in items} == {
        circle.chair_id, circle.treasurer_id, circle.member_id}
    assert {line["loan_id"] for line in items} == {None, mine["id"], theirs["id"]}
