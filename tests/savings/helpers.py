"""Small HTTP helpers shared by the savings API tests."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

API = "/api/v1/savings/groups"

CONSTITUTION: dict[str, Any] = {
    "name": "Harbor Savers",
    "currency": "USD",
    "share_price": 500,
    "max_shares_per_meeting": 5,
    "social_fund_amount": 100,
    "loan_interest_bps_per_month": 500,
    "max_loan_multiple": 3,
    "cycle_months": 6,
}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()


def create_group(client: Any, **overrides: Any) -> dict[str, Any]:
    return ok(client.post(API, json={**CONSTITUTION, **overrides}), 201)


def join(client: Any, invite_code: str) -> dict[str, Any]:
    return ok(client.post(f"{API}/join", json={"invite_code": invite_code}), 201)


def set_role(client: Any, group_id: str, member_id: str, role: str) -> dict[str, Any]:
    return ok(client.post(f"{API}/{group_id}/members/{member_id}/role", json={"role": role}))


def meeting(client: Any, group_id: str, held_on: date | None = None) -> dict[str, Any]:
    held = (held_on or date.today()).isoformat()
    return ok(client.post(f"{API}/{group_id}/meetings", json={"held_on": held}), 201)


def tx_body(meeting_id: str, member_id: str, type: str, **fields: Any) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "meeting_id": meeting_id, "member_id": member_id,
            "type": type, **fields}


def post_tx(client: Any, group_id: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}/{group_id}/transactions", json=body)


def record(client: Any, group_id: str, meeting_id: str, member_id: str, type: str,
           **fields: Any) -> dict[str, Any]:
    return ok(post_tx(client, group_id, tx_body(meeting_id, member_id, type, **fields)), 201)


def balances(client: Any, group_id: str) -> dict[str, int]:
    return ok(client.get(f"{API}/{group_id}"))["balances"]


def request_loan(client: Any, group_id: str, principal: int, term_months: int = 2) -> Any:
    return client.post(f"{API}/{group_id}/loans",
                       json={"principal": principal, "term_months": term_months,
                             "purpose": "sewing machine"})


def approve(client: Any, group_id: str, loan_id: str) -> Any:
    return client.post(f"{API}/{group_id}/loans/{loan_id}/approve")
