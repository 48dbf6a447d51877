"""Shared steps for grant tests: an award approved over HTTP, paid by Stripe or by hand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from empower_api.grants.models import Disbursement, PayoutMethod
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.grants import make_application, make_payout_account, make_program

API = "/api/v1"


def approve(client: Any, application_id: Any) -> Any:
    return client.post(f"{API}/staff/grant-applications/{application_id}/decision",
                       json={"decision": "approve", "note": "Plan is sound."})


def award(session: Any, auth_client: Any, *, stub: Any = None, amount: int = 10_000,
          program: Any = None) -> dict[str, Any]:
    """A survivor (with an active Stripe account at the stub when ``stub`` is given, else a
    manual one), an application approved by one staff member; returns ids and clients."""
    survivor, staff = make_survivor(session), make_staff(session)
    if stub is not None:
        account_id = f"acct_{survivor.id.hex[:12]}"
        stub.accounts[account_id] = {"id": account_id, "object": "account"}
        make_payout_account(session, survivor, method=PayoutMethod.STRIPE,
                            stripe_account_id=account_id)
    else:
        make_payout_account(session, survivor)
    program = program or make_program(session)
    application = make_application(session, program, survivor, amount=amount)
    session.commit()
    staff_client = auth_client(staff)
    response = approve(staff_client, application.id)
    assert response.status_code == 200, response.get_json()
    disbursement = session.scalar(select(Disbursement).where(
        Disbursement.application_id == application.id))
    return {"survivor": survivor, "staff": staff, "staff_client": staff_client,
            "application_id": application.id, "disbursement_id": disbursement.id,
            "program_id": program.id}


def reload(session: Any, disbursement_id: Any) -> Disbursement:
    session.expire_all()
    return session.get(Disbursement, disbursement_id)
