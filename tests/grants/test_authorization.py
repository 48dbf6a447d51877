"""Who may call which microgrant endpoint: one table, so a forgotten check fails loudly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from empower_api.grants import applications, disbursements, safeguards
from empower_api.grants.models import Caseload, Disbursement
from empower_api.timefmt import rfc3339
from tests.factories.accounts import (
    make_admin,
    make_employer_user,
    make_staff,
    make_survivor,
)
from tests.factories.grants import (
    make_application,
    make_payout_account,
    make_program,
    program_payload,
    unique_plan,
)
from tests.grants.conftest import WEBHOOK_SECRET

API = "/api/v1"
CALLERS = ("anonymous", "owner", "other", "employer", "staff", "other_staff", "admin")
STAFFISH = (401, 403, 403, 403)  # anonymous and the three non-staff callers

# (method, path template, body, expected status per caller, in CALLERS order).
# "staff" is the owner's caseworker, so may not decide the owner's application.
MATRIX: list[tuple[str, str, Any, tuple[int, ...]]] = [
    ("POST", "/staff/grant-programs", "program", (*STAFFISH, 201, 201, 201)),
    ("GET", "/staff/grant-programs", None, (*STAFFISH, 200, 200, 200)),
    ("GET", "/grant-programs", None, (401, 200, 200, 200, 200, 200, 200)),
    ("POST", "/grant-programs/{fresh}/applications", "apply",
     (401, 201, 201, 403, 403, 403, 403)),
    ("GET", "/me/grant-applications", None, (401, 200, 200, 200, 200, 200, 200)),
    ("POST", "/me/grant-applications/{application}/withdraw", None,
     (401, 200, 404, 404, 404, 404, 404)),
    ("GET", "/staff/grant-applications", None, (*STAFFISH, 200, 200, 200)),
    ("POST", "/staff/grant-applications", "on_behalf", (*STAFFISH, 201, 201, 201)),
    ("GET", "/staff/grant-applications/{application}", None, (*STAFFISH, 200, 200, 200)),
    ("POST", "/staff/grant-applications/{application}/decision",
     {"decision": "approve", "note": "fine"}, (*STAFFISH, 403, 200, 200)),
    ("POST", "/staff/grant-applications/{application}/flag-override",
     {"reason": "checked in person"}, (*STAFFISH, 403, 409, 409)),
    ("POST", "/staff/caseloads", "caseload", (*STAFFISH, 201, 201, 201)),
    ("POST", "/me/payout-account", {"method": "manual"}, (401, 201, 201, 403, 403, 403, 403)),
    ("GET", "/me/payout-account", None, (401, 200, 404, 403, 403, 403, 403)),
    ("GET", "/staff/disbursements", None, (*STAFFISH, 200, 200, 200)),
    ("POST", "/staff/disbursements/{disbursement}/mark-paid", {"reference": "cash"},
     (*STAFFISH, 200, 200, 200)),
    ("POST", "/staff/disbursements/{disbursement}/retry", None, (*STAFFISH, 409, 409, 409)),
    ("POST", "/staff/disbursements/{disbursement}/switch-to-manual", None,
     (*STAFFISH, 409, 409, 409)),
    ("GET", "/staff/grant-programs/{program}/report", None, (*STAFFISH, 200, 200, 200)),
    ("POST", "/webhooks/stripe", {"id": "evt_unsigned"}, (400,) * 7),
    ("POST", "/me/grievances", "grievance", (401, 201, 404, 403, 403, 403, 403)),
    ("GET", "/me/grievances", None, (401, 200, 200, 200, 200, 200, 200)),
    ("GET", "/admin/grievances", None, (*STAFFISH, 403, 403, 200)),
    ("GET", "/admin/grievances/{grievance}", None, (*STAFFISH, 403, 403, 200)),
    ("PATCH", "/admin/grievances/{grievance}", {"status": "in_review"},
     (*STAFFISH, 403, 403, 200)),
    ("GET", "/me/grant-check-ins", None, (401, 200, 200, 200, 200, 200, 200)),
    ("POST", "/me/grant-check-ins/{check_in}", {"received_in_full": True, "kept_all": True},
     (401, 200, 404, 404, 404, 404, 404)),
]


def _world(session: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    users = {"owner": make_survivor(session), "other": make_survivor(session),
             "employer": make_employer_user(session), "staff": make_staff(session),
             "other_staff": make_staff(session), "admin": make_admin(session)}
    owner = users["owner"]
    session.add(Caseload(staff_id=users["staff"].id, user_id=owner.id))
    make_payout_account(session, owner)
    program, paid_program, fresh = (make_program(session) for _ in range(3))
    application = make_application(session, program, owner)
    paid = make_application(session, paid_program, owner, amount=1_000)
    applications.decide(session, actor=users["admin"], application_id=paid.id,
                        decision="approve", approved_amount=None, note="ok")
    disbursement = session.scalar(select(Disbursement).where(
        Disbursement.application_id == paid.id))
    disbursements.mark_paid(session, disbursement)
    check_in = safeguards.open_check_in(session, disbursement)
    other_program = make_program(session)
    waiting = make_application(session, other_program, owner, amount=2_000)
    applications.decide(session, actor=users["admin"], application_id=waiting.id,
                        decision="approve", approved_amount=None, note="ok")
    pending = session.scalar(select(Disbursement).where(
        Disbursement.application_id == waiting.id))
    grievance = safeguards.raise_grievance(session, actor=owner, data={
        "about": "application", "application_id": application.id, "details": "slow"})
    session.commit()
    ids = {"program": program.id, "fresh": fresh.id, "application": application.id,
           "disbursement": pending.id, "grievance": grievance.id, "check_in": check_in.id}
    bodies = {
        "program": {k: rfc3339(v) if isinstance(v, datetime) else v
                    for k, v in program_payload().items()},
        "apply": {"requested_amount": 1_000, "purpose": "Tools", "plan": unique_plan()},
        "on_behalf": {"program_id": str(fresh.id), "user_id": str(users["other"].id),
                      "requested_amount": 1_000, "purpose": "Tools", "plan": unique_plan()},
        "caseload": {"staff_id": str(users["other_staff"].id), "user_id": str(owner.id)},
        "grievance": {"about": "application", "application_id": str(application.id),
                      "details": "It is taking long."},
    }
    return users, ids, bodies


@pytest.mark.parametrize(("method", "template", "body", "expected"), MATRIX,
                         ids=[f"{m} {t}" for m, t, _b, _e in MATRIX])
def test_authorization_matrix(app, session, client, auth_client, monkeypatch, no_stripe,
                              method, template, body, expected):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    for caller, status in zip(CALLERS, expected, strict=True):
        users, ids, bodies = _world(session)
        payload = bodies[body] if isinstance(body, str) else body
        who = client if caller == "anonymous" else auth_client(users[caller])
        response = who.open(API + template.format(**ids), method=method, json=payload,
                            headers={"X-Access-Reason": "Reviewing this grant application"})
        assert response.status_code == status, (caller, response.get_json())
