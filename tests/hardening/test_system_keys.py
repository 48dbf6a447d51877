"""Issue #8 point 12: system postings have a key space no client can take."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from empower_api.savings import ledger, service
from empower_api.savings.models import Transaction, TxOrigin, TxType
from tests.factories.accounts import make_survivor
from tests.factories.savings import add_member, make_group, make_meeting, member_of, record


def test_an_officer_cannot_take_the_id_of_a_future_interest_posting(session):
    chair, treasurer = make_survivor(session), make_survivor(session)
    group = make_group(session, chair)
    add_member(session, group, treasurer, "treasurer")
    group.interest_method = "declining"
    borrower = member_of(session, group, treasurer)
    meeting = make_meeting(session, group, chair)
    record(session, group, chair, meeting=meeting, member=borrower, type="share_purchase",
           shares=5)
    loan = service.request_loan(session, actor=treasurer, group_id=group.id,
                                data={"principal": 2000, "term_months": 3})
    # The ids interest accrual derives for months 0-2, posted first as fines.
    for month in range(3):
        taken = uuid.uuid5(service._ACCRUAL_NAMESPACE, f"{loan.id}:{month}")
        record(session, group, chair, meeting=meeting, member=borrower, type="fine",
               amount=10, client_id=taken)

    service.approve_loan(session, actor=chair, group_id=group.id, loan_id=loan.id)
    assert ledger.loan_balances(session, loan.id) == (2000, 100)
    later = loan.disbursed_at + timedelta(days=70)
    assert service.accrue_group_interest(session, group_id=group.id, now=later) == 200
    record(session, group, chair, meeting=meeting, member=borrower, type="loan_repayment",
           amount=300, loan_id=loan.id)
    assert ledger.loan_balances(session, loan.id) == (2000, 0)

    origins = dict(session.execute(
        select(Transaction.type, Transaction.origin).where(Transaction.group_id == group.id)
        .where(Transaction.type.in_([TxType.INTEREST_ACCRUAL, TxType.FINE]))).all())
    assert origins == {TxType.INTEREST_ACCRUAL: TxOrigin.SYSTEM, TxType.FINE: TxOrigin.CLIENT}
    # A client replaying its fine's id still gets its own fine back, not the system's posting.
    again = record(session, group, chair, meeting=meeting, member=borrower, type="fine",
                   amount=10, client_id=uuid.uuid5(service._ACCRUAL_NAMESPACE, f"{loan.id}:1"))
    assert again.type == TxType.FINE and again.origin == TxOrigin.CLIENT
