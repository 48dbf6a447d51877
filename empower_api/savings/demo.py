"""Demo data for savings: a group mid-cycle with meetings, savings, a fine and a loan."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.db import utcnow
from empower_api.savings import service
from empower_api.savings.models import Membership, SavingsGroup

GROUP_NAME = "Sunrise Circle"
# Fixed client ids make the demo's transactions replay-safe as well.
_NAMESPACE = uuid.UUID("5b0f7d0e-9a57-4c1f-8f53-0f3f9a3c2d10")


def load(session: Session, context: dict[str, Any]) -> None:
    chair = context["survivor"]
    treasurer, secretary, member = context["other_survivors"][:3]
    existing = session.scalar(
        select(SavingsGroup).join(Membership, Membership.group_id == SavingsGroup.id)
        .where(SavingsGroup.name == GROUP_NAME, Membership.user_id == chair.id)
    )
    if existing is not None:
        context["printed"].append(f"savings group:   {GROUP_NAME} (invite {existing.invite_code})")
        return
    group = service.create_group(session, actor=chair, data={
        "name": GROUP_NAME, "currency": "USD", "share_price": 500,
        "max_shares_per_meeting": 5, "social_fund_amount": 100,
        "loan_interest_bps_per_month": 500, "interest_method": "flat",
        "max_loan_multiple": 3, "cycle_months": 9,
    })
    members = {"chair": service.find_membership(session, group.id, chair)}
    for name, user, role in (("treasurer", treasurer, "treasurer"),
                             ("secretary", secretary, "secretary"), ("member", member, None)):
        members[name] = service.join_group(session, actor=user, invite_code=group.invite_code)
        if role:
            service.set_role(session, actor=chair, group_id=group.id,
                             member_id=members[name].id, role=role)

    def record(meeting_id: uuid.UUID, who: str, kind: str, step: int, **fields: Any) -> None:
        service.record_transaction(session, actor=treasurer, group_id=group.id, data={
            "client_id": uuid.uuid5(_NAMESPACE, f"{group.id}:{step}"), "meeting_id": meeting_id,
            "member_id": members[who].id, "type": kind, **fields})

    today = utcnow().date()
    step = 0
    loan = None
    for week, shares in enumerate(((3, 2, 4, 1), (2, 3, 5, 2), (4, 1, 3, 2))):
        meeting, _ = service.create_meeting(session, actor=chair, group_id=group.id, data={
            "held_on": today - timedelta(days=7 * (3 - week)),
            "attendee_ids": [m.id for m in members.values()]})
        for who, count in zip(("chair", "treasurer", "secretary", "member"), shares, strict=True):
            step += 1
            record(meeting.id, who, "share_purchase", step, shares=count)
            step += 1
            record(meeting.id, who, "social_fund", step)
        if week == 0:
            step += 1
            record(meeting.id, "member", "fine", step, amount=50)
            loan = service.request_loan(session, actor=member, group_id=group.id, data={
                "principal": 1500, "term_months": 3, "purpose": "Market stall stock"})
            service.approve_loan(session, actor=treasurer, group_id=group.id, loan_id=loan.id)
        elif loan is not None:
            step += 1
            record(meeting.id, "member", "loan_repayment", step, amount=300, loan_id=loan.id)
    session.flush()
    context["savings_group"] = group
    context["printed"].append(f"savings group:   {GROUP_NAME} (invite {group.invite_code})")
