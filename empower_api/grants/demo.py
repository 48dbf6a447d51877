"""Demo data for microgrants: an open program, a few applications (one awaiting a
second approval) and a manual disbursement waiting to be handed over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.db import utcnow
from empower_api.grants import applications, payouts, programs
from empower_api.grants.models import GrantProgram

PROGRAM_NAME = "Fresh Start Fund"


def load(session: Session, context: dict[str, Any]) -> None:
    existing = session.scalar(select(GrantProgram).where(GrantProgram.name == PROGRAM_NAME))
    if existing is not None:
        context["printed"].append(f"grant program:   {PROGRAM_NAME}")
        return
    staff, admin = context["staff"], context["admin"]
    survivor, (bright, harbor, *_rest) = context["survivor"], context["other_survivors"]
    now = utcnow()
    program = programs.create_program(session, actor=staff, data={
        "name": PROGRAM_NAME, "currency": "USD", "budget_amount": 500_000,
        "max_award_amount": 50_000, "dual_approval_threshold_amount": 25_000,
        "opens_at": now - timedelta(days=7), "closes_at": now + timedelta(days=90),
        "description": "Small grants to start a business or pay for training or tools.",
    })
    for user in (survivor, bright, harbor):
        payouts.set_up(session, actor=user, data={"method": "manual"})
    big = applications.apply(session, actor=survivor, program_id=program.id, data={
        "requested_amount": 40_000, "purpose": "Bakery equipment",
        "plan": "Buy a second-hand oven and sell bread at the Saturday market."})
    applications.apply(session, actor=bright, program_id=program.id, data={
        "requested_amount": 15_000, "purpose": "Course fees",
        "plan": "Pay for a six-week bookkeeping course at the community college."})
    small = applications.apply(session, actor=harbor, program_id=program.id, data={
        "requested_amount": 20_000, "purpose": "Sewing machine",
        "plan": "A sewing machine to take alteration work from neighbours."})
    applications.decide(session, actor=staff, application_id=big.id, decision="approve",
                        approved_amount=None, note="Clear plan with a market already found.")
    applications.decide(session, actor=admin, application_id=small.id, decision="approve",
                        approved_amount=None, note="Modest amount, steady demand.")
    context["printed"].append(
        f"grant program:   {PROGRAM_NAME} (one award awaits a second approval)")
