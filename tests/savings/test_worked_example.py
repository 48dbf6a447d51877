"""A whole cycle of a three-member group, against figures worked out by hand."""

from __future__ import annotations

from datetime import date

from tests.factories.accounts import make_survivor
from tests.savings.helpers import (
    API,
    approve,
    balances,
    create_group,
    join,
    meeting,
    ok,
    record,
    request_loan,
    set_role,
)


def test_three_member_cycle_with_a_loan_and_a_fine_matches_the_hand_figures(
        session, auth_client):
    """Constitution: share 500 (USD 5.00), at most 5 shares a meeting, social fund 100,
    interest 500 bps (5 %) a month flat, loans up to 3 × savings, 6-month cycle.
    Ana is chair, Bea treasurer, Cleo a member.

    Meeting 1: Ana buys 4 shares (2000), Bea 2 (1000), Cleo 4 (2000); each pays 100
      to the social fund.            cash 5000 + 300                         = 5300
    Cleo borrows 3000 for 2 months (limit 3 × 2000 = 6000; lendable 5300 − 300
      social fund = 5000). Bea approves. Flat interest 3000 × 500/10000 × 2 = 300.
                                      cash 5300 − 3000                        = 2300
    Meeting 2: Ana buys 5 (2500), Bea 1 (500); social fund 3 × 100; Bea is fined 50;
      Cleo repays 1000: interest first (300), then principal 700.
                                      cash 2300 + 2500 + 500 + 300 + 50 + 1000 = 6650
    Meeting 3: Cleo repays 2300 (all principal; the loan is repaid); Ana buys 1 (500).
                                      cash 6650 + 2300 + 500                  = 9450
    Before share-out: shares Ana 10 (5000), Bea 3 (1500), Cleo 4 (2000) = 17 (8500);
      social fund 600; interest 300; fines 50. 8500 + 600 + 300 + 50 = 9450. ✓
    Share-out: profit 350 split by shares (largest remainder):
      Ana  350 × 10/17 = 205 rem 15/17 → 206 (largest remainder gets 1)
      Bea  350 ×  3/17 =  61 rem 13/17 →  62 (second largest gets 1)
      Cleo 350 ×  4/17 =  82 rem  6/17 →  82
      348 + 2 leftover = 350. Payouts: Ana 5206, Bea 1562, Cleo 2082; total 8850
      = 9450 − 600. The social fund (600) stays as the new cycle's cash.
    """
    ana, bea, cleo = (make_survivor(session, alias=a) for a in ("ana_w", "bea_w", "cleo_w"))
    session.commit()
    a, b, c = auth_client(ana), auth_client(bea), auth_client(cleo)
    group = create_group(a, name="Worked example")
    gid = group["id"]
    ana_id = group["my_member_id"]
    bea_id = join(b, group["invite_code"])["id"]
    cleo_id = join(c, group["invite_code"])["id"]
    set_role(a, gid, bea_id, "treasurer")

    m1 = meeting(a, gid, date(2026, 1, 5))["id"]
    for member, shares in ((ana_id, 4), (bea_id, 2), (cleo_id, 4)):
        record(b, gid, m1, member, "share_purchase", shares=shares)
        record(b, gid, m1, member, "social_fund")
    assert balances(a, gid)["cash"] == 5300
    loan = ok(request_loan(c, gid, 3000, term_months=2), 201)
    assert loan["status"] == "requested"
    loan = ok(approve(b, gid, loan["id"]))
    assert (loan["status"], loan["principal_outstanding"], loan["interest_outstanding"]) == (
        "disbursed", 3000, 300)
    assert balances(a, gid)["cash"] == 2300

    m2 = meeting(b, gid, date(2026, 2, 2))["id"]
    record(b, gid, m2, ana_id, "share_purchase", shares=5)
    record(b, gid, m2, bea_id, "share_purchase", shares=1)
    for member in (ana_id, bea_id, cleo_id):
        record(b, gid, m2, member, "social_fund")
    record(a, gid, m2, bea_id, "fine", amount=50)
    repayment = record(b, gid, m2, cleo_id, "loan_repayment", amount=1000, loan_id=loan["id"])
    lines = {e["account"]: (e["debit"], e["credit"]) for e in repayment["entries"]}
    assert lines == {"cash": (1000, 0), "interest_receivable": (0, 300),
                     "loans_receivable": (0, 700)}
    assert balances(a, gid)["cash"] == 6650

    m3 = meeting(b, gid, date(2026, 3, 2))["id"]
    record(b, gid, m3, cleo_id, "loan_repayment", amount=2300, loan_id=loan["id"])
    record(b, gid, m3, ana_id, "share_purchase", shares=1)
    assert ok(c.get(f"{API}/{gid}/loans/{loan['id']}"))["status"] == "repaid"
    assert balances(a, gid) == {"cash": 9450, "share_fund": 8500, "social_fund": 600,
                                "loans_outstanding": 0, "interest_receivable": 0,
                                "interest_earned": 300, "fines": 50}

    result = ok(a.post(f"{API}/{gid}/share-out"))
    payouts = {p["member_id"]: (p["shares"], p["savings_amount"], p["profit_amount"], p["amount"])
               for p in result["payouts"]}
    assert payouts == {ana_id: (10, 5000, 206, 5206), bea_id: (3, 1500, 62, 1562),
                       cleo_id: (4, 2000, 82, 2082)}
    assert result["total"] == 8850
    assert result["social_fund_carried_over"] == 600
    after = ok(a.get(f"{API}/{gid}"))
    assert after["balances"] == {"cash": 600, "share_fund": 0, "social_fund": 600,
                                 "loans_outstanding": 0, "interest_receivable": 0,
                                 "interest_earned": 0, "fines": 0}
    assert after["cycle"]["number"] == 2 and after["cycle"]["id"] == result["next_cycle_id"]
