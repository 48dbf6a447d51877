"""Savings groups for tests, made through the service layer (fast, and by the rules)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.savings import service
from empower_api.savings.models import Meeting, Membership, SavingsGroup, Transaction

CONSTITUTION: dict[str, Any] = {
    "name": "Harbor Savers",
    "currency": "USD",
    "share_price": 500,
    "max_shares_per_meeting": 5,
    "social_fund_amount": 100,
    "loan_interest_bps_per_month": 500,
    "interest_method": "flat",
    "max_loan_multiple": 3,
    "cycle_months": 6,
}


def make_group(session: Session, chair: User, **overrides: Any) -> SavingsGroup:
    return service.create_group(session, actor=chair, data={**CONSTITUTION, **overrides})


def add_member(session: Session, group: SavingsGroup, user: User,
               role: str | None = None) -> Membership:
    member = service.join_group(session, actor=user, invite_code=group.invite_code)
    if role and role != "member":
        member.role = role
        session.flush()
    return member


def member_of(session: Session, group: SavingsGroup, user: User) -> Membership:
    found = service.find_membership(session, group.id, user)
    assert found is not None
    return found


def make_meeting(session: Session, group: SavingsGroup, officer: User,
                 held_on: date | None = None) -> Meeting:
    meeting, _created = service.create_meeting(
        session, actor=officer, group_id=group.id, data={"held_on": held_on or date.today()})
    return meeting


def record(session: Session, group: SavingsGroup, officer: User, *, meeting: Meeting,
           member: Membership, type: str, **fields: Any) -> Transaction:
    data = {"client_id": uuid.uuid4(), "meeting_id": meeting.id, "member_id": member.id,
            "type": type, **fields}
    tx, _created = service.record_transaction(session, actor=officer, group_id=group.id,
                                              data=data)
    return tx
