"""A realistic request for every operation: the body and path ids the authorization
matrix sends (tests/authz/test_matrix.py).

By default an operation gets the real ids of the world (tests/factories/world.py) for
its path parameters and the example of its request body from the OpenAPI document;
``BODIES`` and ``PATH_IDS`` below replace those where the example would be refused for
reasons other than who is calling (a password must be the caller's own, an id must be
a real object of the right kind).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from tests.factories.jobs import employer_payload, job_payload
from tests.factories.savings import CONSTITUTION
from tests.factories.training import course_payload

Body = Any  # a JSON value, or a callable (world, caller) → JSON value


def _password(world: Any, caller: str) -> str:
    login = world.logins.get(caller)
    return login[1] if login else "not-signed-in-1"


def _program(world: Any, _caller: str) -> dict[str, Any]:
    from empower_api.db import utcnow

    now = utcnow()
    return {"name": f"Matrix fund {uuid.uuid4().hex[:6]}", "currency": "USD",
            "budget_amount": 100_000, "max_award_amount": 30_000,
            "dual_approval_threshold_amount": 20_000,
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(), "description": "Grants."}


BODIES: dict[str, Body] = {
    "POST /api/v1/auth/login": lambda w, _c: {"login": w.logins["survivor"][0],
                                               "password": w.logins["survivor"][1]},
    "POST /api/v1/auth/register": lambda _w, _c: {
        "mode": "anonymous", "alias": f"m{uuid.uuid4().hex[:10]}",
        "password": "a-long-pass-phrase-2026"},
    "POST /api/v1/employers": lambda _w, _c: employer_payload(),
    "POST /api/v1/jobs": lambda w, _c: job_payload(w.ids["employer_id"]),
    "PATCH /api/v1/jobs/{job_id}": {"title": "Baker (early shifts)"},
    "POST /api/v1/jobs/{job_id}/applications": {
        "cover_note": "I bake every weekend.", "share": {"fields": [], "credential_ids": []}},
    "POST /api/v1/jobs/{job_id}/reports": {"reason": "misleading", "details": "Pay differs."},
    "POST /api/v1/courses": lambda _w, _c: course_payload(),
    "POST /api/v1/savings/groups": lambda _w, _c: dict(CONSTITUTION),
    "POST /api/v1/savings/groups/{group_id}/meetings": lambda _w, _c: {
        "held_on": date.today().isoformat(), "client_id": str(uuid.uuid4())},
    "PATCH /api/v1/savings/groups/{group_id}/meetings/{meeting_id}": {"attendee_ids": []},
    "POST /api/v1/savings/groups/{group_id}/transactions": lambda w, _c: {
        "client_id": str(uuid.uuid4()), "meeting_id": w.ids["meeting_id"],
        "member_id": w.ids["member_id"], "type": "share_purchase", "shares": 1},
    "POST /api/v1/savings/groups/{group_id}/loans": {
        "principal": 500, "purpose": "Flour", "term_months": 2},
    "POST /api/v1/savings/groups/{group_id}/members/{member_id}/role": {"role": "member"},
    "POST /api/v1/savings/groups/{group_id}/sync": lambda w, _c: {"transactions": [{
        "client_id": str(uuid.uuid4()), "meeting_id": w.ids["meeting_id"],
        "member_id": w.ids["member_id"], "type": "social_fund"}]},
    "POST /api/v1/grant-programs/{program_id}/applications": {
        "requested_amount": 5_000, "purpose": "Tools",
        "plan": "Buy tools for a bicycle repair stall near the station."},
    "POST /api/v1/staff/grant-programs": _program,
    "POST /api/v1/staff/grant-applications": lambda w, _c: {
        "program_id": w.ids["program_id"], "user_id": w.ids["other_survivor_id"],
        "requested_amount": 5_000, "purpose": "Tools",
        "plan": "Sewing machine for alterations taken from neighbours at home."},
    "POST /api/v1/staff/caseloads": lambda w, _c: {"staff_id": w.ids["staff_id"],
                                                    "user_id": w.ids["user_id"]},
    "POST /api/v1/staff/grant-applications/{application_id}/decision": {
        "decision": "reject", "note": "Outside the programme's purpose."},
    "POST /api/v1/applications/{application_id}/messages": {"body": "When could I start?"},
    "POST /api/v1/me/grievances": lambda w, _c: {
        "about": "payout", "application_id": w.ids["grant_application_id"],
        "details": "The payment has not arrived."},
    "POST /api/v1/me/payout-account": {"method": "manual"},
    "POST /api/v1/me/saved-searches": {"name": "Bakery jobs", "query": {"q": "bakery"}},
    "PUT /api/v1/me/excluded-categories": {"categories": []},
    "PATCH /api/v1/me": {"languages": ["en"]},
    "DELETE /api/v1/me": lambda w, c: {"password": _password(w, c)},
    "DELETE /api/v1/me/mfa": lambda w, c: {"password": _password(w, c)},
    "POST /api/v1/me/password": lambda w, c: {"current_password": _password(w, c),
                                              "new_password": "another-long-pass-phrase-9"},
    "POST /api/v1/me/recovery-codes": lambda w, c: {"current_password": _password(w, c)},
    "PUT /api/v1/me/duress-password": lambda w, c: {"password": _password(w, c),
                                                    "duress_password": "a-decoy-pass-phrase"},
    "POST /api/v1/me/prior-learning": {"title": "Food hygiene level 2", "issuer": "City college",
                                       "earned_on": "2024-05-01", "skills": ["food safety"]},
    "POST /api/v1/employers/{employer_id}/invitations": {"email": "new.baker@example.org"},
}

# Path parameters that name another kind of object than the world's default of that name.
PATH_IDS: dict[str, dict[str, str]] = {
    "POST /api/v1/me/grant-applications/{application_id}/withdraw":
        {"application_id": "grant_application_id"},
    "GET /api/v1/staff/grant-applications/{application_id}":
        {"application_id": "grant_application_id"},
    "POST /api/v1/staff/grant-applications/{application_id}/decision":
        {"application_id": "grant_application_id"},
    "POST /api/v1/staff/grant-applications/{application_id}/flag-override":
        {"application_id": "grant_application_id"},
}


def body_for(key: str, operation: dict[str, Any] | None, world: Any, caller: str) -> Any:
    """The JSON body to send, or None for an operation without one."""
    if key in BODIES:
        body = BODIES[key]
        return body(world, caller) if callable(body) else body
    if operation is None or "requestBody" not in operation:
        return None
    return operation["requestBody"].get("_example")
