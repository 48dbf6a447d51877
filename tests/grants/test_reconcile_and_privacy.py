"""`flask grants reconcile`, export and erasure, demo data and Stripe settings."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from empower_api import create_app
from empower_api.accounts import service as accounts
from empower_api.config import ConfigurationError, build_config
from empower_api.db import db
from empower_api.grants import disbursements
from empower_api.grants.models import Disbursement, GrantApplication, GrantProgram
from tests.factories.accounts import PASSWORD, make_staff
from tests.grants.helpers import API, award, reload


def test_reconcile_exits_1_when_local_state_disagrees_with_stripe(
        app, session, auth_client, stripe_stub, monkeypatch):
    monkeypatch.setattr(disbursements, "dispatch_after_commit", lambda _id: None)
    paid = award(session, auth_client, stub=stripe_stub)
    disbursements.process(db.session)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["grants", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "agrees" in result.output
    # Stripe made a transfer for this one but we never heard back (still pending here).
    lost = award(session, auth_client, stub=stripe_stub)
    stripe_stub.fault_next("/v1/transfers", "drop_after")
    disbursements.process(db.session)
    assert reload(session, lost["disbursement_id"]).status == "pending"
    # And one we think is paid was reversed at Stripe.
    stripe_stub.reverse(reload(session, paid["disbursement_id"]).provider_reference)
    result = runner.invoke(args=["grants", "reconcile"])
    assert result.exit_code == 1
    assert f"{lost['disbursement_id']}: local pending, stripe paid" in result.output
    assert f"{paid['disbursement_id']}: local paid, stripe reversed" in result.output


def test_export_holds_the_grant_records_and_erasure_keeps_money_pseudonymised(
        session, auth_client, no_stripe):
    setup = award(session, auth_client)
    survivor = setup["survivor"]
    exported = accounts.export(session, user=survivor)["grants"]
    assert exported["applications"][0]["plan"]
    assert exported["disbursements"][0]["amount"] == 10_000
    assert exported["payout_account"]["method"] == "manual"
    me = auth_client(survivor)
    response = me.delete(f"{API}/me", json={"password": PASSWORD})
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    session.expire_all()
    application = session.get(GrantApplication, setup["application_id"])
    assert (application.plan, application.purpose, application.approved_amount) == (
        None, None, 10_000)
    disbursement = session.get(Disbursement, setup["disbursement_id"])
    assert disbursement.amount == 10_000 and disbursement.recipient_id == survivor.id


def test_demo_loads_an_open_program_with_one_award_awaiting_a_second_approval(app, session):
    from empower_api.cli import demo_loaders

    context = {"printed": []}
    for _name, load in demo_loaders():
        load(db.session, context)
    for _name, load in demo_loaders():  # idempotent
        load(db.session, context)
    programs = list(db.session.scalars(select(GrantProgram).where(
        GrantProgram.name == "Fresh Start Fund")))
    assert len(programs) == 1
    statuses = sorted(db.session.scalars(select(GrantApplication.status).where(
        GrantApplication.program_id == programs[0].id)))
    assert statuses == ["approved", "awaiting_second_approval", "submitted"]
    assert db.session.scalar(select(Disbursement.method).where(
        Disbursement.program_id == programs[0].id)) == "manual"
    db.session.rollback()


def test_a_stripe_test_key_is_refused_in_production(tmp_path):
    env = {"EMPOWER_ENV": "production", "DATABASE_URL": "postgresql://x/y",
           "SECRET_KEY": "s", "JWT_SECRET_KEY": "j", "PII_ENCRYPTION_KEYS": "k",
           "PII_INDEX_KEY": "i", "STRIPE_API_KEY": "sk_test_abc",
           "CREDENTIAL_SIGNING_KEYS": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}
    with pytest.raises(ConfigurationError, match="test key"):
        build_config(str(tmp_path), environ=env)
    assert build_config(str(tmp_path), environ={**env, "STRIPE_API_KEY": "sk_live_abc"})[
        "STRIPE_API_KEY"] == "sk_live_abc"
    assert build_config(str(tmp_path), environ={**env, "STRIPE_API_KEY": ""})[
        "STRIPE_API_KEY"] is None
    with pytest.raises(ConfigurationError, match="STRIPE_TIMEOUT_SECONDS"):
        build_config(str(tmp_path), environ={**env, "STRIPE_TIMEOUT_SECONDS": "soon"})


def test_production_without_stripe_says_only_manual_payouts(tmp_path, caplog_json):
    from tests.conftest import make_config

    create_app(make_config(EMPOWER_ENV="production", STRIPE_API_KEY=None,
                           DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}"))
    lines = [line for line in caplog_json() if line.get("event") == "stripe_not_configured"]
    assert lines and "only manual" in lines[0]["detail"]
    assert logging.getLogger("empower_api").level >= 0


def test_list_pages_take_few_statements(app, session, auth_client, no_stripe):
    from tests.factories.accounts import make_admin
    from tests.sqlcount import counted

    awards = [award(session, auth_client, amount=1_000) for _ in range(3)]
    survivor = awards[0]["survivor"]
    staff, admin = auth_client(make_staff(session)), auth_client(make_admin(session))
    me = auth_client(survivor)
    assert staff.post(f"{API}/staff/disbursements/{awards[0]['disbursement_id']}/mark-paid",
                      json={"reference": "cash"}).status_code == 200
    me.post(f"{API}/me/grievances", json={"about": "application", "details": "slow",
                                          "application_id": str(awards[0]["application_id"])})
    session.commit()
    for client, path in ((staff, "/staff/disbursements"), (staff, "/staff/grant-applications"),
                         (staff, "/staff/grant-programs"), (staff, "/grant-programs"),
                         (admin, "/admin/grievances"), (me, "/me/grievances"),
                         (me, "/me/grant-applications"), (me, "/me/grant-check-ins")):
        with counted(app, skip=()) as statements:
            response = client.get(f"{API}{path}?limit=100")
        assert response.status_code == 200 and response.get_json()["items"], path
        assert len(statements) <= 5, (path, statements)
