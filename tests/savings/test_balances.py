"""Kept balances: moved by every posting in its own transaction, checked against the ledger."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, func, select, update

from empower_api import create_app
from empower_api.db import db
from empower_api.errors import Conflict
from empower_api.savings import ledger, service
from empower_api.savings.models import Account, Balance, BalanceHolder, LedgerEntry
from tests.conftest import assert_problem, make_config
from tests.factories.accounts import make_survivor
from tests.factories.savings import add_member, make_group, make_meeting, member_of, record
from tests.savings.conftest import circle  # noqa: F401  (fixture)
from tests.savings.helpers import API, ok, post_tx, tx_body


def _kept(session: Any, holder_id: Any, account: Account) -> tuple[int, int]:
    row = session.execute(select(Balance.amount, Balance.shares).where(
        Balance.holder_id == holder_id, Balance.account == account)).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


@pytest.fixture
def books(session):
    """A group with a chair, a treasurer and a member, 6 shares bought, an open meeting."""
    chair, treasurer, member = (make_survivor(session) for _ in range(3))
    group = make_group(session, chair)
    add_member(session, group, treasurer, "treasurer")
    member_row = add_member(session, group, member)
    meeting = make_meeting(session, group, chair)
    for who in (member_row, member_of(session, group, treasurer)):
        record(session, group, chair, meeting=meeting, member=who, type="share_purchase",
               shares=3)
    return {"group": group, "chair": chair, "treasurer": treasurer, "member": member,
            "member_row": member_row, "meeting": meeting}


def test_a_posting_moves_the_group_member_and_loan_balances_it_touches(session, books):
    group, member_row = books["group"], books["member_row"]
    assert _kept(session, group.id, Account.CASH) == (3000, 0)
    assert _kept(session, group.id, Account.MEMBER_SHARES) == (-3000, 6)
    assert _kept(session, member_row.id, Account.MEMBER_SHARES) == (-1500, 3)
    loan = service.request_loan(session, actor=books["member"], group_id=group.id,
                                data={"principal": 1000, "term_months": 2})
    service.approve_loan(session, actor=books["chair"], group_id=group.id, loan_id=loan.id)
    assert _kept(session, group.id, Account.CASH) == (2000, 0)
    assert _kept(session, member_row.id, Account.LOANS_RECEIVABLE) == (1000, 0)
    assert _kept(session, loan.id, Account.LOANS_RECEIVABLE) == (1000, 0)
    assert _kept(session, loan.id, Account.INTEREST_RECEIVABLE) == (100, 0)  # flat, 2 × 5 %
    assert ledger.kept_balances(session, group_id=group.id) == ledger.recompute_balances(
        session, group_id=group.id)
    assert service.check_ledger(session, group_id=group.id).balance_mismatches == []


def test_a_refused_posting_leaves_the_kept_balances_as_they_were(session, books):
    group = books["group"]
    before = ledger.kept_balances(session, group_id=group.id)
    with pytest.raises(Conflict), session.begin_nested():
        service.record_transaction(session, actor=books["chair"], group_id=group.id, data={
            "client_id": uuid.uuid4(), "meeting_id": books["meeting"].id,
            "member_id": books["member_row"].id, "type": "fine", "amount": 70})
        ledger.post(session, group, tx_type="member_payout", amount=10**6,
                    cycle_id=group.current_cycle_id,
                    lines=[ledger.debit(Account.MEMBER_SHARES, 10**6),
                           ledger.credit(Account.CASH, 10**6)])
    assert ledger.kept_balances(session, group_id=group.id) == before


def test_a_request_that_fails_after_posting_rolls_the_balances_back(circle, session,  # noqa: F811
                                                                    monkeypatch):
    tx = ok(post_tx(circle.treasurer, circle.gid,
                    tx_body(circle.meeting_id, circle.member_id, "fine", amount=70)), 201)
    gid = uuid.UUID(circle.gid)
    before = ledger.kept_balances(session, group_id=gid)
    lines = session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.group_id == gid))

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise Conflict("The audit log refused the write.", code="audit_unavailable")

    # The reversal posts its lines, then the audit write fails: the request rolls back whole.
    monkeypatch.setattr("empower_api.savings.transactions.audit", refuse)
    response = circle.treasurer.post(f"{API}/{circle.gid}/transactions/{tx['id']}/reversal")
    assert assert_problem(response, 409)["code"] == "audit_unavailable"
    session.expire_all()
    assert ledger.kept_balances(session, group_id=gid) == before
    assert session.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.group_id == gid)) == lines


def test_replays_and_sync_duplicates_are_counted_once(circle, session):  # noqa: F811
    fine = tx_body(circle.meeting_id, circle.member_id, "fine", amount=40)
    shares = tx_body(circle.meeting_id, circle.member_id, "share_purchase", shares=2)
    ok(post_tx(circle.treasurer, circle.gid, fine), 201)
    ok(post_tx(circle.treasurer, circle.gid, fine), 200)
    body = ok(circle.treasurer.post(f"{API}/{circle.gid}/sync",
                                    json={"transactions": [shares, fine, shares]}))
    assert [r["status"] for r in body["results"]] == ["applied", "duplicate", "duplicate"]
    gid, member_id = uuid.UUID(circle.gid), uuid.UUID(circle.member_id)
    assert _kept(session, gid, Account.CASH) == (1040, 0)
    assert _kept(session, gid, Account.FINES_INCOME) == (-40, 0)
    assert _kept(session, member_id, Account.MEMBER_SHARES) == (-1000, 2)
    assert service.check_ledger(session, group_id=gid).balanced


def test_share_out_zeroes_members_savings_and_income_and_keeps_the_social_fund(session, books):
    group, chair = books["group"], books["chair"]
    record(session, group, chair, meeting=books["meeting"], member=books["member_row"],
           type="fine", amount=90)
    record(session, group, chair, meeting=books["meeting"], member=books["member_row"],
           type="social_fund")
    service.share_out(session, actor=chair, group_id=group.id)
    balances = ledger.account_balances(session, group.id)
    assert balances[Account.MEMBER_SHARES] == balances[Account.FINES_INCOME] == 0
    assert balances[Account.CASH] == balances[Account.SOCIAL_FUND] == 100
    assert all(shares == (0, 0) for shares in ledger.member_holdings(session, group.id).values())
    assert _kept(session, group.id, Account.MEMBER_SHARES) == (0, 0)
    assert service.check_ledger(session, group_id=group.id).balanced


def test_a_corrupted_balance_fails_the_check_which_names_the_account_not_the_person(
        app, session, books):
    group, member_row = books["group"], books["member_row"]
    assert service.check_ledger(session, group_id=group.id).balanced
    session.execute(update(Balance).where(Balance.holder_id == member_row.id,
                                          Balance.account == Account.MEMBER_SHARES)
                    .values(amount=Balance.amount - 1))
    check = service.check_ledger(session, group_id=group.id)
    assert not check.balanced and check.unbalanced_transactions == []
    [mismatch] = check.balance_mismatches
    assert (mismatch.holder, mismatch.holder_id, mismatch.account) == (
        BalanceHolder.MEMBER, member_row.id, Account.MEMBER_SHARES)
    assert (mismatch.kept, mismatch.ledger) == (-1501, -1500)
    session.commit()  # the command reads through a session of its own
    result = app.test_cli_runner().invoke(args=["savings", "check-ledger",
                                                "--group", str(group.id)])
    assert result.exit_code == 1
    assert f"member {member_row.id} account member_shares: kept -1501" in result.output
    assert "FAILED" in result.output
    alias = books["member"].public_name
    assert alias not in result.output and str(books["member"].id) not in result.output


def test_the_check_command_passes_on_sound_books(app, session, books):
    session.commit()
    result = app.test_cli_runner().invoke(args=["savings", "check-ledger"])
    assert result.exit_code == 0, result.output
    assert "ledger check OK" in result.output


def test_an_unbalanced_journal_entry_fails_the_check(session, books):
    group = books["group"]
    line = session.scalars(select(LedgerEntry).where(LedgerEntry.group_id == group.id,
                                                     LedgerEntry.account == Account.CASH)).first()
    session.execute(update(LedgerEntry).where(LedgerEntry.id == line.id)
                    .values(amount=LedgerEntry.amount + 1))
    check = service.check_ledger(session, group_id=group.id)
    assert not check.balanced
    assert check.unbalanced_transactions == [line.transaction_id]


def test_the_migration_backfills_kept_balances_from_the_ledger(tmp_path):
    app = create_app(make_config(DATABASE_URL=f"sqlite:///{tmp_path / 'books.db'}"))
    migrations = str(app.config["MIGRATIONS_DIR"])
    with app.app_context():
        upgrade(directory=migrations)
        session = db.session
        chair, member = make_survivor(session), make_survivor(session)
        group = make_group(session, chair)
        member_row = add_member(session, group, member)
        meeting = make_meeting(session, group, chair)
        record(session, group, chair, meeting=meeting, member=member_row,
               type="share_purchase", shares=4)
        loan = service.request_loan(session, actor=member, group_id=group.id,
                                    data={"principal": 1500, "term_months": 1})
        service.approve_loan(session, actor=chair, group_id=group.id, loan_id=loan.id)
        session.commit()
        kept = ledger.kept_balances(session, group_id=group.id)
        session.execute(delete(Balance))
        session.commit()
        # Back to just before the kept balances, whatever migration precedes them now.
        downgrade(directory=migrations, revision=_revision_before("5a7c1e9d2b40", migrations))
        upgrade(directory=migrations)
        assert ledger.kept_balances(session, group_id=group.id) == kept
        assert _kept(session, loan.id, Account.LOANS_RECEIVABLE) == (1500, 0)
        assert service.check_ledger(session).balanced


def _revision_before(revision: str, migrations: str) -> str:
    """The ``down_revision`` of migration ``revision``, read from its file."""
    import re
    from pathlib import Path

    (path,) = Path(migrations, "versions").glob(f"*_{revision}_*.py")
    return re.search(r"^down_revision = '([0-9a-f]+)'", path.read_text(), re.M).group(1)


def test_rebuilding_a_groups_balances_repairs_a_corrupted_one(app, session, books):
    group, member_row = books["group"], books["member_row"]
    session.execute(update(Balance).where(Balance.holder_id == member_row.id,
                                          Balance.account == Account.MEMBER_SHARES)
                    .values(shares=Balance.shares + 5))
    session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["savings", "check-ledger"]).exit_code == 1
    result = runner.invoke(args=["savings", "rebuild-balances", "--group", str(group.id)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["savings", "check-ledger"]).exit_code == 0
    session.expire_all()
    assert _kept(session, member_row.id, Account.MEMBER_SHARES) == (-1500, 3)
