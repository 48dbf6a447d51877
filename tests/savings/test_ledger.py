"""The ledger core and the service rules that do not need HTTP."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from empower_api.accounts import service as accounts
from empower_api.errors import Conflict
from empower_api.savings import ledger, service
from empower_api.savings.ledger import UnbalancedPosting, credit, debit
from empower_api.savings.models import Account, Loan, Transaction, TxType
from tests.factories.accounts import PASSWORD, make_survivor
from tests.factories.savings import add_member, make_group, make_meeting, member_of, record

# --- pure arithmetic ------------------------------------------------------------------


def test_largest_remainder_parts_sum_exactly_to_the_whole():
    a, b, c = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
    assert ledger.largest_remainder(100, {a: 1, b: 1, c: 1}) == {a: 34, b: 33, c: 33}
    assert ledger.largest_remainder(350, {a: 10, b: 3, c: 4}) == {a: 206, b: 62, c: 82}
    assert ledger.largest_remainder(7, {a: 0, b: 5}) == {a: 0, b: 7}
    assert ledger.largest_remainder(5, {a: 0, b: 0}) == {a: 0, b: 0}
    for total in range(0, 200, 7):
        parts = ledger.largest_remainder(total, {a: 3, b: 7, c: 11})
        assert sum(parts.values()) == total


def test_interest_is_exact_and_rounds_half_up():
    assert service.interest_for(3000, 500, 2) == 300
    assert service.interest_for(1001, 500, 1) == 50  # 50.05 → 50
    assert service.interest_for(1010, 500, 1) == 51  # 50.5 → 51
    assert service.interest_for(10**12, 10_000, 36) == 36 * 10**12


def test_add_months_keeps_the_day_or_the_month_end():
    assert service.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert service.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


# --- postings -------------------------------------------------------------------------


@pytest.fixture
def small_group(session):
    chair = make_survivor(session)
    treasurer = make_survivor(session)
    group = make_group(session, chair)
    add_member(session, group, treasurer, "treasurer")
    return group, chair, treasurer


def test_an_unbalanced_posting_is_a_bug_and_writes_nothing(session, small_group):
    group, _chair, _treasurer = small_group
    with pytest.raises(UnbalancedPosting):
        ledger.post(session, group, tx_type=TxType.FINE, amount=10,
                    cycle_id=group.current_cycle_id,
                    lines=[debit(Account.CASH, 10), credit(Account.FINES_INCOME, 9)])
    assert session.scalar(select(Transaction.id).where(Transaction.group_id == group.id)) is None


def test_cash_can_never_go_negative(session, small_group):
    group, _chair, _treasurer = small_group
    with pytest.raises(Conflict) as refused:
        ledger.post(session, group, tx_type=TxType.MEMBER_PAYOUT, amount=1,
                    cycle_id=group.current_cycle_id,
                    lines=[debit(Account.MEMBER_SHARES, 1), credit(Account.CASH, 1)])
    assert refused.value.code == "insufficient_cash"


def test_declining_interest_accrues_each_month_on_the_principal_then_outstanding(
        session, small_group):
    group, chair, treasurer = small_group
    group.interest_method = "declining"
    borrower = member_of(session, group, treasurer)
    meeting = make_meeting(session, group, chair)
    record(session, group, chair, meeting=meeting, member=borrower, type="share_purchase",
           shares=5)  # 2500 saved
    loan = service.request_loan(session, actor=treasurer, group_id=group.id,
                                data={"principal": 2000, "term_months": 3})
    service.approve_loan(session, actor=chair, group_id=group.id, loan_id=loan.id)
    assert ledger.loan_balances(session, loan.id) == (2000, 100)  # month 0: 5 % of 2000
    record(session, group, chair, meeting=meeting, member=borrower, type="loan_repayment",
           amount=1100, loan_id=loan.id)  # 100 interest, 1000 principal
    assert ledger.loan_balances(session, loan.id) == (1000, 0)
    later = loan.disbursed_at + timedelta(days=70)  # two monthly anniversaries passed
    assert service.accrue_group_interest(session, group_id=group.id, now=later) == 100
    assert ledger.loan_balances(session, loan.id) == (1000, 100)  # 2 × 5 % of 1000
    assert service.accrue_group_interest(session, group_id=group.id, now=later) == 0
    assert loan.months_accrued == 3


def test_share_out_carries_the_social_fund_and_profit_with_no_shares_over(session,
                                                                           small_group):
    group, chair, treasurer = small_group
    meeting = make_meeting(session, group, chair)
    member = member_of(session, group, treasurer)
    record(session, group, chair, meeting=meeting, member=member, type="social_fund")
    record(session, group, chair, meeting=meeting, member=member, type="fine", amount=30)
    result = service.share_out(session, actor=chair, group_id=group.id)
    assert (result.total, result.payouts, result.undistributed) == (0, [], 30)
    balances = ledger.account_balances(session, group.id)
    assert balances[Account.CASH] == 130 and balances[Account.SOCIAL_FUND] == 100
    assert balances[Account.FINES_INCOME] == 30


def test_erasure_keeps_every_ledger_row_and_export_lists_the_members_money(session,
                                                                          small_group):
    group, chair, treasurer = small_group
    meeting = make_meeting(session, group, chair)
    member = member_of(session, group, treasurer)
    record(session, group, chair, meeting=meeting, member=member, type="share_purchase",
           shares=2)
    loan = service.request_loan(session, actor=treasurer, group_id=group.id,
                                data={"principal": 500, "term_months": 1,
                                      "purpose": "my landlord Mr X"})
    exported = accounts.export(session, user=treasurer)["savings"]
    assert [t["amount"] for t in exported["transactions"]] == [1000]
    assert exported["loans"][0]["purpose"] == "my landlord Mr X"
    before = service.check_ledger(session, group_id=group.id)
    accounts.erase(session, user=treasurer, password=PASSWORD)
    after = service.check_ledger(session, group_id=group.id)
    assert (after.transactions, after.entries, after.balanced) == (
        before.transactions, before.entries, True)
    assert session.get(Loan, loan.id).purpose is None
    assert member.alias.startswith("erased-")


def test_a_group_check_of_the_whole_ledger_reports_counts(session, small_group):
    group, chair, treasurer = small_group
    meeting = make_meeting(session, group, chair)
    record(session, group, chair, meeting=meeting, member=member_of(session, group, treasurer),
           type="share_purchase", shares=1)
    check = service.check_ledger(session, group_id=group.id)
    assert (check.balanced, check.transactions, check.entries, check.cash) == (True, 1, 2, 500)


def test_the_periodic_sweep_posts_a_due_month_of_declining_interest_once(app, session,
                                                                        small_group):
    from empower_api.savings.tasks import accrue_interest

    group, chair, treasurer = small_group
    group.interest_method = "declining"
    borrower = member_of(session, group, treasurer)
    meeting = make_meeting(session, group, chair)
    record(session, group, chair, meeting=meeting, member=borrower, type="share_purchase",
           shares=4)
    loan = service.request_loan(session, actor=treasurer, group_id=group.id,
                                data={"principal": 1000, "term_months": 2})
    service.approve_loan(session, actor=chair, group_id=group.id, loan_id=loan.id)
    loan.disbursed_at -= timedelta(days=40)  # one monthly anniversary has passed
    session.commit()
    # .run(): the task's body in this app context (calling the task object would use
    # whichever app configured Celery last).
    assert accrue_interest.run() == 50
    assert accrue_interest.run() == 0
    session.expire_all()
    assert ledger.loan_balances(session, loan.id) == (1000, 100)
