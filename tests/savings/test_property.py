"""Random sequences of group activity against an independent model of the books.

For each generated sequence: every operation the model says is allowed must be
applied and every one it says is not must be refused; after each step every
posting balances and cash is not negative; at the end the balances the API reports
equal both the model and a recomputation from the raw ledger lines.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from empower_api.errors import DomainError
from empower_api.savings import service
from empower_api.savings.models import Account, LedgerEntry
from tests.factories.accounts import make_survivor
from tests.factories.savings import add_member, make_group, make_meeting

PRICE, SOCIAL, BPS, MULTIPLE, MAX_SHARES = 300, 50, 400, 2, 4

member = st.integers(0, 2)
shares = st.tuples(st.just("shares"), member, st.integers(1, MAX_SHARES))
operation = st.one_of(
    shares, shares, shares,
    st.tuples(st.just("social"), member),
    st.tuples(st.just("fine"), member, st.integers(1, 400)),
    st.tuples(st.just("meeting")),
    st.tuples(st.just("loan"), member, st.integers(1, 2000), st.integers(1, 3)),
    st.tuples(st.just("loan"), member, st.integers(1, 2000), st.integers(1, 3)),
    st.tuples(st.just("repay"), st.integers(0, 3), st.integers(1, 2500)),
    st.tuples(st.just("repay"), st.integers(0, 3), st.integers(1, 400)),
    st.tuples(st.just("repay"), st.integers(0, 3), st.integers(1, 400)),
    st.tuples(st.just("reverse"), st.integers(0, 40)),
    st.tuples(st.just("leave"), member),
    st.tuples(st.just("share_out")),
)


@dataclass
class LoanModel:
    id: uuid.UUID
    member: int
    principal_due: int
    interest_due: int


@dataclass
class Model:
    """What the books should say, computed without looking at the ledger."""

    method: str
    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    savings: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    shares: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    shares_this_meeting: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    loans: list[LoanModel] = field(default_factory=list)
    active: set[int] = field(default_factory=lambda: {0, 1, 2})
    pending: set[int] = field(default_factory=set)
    # transaction id → (balance deltas, member, saving delta, share delta, meeting id of a
    # share purchase or (loan, to interest, to principal) of a repayment)
    reversible: list[tuple[uuid.UUID, dict[str, int], int, int, int, Any]] = field(
        default_factory=list)

    def apply(self, deltas: dict[str, int]) -> None:
        for key, value in deltas.items():
            self.balances[key] += value

    def owed(self, m: int) -> int:
        return sum(loan.principal_due for loan in self.loans if loan.member == m)


def _interest(principal: int, months: int) -> int:
    exact = Fraction(principal * BPS * months, 10_000)
    return int(exact + Fraction(1, 2))  # half up


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(method=st.sampled_from(["flat", "declining"]),
       opening=st.lists(st.integers(0, MAX_SHARES), min_size=3, max_size=3),
       first_loan=st.tuples(st.just("loan"), member, st.integers(1, 1600), st.integers(1, 3)),
       ops=st.lists(operation, min_size=1, max_size=40))
def test_random_activity_keeps_the_books_balanced_and_matches_the_model(
        session, auth_client, method, opening, first_loan, ops):
    users = [make_survivor(session) for _ in range(3)]
    group = make_group(session, users[0], share_price=PRICE, social_fund_amount=SOCIAL,
                       loan_interest_bps_per_month=BPS, max_loan_multiple=MULTIPLE,
                       max_shares_per_meeting=MAX_SHARES, interest_method=method)
    members = [service.find_membership(session, group.id, users[0]),
               add_member(session, group, users[1], "treasurer"),
               add_member(session, group, users[2])]
    meeting = make_meeting(session, group, users[0], date.today())
    model = Model(method=method)

    def run(expected: bool | None, fn: Any, **kw: Any) -> Any:
        name = f"{fn.__name__} {kw.get('data', {}).get('type', '')}".strip()
        try:
            with session.begin_nested():
                result = fn(session, **kw)
        except DomainError as error:
            event(f"{name}: refused ({error.code})")
            assert expected is not True, (fn.__name__, kw, error.detail)
            return None
        event(f"{name}: applied")
        assert expected is not False, (fn.__name__, kw)
        return result

    def officer_for(_m: int) -> Any:
        return users[0] if 0 in model.active else users[1]

    def record(m: int, **item: Any) -> Any:
        data = {"client_id": uuid.uuid4(), "meeting_id": meeting.id,
                "member_id": members[m].id, **item}
        return data, officer_for(m)

    # Savings at the first meeting make loans possible early in most sequences.
    opening_ops = [("shares", m, n) for m, n in enumerate(opening) if n]
    for op in [*opening_ops, first_loan, *ops]:
        kind = op[0]
        cash, social = model.balances["cash"], model.balances["social_fund"]
        if not ({0, 1} & model.active):
            break  # no officer left to record anything
        if kind == "shares":
            _, m, n = op
            allowed = m in model.active and model.shares_this_meeting[m] + n <= MAX_SHARES
            data, officer = record(m, type="share_purchase", shares=n)
            got = run(allowed, service.record_transaction, actor=officer, group_id=group.id,
                      data=data)
            if got:
                deltas = {"cash": n * PRICE, "share_fund": n * PRICE}
                model.apply(deltas)
                model.savings[m] += n * PRICE
                model.shares[m] += n
                model.shares_this_meeting[m] += n
                model.reversible.append((got[0].id, deltas, m, n * PRICE, n, meeting.id))
        elif kind in ("social", "fine"):
            m = op[1]
            amount = SOCIAL if kind == "social" else op[2]
            item = {"type": "social_fund"} if kind == "social" else {"type": "fine",
                                                                      "amount": amount}
            data, officer = record(m, **item)
            got = run(m in model.active, service.record_transaction, actor=officer,
                      group_id=group.id, data=data)
            if got:
                deltas = {"cash": amount, "social_fund" if kind == "social" else "fines": amount}
                model.apply(deltas)
                model.reversible.append((got[0].id, deltas, m, 0, 0, None))
        elif kind == "meeting":
            officer = users[0] if 0 in model.active else users[1]
            meeting, _ = service.create_meeting(session, actor=officer, group_id=group.id,
                                                data={"held_on": date.today()})
            model.shares_this_meeting.clear()
        elif kind == "loan":
            _, m, principal, term = op
            limit = MULTIPLE * model.savings[m] - model.owed(m)
            fits = (m in model.active and m not in model.pending and principal <= limit
                    and principal <= cash - social)
            approvers = [users[o] for o in (0, 1) if o in model.active and o != m]
            loan = run(fits, service.request_loan, actor=users[m], group_id=group.id,
                       data={"principal": principal, "term_months": term})
            if loan is None:
                continue
            if not approvers:
                model.pending.add(m)  # waits: no other officer to decide
                continue
            run(True, service.approve_loan, actor=approvers[0], group_id=group.id,
                loan_id=loan.id)
            interest = _interest(principal, term if method == "flat" else 1)
            model.apply({"cash": -principal, "loans_outstanding": principal,
                         "interest_receivable": interest, "interest_earned": interest})
            model.loans.append(LoanModel(loan.id, m, principal, interest))
        elif kind == "repay":
            _, index, amount = op
            if not model.loans:
                continue
            loan = model.loans[index % len(model.loans)]
            allowed = amount <= loan.principal_due + loan.interest_due
            data, officer = record(loan.member, type="loan_repayment", amount=amount,
                                   loan_id=loan.id)
            got = run(allowed, service.record_transaction, actor=officer, group_id=group.id,
                      data=data)
            if got:
                to_interest = min(amount, loan.interest_due)
                deltas = {"cash": amount, "interest_receivable": -to_interest,
                          "loans_outstanding": -(amount - to_interest)}
                model.apply(deltas)
                loan.interest_due -= to_interest
                loan.principal_due -= amount - to_interest
                model.reversible.append((got[0].id, deltas, loan.member, 0, 0,
                                         (loan, to_interest, amount - to_interest)))
                if loan.principal_due == loan.interest_due == 0:
                    model.loans.remove(loan)
        elif kind == "reverse":
            if not model.reversible:
                continue
            tx_id, deltas, m, saving, shares, loan_part = model.reversible[
                op[1] % len(model.reversible)]
            officer = users[0] if 0 in model.active else users[1]
            got = run(None, service.reverse_transaction, actor=officer, group_id=group.id,
                      transaction_id=tx_id)
            if got:
                model.apply({k: -v for k, v in deltas.items()})
                model.savings[m] -= saving
                model.shares[m] -= shares
                if loan_part == meeting.id:
                    model.shares_this_meeting[m] -= shares
                model.reversible = [r for r in model.reversible if r[0] != tx_id]
                if isinstance(loan_part, tuple):
                    loan, to_interest, to_principal = loan_part
                    loan.interest_due += to_interest
                    loan.principal_due += to_principal
                    if loan not in model.loans:
                        model.loans.append(loan)
        elif kind == "leave":
            m = op[1]
            if m not in model.active or len(model.active) == 1:
                continue
            run(True, service.leave_group, actor=users[m], group_id=group.id, payout=False)
            model.active.discard(m)
            model.pending.discard(m)  # leaving cancels a waiting request
        elif kind == "share_out":
            chair = users[0] if 0 in model.active else users[1]
            got = run(not model.loans, service.share_out, actor=chair, group_id=group.id)
            if got:
                profit = model.balances["interest_earned"] + model.balances["fines"]
                total_shares = sum(model.shares.values())
                distributable = model.balances["share_fund"] + (profit if total_shares else 0)
                assert got.total == distributable
                for payout in got.payouts:
                    index = next(i for i, mm in enumerate(members) if mm.id == payout.member_id)
                    exact = Fraction(profit * model.shares[index], total_shares)
                    assert payout.profit in (int(exact), -(-exact.numerator // exact.denominator))
                    assert payout.amount == model.savings[index] + payout.profit
                model.apply({"cash": -got.total, "share_fund": -model.balances["share_fund"]})
                if total_shares:
                    model.balances["interest_earned"] = model.balances["fines"] = 0
                model.savings.clear()
                model.shares.clear()
                model.shares_this_meeting.clear()
                model.reversible.clear()
                model.pending.clear()
                meeting = make_meeting(session, group, chair, date.today())
        check = service.check_ledger(session, group_id=group.id)
        assert check.balanced, check

    session.commit()
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.group_id == group.id)).all()
    raw: dict[str, int] = defaultdict(int)
    for entry in entries:
        raw[entry.account] += entry.amount
    recomputed = {
        "cash": raw[Account.CASH], "share_fund": -raw[Account.MEMBER_SHARES],
        "social_fund": -raw[Account.SOCIAL_FUND],
        "loans_outstanding": raw[Account.LOANS_RECEIVABLE],
        "interest_receivable": raw[Account.INTEREST_RECEIVABLE],
        "interest_earned": -raw[Account.INTEREST_INCOME], "fines": -raw[Account.FINES_INCOME],
    }
    viewer = next(u for i, u in enumerate(users) if i in model.active)
    response = auth_client(viewer).get(f"/api/v1/savings/groups/{group.id}")
    assert response.status_code == 200, response.get_json()
    reported = response.get_json()["balances"]
    assert reported == recomputed
    assert reported == {key: model.balances[key] for key in recomputed}
    assert reported["cash"] >= 0
    assert sum(raw.values()) == 0
