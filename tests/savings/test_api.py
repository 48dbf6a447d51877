"""Savings groups over HTTP: the contract in API.md, status and body."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.conftest import assert_problem
from tests.savings.helpers import (
    API,
    CONSTITUTION,
    approve,
    balances,
    create_group,
    join,
    meeting,
    ok,
    post_tx,
    record,
    request_loan,
    tx_body,
)

# --- groups and members --------------------------------------------------------------


def test_creating_a_group_makes_the_creator_chair_and_opens_cycle_one(circle):
    group = ok(circle.chair.get(f"{API}/{circle.gid}"))
    for key, value in CONSTITUTION.items():
        assert group[key] == value
    assert group["interest_method"] == "flat"
    assert group["my_role"] == "chair"
    assert group["cycle"]["number"] == 1 and group["cycle"]["share_price"] == 500
    assert group["balances"] == {"cash": 0, "share_fund": 0, "social_fund": 0,
                                 "loans_outstanding": 0, "interest_receivable": 0,
                                 "interest_earned": 0, "fines": 0}
    assert len(group["invite_code"]) == 8


def test_group_creation_refuses_unknown_fields_floats_and_bad_currency(circle):
    assert_problem(circle.chair.post(API, json={**CONSTITUTION, "colour": "red"}), 422, "colour")
    assert_problem(circle.chair.post(API, json={**CONSTITUTION, "share_price": 5.5}), 422,
                   "share_price")
    assert_problem(circle.chair.post(API, json={**CONSTITUTION, "share_price": "500"}), 422,
                   "share_price")
    assert_problem(circle.chair.post(API, json={**CONSTITUTION, "currency": "dollars"}), 422,
                   "currency")
    assert_problem(circle.chair.post(API, json={**CONSTITUTION, "max_shares_per_meeting": 0}),
                   422, "max_shares_per_meeting")


def test_members_see_each_other_by_alias_only(circle):
    group = ok(circle.member.get(f"{API}/{circle.gid}"))
    assert [m["role"] for m in group["members"]] == ["chair", "treasurer", "member"]
    assert {m["alias"] for m in group["members"]} == {
        circle.users[n].alias for n in ("ana", "bea", "cleo")}
    for m in group["members"]:
        assert set(m) == {"id", "alias", "role", "status", "joined_at", "left_at", "shares",
                          "savings_amount"}
    assert group["invite_code"] is None  # only officers hand out the invite code


def test_joining_twice_is_409_and_an_unknown_code_is_404(circle):
    assert_problem(circle.member.post(f"{API}/join", json={"invite_code": circle.invite_code}),
                   409)
    assert_problem(circle.outsider.post(f"{API}/join", json={"invite_code": "NOPE2345"}), 404)


def test_non_members_get_404_and_signed_out_visitors_401(circle, client):
    for path in ("", "/ledger", "/meetings", "/loans", f"/members/{circle.member_id}/statement"):
        assert_problem(circle.outsider.get(f"{API}/{circle.gid}{path}"), 404)
    assert_problem(client.get(f"{API}/{circle.gid}"), 401)
    assert_problem(circle.outsider.get(f"{API}/{uuid.uuid4()}"), 404)


def test_group_list_shows_my_groups_with_my_role(circle):
    body = ok(circle.member.get(API))
    assert [(g["id"], g["my_role"], g["my_status"]) for g in body["items"]] == [
        (circle.gid, "member", "active")]
    assert "invite_code" not in body["items"][0]
    assert ok(circle.outsider.get(API)) == {"items": [], "next_cursor": None}


def test_chair_rotates_the_invite_code_and_the_old_one_stops_working(circle):
    assert_problem(circle.treasurer.post(f"{API}/{circle.gid}/invite-code"), 403)
    new_code = ok(circle.chair.post(f"{API}/{circle.gid}/invite-code"))["invite_code"]
    assert new_code != circle.invite_code
    assert_problem(circle.outsider.post(f"{API}/join", json={"invite_code": circle.invite_code}),
                   404)
    assert join(circle.outsider, new_code)["role"] == "member"


def test_only_the_chair_assigns_roles_and_giving_the_chair_hands_it_over(circle):
    path = f"{API}/{circle.gid}/members/{circle.member_id}/role"
    assert_problem(circle.treasurer.post(path, json={"role": "secretary"}), 403)
    assert_problem(circle.chair.post(path, json={"role": "boss"}), 422, "role")
    assert ok(circle.chair.post(path, json={"role": "chair"}))["role"] == "chair"
    roles = {m["id"]: m["role"] for m in ok(circle.chair.get(f"{API}/{circle.gid}"))["members"]}
    assert roles == {circle.chair_id: "member", circle.treasurer_id: "treasurer",
                     circle.member_id: "chair"}


# --- meetings ------------------------------------------------------------------------


def test_members_cannot_open_meetings_and_dates_cannot_go_backwards(circle):
    path = f"{API}/{circle.gid}/meetings"
    assert_problem(circle.member.post(path, json={"held_on": date.today().isoformat()}), 403)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert_problem(circle.chair.post(path, json={"held_on": yesterday}), 422, "held_on")


def test_a_meeting_with_a_client_id_is_created_once(circle):
    body = {"held_on": date.today().isoformat(), "client_id": str(uuid.uuid4()),
            "attendee_ids": [circle.chair_id, circle.member_id]}
    first = ok(circle.chair.post(f"{API}/{circle.gid}/meetings", json=body), 201)
    again = ok(circle.chair.post(f"{API}/{circle.gid}/meetings", json=body), 200)
    assert first == again
    assert sorted(first["attendee_ids"]) == sorted([circle.chair_id, circle.member_id])
    listed = ok(circle.member.get(f"{API}/{circle.gid}/meetings"))["items"]
    assert [m["seq"] for m in listed] == [2, 1]


def test_only_the_latest_meeting_can_be_edited(circle):
    first = circle.meeting_id
    patch = {"attendee_ids": [circle.member_id]}
    assert ok(circle.chair.patch(f"{API}/{circle.gid}/meetings/{first}", json=patch))[
        "attendee_ids"] == [circle.member_id]
    meeting(circle.chair, circle.gid)
    assert_problem(circle.chair.patch(f"{API}/{circle.gid}/meetings/{first}", json=patch), 409)


# --- transactions --------------------------------------------------------------------


def test_share_purchase_posts_balanced_lines_valued_at_the_share_price(circle):
    tx = record(circle.treasurer, circle.gid, circle.meeting_id, circle.member_id,
                "share_purchase", shares=3)
    assert (tx["type"], tx["shares"], tx["amount"], tx["currency"]) == (
        "share_purchase", 3, 1500, "USD")
    assert [(e["account"], e["debit"], e["credit"], e["shares"]) for e in tx["entries"]] == [
        ("cash", 1500, 0, 0), ("member_shares", 0, 1500, 3)]
    assert balances(circle.member, circle.gid)["share_fund"] == 1500


def test_replaying_a_client_id_returns_the_first_result_and_changes_nothing(circle):
    body = tx_body(circle.meeting_id, circle.member_id, "share_purchase", shares=2)
    first = post_tx(circle.treasurer, circle.gid, body)
    assert first.status_code == 201
    replay = post_tx(circle.chair, circle.gid, body)
    assert replay.status_code == 200
    assert replay.get_json() == first.get_json()
    assert balances(circle.chair, circle.gid)["cash"] == 1000


def test_the_same_client_id_with_a_different_body_is_422(circle):
    body = tx_body(circle.meeting_id, circle.member_id, "share_purchase", shares=2)
    ok(post_tx(circle.treasurer, circle.gid, body), 201)
    assert_problem(post_tx(circle.treasurer, circle.gid, {**body, "shares": 3}), 422, "client_id")
    assert balances(circle.chair, circle.gid)["cash"] == 1000


def test_more_than_max_shares_in_one_meeting_is_422(circle):
    record(circle.treasurer, circle.gid, circle.meeting_id, circle.member_id, "share_purchase",
           shares=3)
    over = post_tx(circle.treasurer, circle.gid,
                   tx_body(circle.meeting_id, circle.member_id, "share_purchase", shares=3))
    assert_problem(over, 422, "shares")
    assert_problem(post_tx(circle.treasurer, circle.gid, tx_body(
        circle.meeting_id, circle.member_id, "share_purchase", shares=6)), 422, "shares")


def test_a_share_purchase_amount_must_match_the_share_price(circle):
    assert_problem(post_tx(circle.treasurer, circle.gid, tx_body(
        circle.meeting_id, circle.member_id, "share_purchase", shares=2, amount=999)), 422,
        "amount")


def test_members_cannot_record_transactions(circle):
    response = post_tx(circle.member, circle.gid,
                       tx_body(circle.meeting_id, circle.member_id, "social_fund"))
    assert_problem(response, 403)
    assert balances(circle.chair, circle.gid)["cash"] == 0


def test_earlier_meetings_are_closed_and_corrected_by_reversal(circle):
    tx = record(circle.treasurer, circle.gid, circle.meeting_id, circle.member_id, "fine",
                amount=70)
    meeting(circle.chair, circle.gid)
    late = post_tx(circle.treasurer, circle.gid,
                   tx_body(circle.meeting_id, circle.member_id, "fine", amount=30))
    assert assert_problem(late, 409)["code"] == "meeting_closed"
    path = f"{API}/{circle.gid}/transactions/{tx['id']}/reversal"
    assert_problem(circle.member.post(path), 403)
    reversal = ok(circle.treasurer.post(path), 201)
    assert reversal["type"] == "reversal" and reversal["reverses_id"] == tx["id"]
    assert [(e["account"], e["debit"], e["credit"]) for e in reversal["entries"]] == [
        ("cash", 0, 70), ("fines_income", 70, 0)]
    assert balances(circle.chair, circle.gid)["fines"] == 0
    assert ok(circle.member.get(f"{API}/{circle.gid}/transactions/{tx['id']}"))["amount"] == 70
    assert assert_problem(circle.treasurer.post(path), 409)["code"] == "already_reversed"


# --- loans ---------------------------------------------------------------------------


def _save(circle, member_id, shares, *, social=True):
    record(circle.treasurer, circle.gid, circle.meeting_id, member_id, "share_purchase",
           shares=shares)
    if social:
        record(circle.treasurer, circle.gid, circle.meeting_id, member_id, "social_fund")


def test_a_loan_over_the_savings_multiple_is_422(circle):
    _save(circle, circle.member_id, 2)  # 1000 saved → up to 3000
    _save(circle, circle.chair_id, 5)
    assert_problem(request_loan(circle.member, circle.gid, 3001), 422, "principal")
    assert ok(request_loan(circle.member, circle.gid, 3000), 201)["status"] == "requested"


def test_a_loan_over_the_groups_lendable_cash_is_422(circle):
    _save(circle, circle.member_id, 5)  # 2500 saved + 100 social fund: 2500 lendable
    assert_problem(request_loan(circle.member, circle.gid, 2501), 422, "principal")
    assert ok(request_loan(circle.member, circle.gid, 2500), 201)["principal"] == 2500


def test_only_another_officer_approves_a_loan(circle):
    _save(circle, circle.treasurer_id, 5)
    _save(circle, circle.member_id, 5)
    own = ok(request_loan(circle.treasurer, circle.gid, 1000), 201)
    assert assert_problem(approve(circle.treasurer, circle.gid, own["id"]), 403)["code"] == \
        "own_loan"
    assert_problem(approve(circle.member, circle.gid, own["id"]), 403)
    approved = ok(approve(circle.chair, circle.gid, own["id"]))
    assert (approved["status"], approved["principal_outstanding"],
            approved["interest_outstanding"]) == ("disbursed", 1000, 100)
    assert assert_problem(approve(circle.chair, circle.gid, own["id"]), 409)["code"] == \
        "loan_not_requested"


def test_a_loan_approval_replays_with_the_idempotency_key(circle):
    _save(circle, circle.member_id, 5)
    loan = ok(request_loan(circle.member, circle.gid, 2000), 201)
    headers = {"Idempotency-Key": "approve-1"}
    path = f"{API}/{circle.gid}/loans/{loan['id']}/approve"
    first = circle.chair.post(path, headers=headers)
    again = circle.chair.post(path, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert balances(circle.chair, circle.gid)["loans_outstanding"] == 2000


def test_repayments_pay_interest_first_and_overpaying_is_422(circle):
    _save(circle, circle.member_id, 5)
    loan = ok(approve(circle.chair, circle.gid,
                      ok(request_loan(circle.member, circle.gid, 2000, term_months=3), 201)["id"]))
    assert loan["interest_outstanding"] == 300  # 2000 × 5 % × 3 months
    first = record(circle.treasurer, circle.gid, circle.meeting_id, circle.member_id,
                   "loan_repayment", amount=200, loan_id=loan["id"])
    assert [(e["account"], e["credit"]) for e in first["entries"] if e["credit"]] == [
        ("interest_receivable", 200)]
    too_much = post_tx(circle.treasurer, circle.gid, tx_body(
        circle.meeting_id, circle.member_id, "loan_repayment", amount=2101, loan_id=loan["id"]))
    assert_problem(too_much, 422, "amount")
    record(circle.treasurer, circle.gid, circle.meeting_id, circle.member_id, "loan_repayment",
           amount=2100, loan_id=loan["id"])
    done = ok(circle.member.get(f"{API}/{circle.gid}/loans/{loan['id']}"))
    assert (done["status"], done["principal_outstanding"], done["interest_outstanding"]) == (
        "repaid", 0, 0)
    assert balances(circle.chair, circle.gid)["interest_earned"] == 300


def test_share_out_is_chair_only_and_refused_while_a_loan_is_outstanding(circle):
    _save(circle, circle.member_id, 5)
    ok(approve(circle.chair, circle.gid,
               ok(request_loan(circle.member, circle.gid, 1000), 201)["id"]))
    assert_problem(circle.treasurer.post(f"{API}/{circle.gid}/share-out"), 403)
    refused = assert_problem(circle.chair.post(f"{API}/{circle.gid}/share-out"), 409)
    assert refused["code"] == "loans_outstanding"
    assert balances(circle.chair, circle.gid)["share_fund"] == 2500


def test_members_see_their_own_loans_and_officers_all(circle):
    _save(circle, circle.member_id, 5)
    _save(circle, circle.treasurer_id, 5)
    ok(request_loan(circle.member, circle.gid, 500), 201)
    ok(request_loan(circle.treasurer, circle.gid, 700), 201)
    mine = ok(circle.member.get(f"{API}/{circle.gid}/loans"))["items"]
    assert [loan["principal"] for loan in mine] == [500]
    every = ok(circle.chair.get(f"{API}/{circle.gid}/loans?status=requested"))["items"]
    assert sorted(loan["principal"] for loan in every) == [500, 700]


# --- offline sync --------------------------------------------------------------------


def test_sync_applies_each_item_on_its_own_and_reports_each(circle):
    good = tx_body(circle.meeting_id, circle.member_id, "share_purchase", shares=2)
    items = [
        good,
        tx_body(circle.meeting_id, circle.member_id, "share_purchase", shares=4),  # over 5
        {"client_id": str(uuid.uuid4()), "type": "share_purchase", "colour": "red"},
        tx_body(circle.meeting_id, circle.chair_id, "fine", amount=50),
        good,
        {**good, "shares": 1},
    ]
    body = ok(circle.treasurer.post(f"{API}/{circle.gid}/sync", json={"transactions": items}))
    results = body["results"]
    assert [r["status"] for r in results] == [
        "applied", "rejected", "rejected", "applied", "duplicate", "rejected"]
    assert [r["client_id"] for r in results] == [i["client_id"] for i in items]
    assert "shares" in results[1]["error"]["errors"]
    assert {"colour", "meeting_id"} <= set(results[2]["error"]["errors"])
    assert results[5]["error"]["code"] == "client_id_reused"
    assert results[4]["transaction_id"] == results[0]["transaction_id"]
    assert balances(circle.chair, circle.gid) | {} == {
        "cash": 1050, "share_fund": 1000, "social_fund": 0, "loans_outstanding": 0,
        "interest_receivable": 0, "interest_earned": 0, "fines": 50}


def test_replaying_a_whole_offline_batch_applies_nothing_twice(circle):
    _save(circle, circle.member_id, 2, social=False)
    loan = ok(approve(circle.chair, circle.gid,
                      ok(request_loan(circle.member, circle.gid, 600, term_months=1), 201)["id"]))
    second = meeting(circle.chair, circle.gid)["id"]
    batch = [
        tx_body(second, circle.chair_id, "share_purchase", shares=5),
        tx_body(second, circle.treasurer_id, "share_purchase", shares=1),
        tx_body(second, circle.member_id, "social_fund"),
        tx_body(second, circle.treasurer_id, "fine", amount=25),
        tx_body(second, circle.member_id, "loan_repayment", amount=630, loan_id=loan["id"]),
    ]
    path = f"{API}/{circle.gid}/sync"
    first = ok(circle.treasurer.post(path, json={"transactions": batch}))
    assert [r["status"] for r in first["results"]] == ["applied"] * 5
    after_first = balances(circle.chair, circle.gid)
    ledger_first = ok(circle.chair.get(f"{API}/{circle.gid}/ledger?limit=100"))["items"]
    again = ok(circle.chair.post(path, json={"transactions": batch}))
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 5
    assert [r["transaction_id"] for r in again["results"]] == [
        r["transaction_id"] for r in first["results"]]
    assert balances(circle.chair, circle.gid) == after_first == {
        "cash": 1000 + 2500 + 500 + 100 + 25 + 30, "share_fund": 4000, "social_fund": 100,
        "loans_outstanding": 0, "interest_receivable": 0, "interest_earned": 30, "fines": 25}
    assert ok(circle.chair.get(f"{API}/{circle.gid}/ledger?limit=100"))["items"] == ledger_first


def test_sync_is_for_officers_and_validates_its_envelope(circle):
    item = tx_body(circle.meeting_id, circle.member_id, "social_fund")
    assert_problem(circle.member.post(f"{API}/{circle.gid}/sync", json={"transactions": [item]}),
                   403)
    assert_problem(circle.treasurer.post(f"{API}/{circle.gid}/sync", json={"items": [item]}),
                   422, "items")


# --- statements and the ledger --------------------------------------------------------


def test_statement_is_for_the_member_and_officers_only(circle):
    _save(circle, circle.member_id, 3)
    _save(circle, circle.treasurer_id, 1)
    path = f"{API}/{circle.gid}/members/{circle.member_id}/statement"
    own = ok(circle.member.get(path))
    assert (own["shares"], own["savings_amount"], own["currency"]) == (3, 1500, "USD")
    assert [t["type"] for t in own["items"]] == ["social_fund", "share_purchase"]
    assert ok(circle.treasurer.get(path)) == own
    other = f"{API}/{circle.gid}/members/{circle.treasurer_id}/statement"
    assert_problem(circle.member.get(other), 403)


def test_ledger_is_a_cursor_list_newest_first_and_a_bad_cursor_is_422(circle):
    for member_id in (circle.chair_id, circle.treasurer_id, circle.member_id):
        _save(circle, member_id, 1)
    first = ok(circle.member.get(f"{API}/{circle.gid}/ledger?limit=7"))
    assert len(first["items"]) == 7 and first["next_cursor"]
    rest = ok(circle.member.get(f"{API}/{circle.gid}/ledger?limit=7&cursor={first['next_cursor']}"))
    seqs = [e["seq"] for e in first["items"] + rest["items"]]
    assert seqs == list(range(12, 0, -1)) and rest["next_cursor"] is None
    assert sum(e["debit"] - e["credit"] for e in first["items"] + rest["items"]) == 0
    assert_problem(circle.member.get(f"{API}/{circle.gid}/ledger?cursor=forged"), 422, "cursor")


# --- leaving -------------------------------------------------------------------------


def test_a_member_leaves_with_a_payout_recorded_in_the_ledger(circle):
    _save(circle, circle.member_id, 4)
    _save(circle, circle.chair_id, 2)
    left = ok(circle.member.post(f"{API}/{circle.gid}/leave", json={"payout": True}))
    assert left["member"]["status"] == "left" and left["payout_amount"] == 2000
    payout = ok(circle.member.get(f"{API}/{circle.gid}/transactions/{left['transaction_id']}"))
    assert [(e["account"], e["debit"], e["credit"]) for e in payout["entries"]] == [
        ("member_shares", 2000, 0), ("cash", 0, 2000)]
    assert balances(circle.chair, circle.gid)["share_fund"] == 1000
    assert_problem(circle.member.post(f"{API}/{circle.gid}/leave", json={}), 403)
    statement = ok(circle.member.get(f"{API}/{circle.gid}/members/{circle.member_id}/statement"))
    assert statement["savings_amount"] == 0


def test_savings_of_a_member_who_left_without_payout_are_paid_at_share_out(circle):
    _save(circle, circle.member_id, 3, social=False)
    _save(circle, circle.chair_id, 1, social=False)
    record(circle.treasurer, circle.gid, circle.meeting_id, circle.chair_id, "fine", amount=41)
    ok(circle.member.post(f"{API}/{circle.gid}/leave", json={"payout": False}))
    result = ok(circle.chair.post(f"{API}/{circle.gid}/share-out"))
    paid = {p["member_id"]: p["amount"] for p in result["payouts"]}
    # 41 of fines over 4 shares: 30.75 and 10.25 → 30 + 1 (largest remainder) and 10.
    assert paid == {circle.member_id: 1500 + 31, circle.chair_id: 500 + 10}
    assert result["total"] == 2041


def test_when_the_chair_leaves_the_longest_serving_officer_becomes_chair(circle):
    ok(circle.chair.post(f"{API}/{circle.gid}/leave", json={}))
    roles = {m["id"]: m["role"] for m in ok(circle.member.get(f"{API}/{circle.gid}"))["members"]}
    assert roles[circle.treasurer_id] == "chair" and roles[circle.chair_id] == "member"


# --- who may do what -------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "/meetings", {"held_on": date.today().isoformat()}),
    ("post", "/transactions", None),
    ("post", "/sync", None),
    ("post", "/share-out", None),
    ("post", "/invite-code", None),
    ("post", "/members/{treasurer_id}/role", {"role": "member"}),
    ("get", "/members/{treasurer_id}/statement", None),
])
def test_members_get_403_and_outsiders_404_on_officer_endpoints(circle, method, path, body):
    path = path.format(treasurer_id=circle.treasurer_id)
    if path in ("/transactions", "/sync"):
        item = tx_body(circle.meeting_id, circle.member_id, "social_fund")
        body = item if path == "/transactions" else {"transactions": [item]}
    url = f"{API}/{circle.gid}{path}"
    kwargs = {"json": body} if body is not None else {}
    assert_problem(getattr(circle.member, method)(url, **kwargs), 403)
    assert_problem(getattr(circle.outsider, method)(url, **kwargs), 404)
    assert balances(circle.chair, circle.gid)["cash"] == 0


def test_a_second_group_is_independent(circle):
    other = create_group(circle.outsider, name="Other group", currency="KES", share_price=10000)
    m = meeting(circle.outsider, other["id"])["id"]
    record(circle.outsider, other["id"], m, other["my_member_id"], "share_purchase", shares=1)
    assert_problem(post_tx(circle.treasurer, circle.gid, tx_body(
        m, circle.member_id, "social_fund")), 422, "meeting_id")
    assert balances(circle.outsider, other["id"])["cash"] == 10000
    assert balances(circle.chair, circle.gid)["cash"] == 0


def test_a_transaction_with_an_unknown_field_or_a_system_type_is_422(circle):
    body = tx_body(circle.meeting_id, circle.member_id, "social_fund")
    assert_problem(post_tx(circle.treasurer, circle.gid, {**body, "note": "x"}), 422, "note")
    assert_problem(post_tx(circle.treasurer, circle.gid, {**body, "type": "loan_disbursement"}),
                   422, "type")
    assert_problem(post_tx(circle.treasurer, circle.gid, {**body, "amount": 1.5}), 422,
                   "amount")
    assert balances(circle.chair, circle.gid)["cash"] == 0


def test_an_idempotency_key_reused_with_another_body_is_422(circle):
    _save(circle, circle.member_id, 5)
    headers = {"Idempotency-Key": "loan-ask-1"}
    path = f"{API}/{circle.gid}/loans"
    first = circle.member.post(path, json={"principal": 500, "term_months": 1}, headers=headers)
    assert first.status_code == 201
    assert circle.member.post(path, json={"principal": 500, "term_months": 1},
                              headers=headers).get_json() == first.get_json()
    assert_problem(circle.member.post(path, json={"principal": 900, "term_months": 1},
                                      headers=headers), 422)
    assert len(ok(circle.member.get(path))["items"]) == 1


def test_a_repayment_for_someone_elses_loan_is_422(circle):
    _save(circle, circle.member_id, 5)
    loan = ok(approve(circle.chair, circle.gid,
                      ok(request_loan(circle.member, circle.gid, 1000), 201)["id"]))
    wrong = post_tx(circle.treasurer, circle.gid, tx_body(
        circle.meeting_id, circle.treasurer_id, "loan_repayment", amount=100, loan_id=loan["id"]))
    assert_problem(wrong, 422, "loan_id")
