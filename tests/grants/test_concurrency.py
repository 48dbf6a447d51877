"""Staff approving at the same moment, with real threads and real commits (PostgreSQL)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from empower_api.db import db
from empower_api.grants import disbursements
from empower_api.grants.models import Disbursement
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.grants import make_application, make_payout_account, make_program
from tests.grants.helpers import approve
from tests.savings.test_concurrency import _in_threads

pytestmark = pytest.mark.postgres_only


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_approvals_never_commit_past_the_budget(committing_app, auth_client,
                                                           round_):
    # Budget 30 000; six awards of 15 000 approved at once by six staff: exactly two fit.
    with committing_app.app_context():
        session = db.session
        program = make_program(session, budget_amount=30_000, max_award_amount=15_000,
                               dual_approval_threshold_amount=100_000)
        apps = [make_application(session, program, make_survivor(session), amount=15_000)
                for _ in range(6)]
        staff = [make_staff(session) for _ in range(6)]
        session.commit()
        program_id, app_ids = program.id, [a.id for a in apps]
    clients = [auth_client(s) for s in staff]
    responses = _in_threads([lambda c=c, a=a: approve(c, a)
                             for c, a in zip(clients, app_ids, strict=True)])
    assert Counter(r.status_code for r in responses) == {200: 2, 409: 4}
    assert {r.get_json()["code"] for r in responses if r.status_code == 409} == {
        "budget_exceeded"}
    with committing_app.app_context():
        committed = db.session.scalar(select(func.sum(Disbursement.amount)).where(
            Disbursement.program_id == program_id))
        assert committed == 30_000


def test_two_workers_never_claim_the_same_disbursement(committing_app, auth_client,
                                                        monkeypatch):
    monkeypatch.setattr(disbursements, "dispatch_after_commit", lambda _id: None)
    with committing_app.app_context():
        session = db.session
        program = make_program(session)
        survivor, staff = make_survivor(session), make_staff(session)
        make_payout_account(session, survivor, method="stripe", stripe_account_id="acct_t")
        application = make_application(session, program, survivor, amount=1_000)
        session.commit()
    assert approve(auth_client(staff), application.id).status_code == 200

    def claim_once():
        with committing_app.app_context():
            found = disbursements.claim(db.session)
            return None if found is None else found.disbursement_id

    results = _in_threads([claim_once for _ in range(4)])
    assert sum(r is not None for r in results) == 1


def test_simultaneous_applications_by_one_survivor_respect_the_cap(committing_app,
                                                                   auth_client):
    with committing_app.app_context():
        session = db.session
        program = make_program(session)  # one application or award per survivor
        survivor = make_survivor(session)
        session.commit()
        program_id = program.id
    client = auth_client(survivor)

    def apply(n):
        return client.post(f"/api/v1/grant-programs/{program_id}/applications", json={
            "requested_amount": 5_000, "purpose": f"tools {n}", "plan": f"plan number {n}",
            "answers": []})

    responses = _in_threads([lambda n=n: apply(n) for n in range(6)])
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 5}
    assert {r.get_json()["code"] for r in responses if r.status_code == 409} == {
        "award_cap_reached"}
