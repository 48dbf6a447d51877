"""The savings demo data loads, balances, and loads only once."""

from __future__ import annotations

from sqlalchemy import func, select

from empower_api.accounts.demo import load as load_accounts
from empower_api.savings import ledger, service
from empower_api.savings.demo import GROUP_NAME, load
from empower_api.savings.models import Account, Loan, LoanStatus, SavingsGroup


def test_demo_makes_one_group_mid_cycle_with_a_loan_and_is_idempotent(session):
    context: dict = {"printed": []}
    load_accounts(session, context)
    load(session, context)
    load(session, context)
    groups = session.scalars(select(SavingsGroup).where(SavingsGroup.name == GROUP_NAME)).all()
    assert len(groups) == 1
    group = groups[0]
    balances = ledger.account_balances(session, group.id)
    # Shares 9 + 6 + 12 + 5 = 32 × 500; social fund 12 × 100; fine 50; loan 1500 at 5 % × 3
    # (225 interest) repaid 300 twice: interest 225 then principal 375.
    assert balances[Account.MEMBER_SHARES] == 16_000
    assert balances[Account.SOCIAL_FUND] == 1_200
    assert balances[Account.FINES_INCOME] == 50
    assert balances[Account.INTEREST_INCOME] == 225
    assert balances[Account.LOANS_RECEIVABLE] == 1_125
    assert balances[Account.CASH] == 16_000 + 1_200 + 50 + 600 - 1_500
    assert service.check_ledger(session, group_id=group.id).balanced
    assert session.scalar(select(func.count(Loan.id)).where(
        Loan.group_id == group.id, Loan.status == LoanStatus.DISBURSED)) == 1
