"""Export and erasure of a survivor's microgrant records.

Money records (applications' amounts and statuses, disbursements, attempts) stay
after erasure, linked to the pseudonymous tombstone account; the free text (purpose,
plan, answers, notes, grievance details, payout references and numbers) goes.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.accounts.service import register_eraser, register_exporter
from empower_api.grants.models import (
    Caseload,
    CheckIn,
    Disbursement,
    GrantApplication,
    GrantDecision,
    Grievance,
    PayoutAccount,
)
from empower_api.timefmt import rfc3339


@register_exporter("grants")
def export_grants(session: Session, user: User) -> dict[str, Any]:
    """Applications, disbursements, payout account, grievances and check-ins."""
    applications = list(session.scalars(select(GrantApplication).where(
        GrantApplication.applicant_id == user.id).order_by(GrantApplication.created_at)))
    disbursements = session.scalars(select(Disbursement).where(
        Disbursement.recipient_id == user.id).order_by(Disbursement.created_at))
    account = session.scalar(select(PayoutAccount).where(PayoutAccount.user_id == user.id))
    grievances = session.scalars(select(Grievance).where(Grievance.user_id == user.id)
                                 .order_by(Grievance.created_at))
    check_ins = session.scalars(select(CheckIn).where(CheckIn.user_id == user.id)
                                .order_by(CheckIn.created_at))
    return {
        "applications": [
            {"id": str(a.id), "program_id": str(a.program_id), "status": a.status,
             "currency": a.currency, "requested_amount": a.requested_amount,
             "approved_amount": a.approved_amount, "purpose": a.purpose, "plan": a.plan,
             "answers": json.loads(a.answers) if a.answers else [],
             "decision_reason": a.decision_note, "created_at": rfc3339(a.created_at),
             "decided_at": rfc3339(a.decided_at)} for a in applications],
        "disbursements": [
            {"id": str(d.id), "application_id": str(d.application_id), "amount": d.amount,
             "currency": d.currency, "method": d.method, "status": d.status,
             "reference": d.manual_reference or d.provider_reference,
             "paid_at": rfc3339(d.paid_at)} for d in disbursements],
        "payout_account": None if account is None else {
            "method": account.method, "status": account.status,
            "mobile_money_phone": account.mobile_money_phone,
            "stripe_account_id": account.stripe_account_id},
        "grievances": [
            {"id": str(g.id), "about": g.about, "application_id": str(g.application_id),
             "details": g.details, "status": g.status, "created_at": rfc3339(g.created_at)}
            for g in grievances],
        "check_ins": [
            {"id": str(c.id), "received_in_full": c.received_in_full, "kept_all": c.kept_all,
             "answered_at": rfc3339(c.answered_at)} for c in check_ins],
    }


@register_eraser
def erase_grants(session: Session, user: User) -> None:
    """Blank the free text; withdraw open applications; keep every amount and status."""
    ids = select(GrantApplication.id).where(GrantApplication.applicant_id == user.id)
    session.execute(update(GrantApplication).where(GrantApplication.applicant_id == user.id)
                    .values(purpose=None, plan=None, answers=None, plan_simhash=None,
                            decision_note=None, flags_override_reason=None))
    session.execute(update(GrantApplication).where(
        GrantApplication.applicant_id == user.id,
        GrantApplication.status.in_(("submitted", "awaiting_second_approval")))
        .values(status="withdrawn"))
    session.execute(update(GrantDecision).where(GrantDecision.application_id.in_(ids))
                    .values(note=None))
    session.execute(update(Disbursement).where(Disbursement.recipient_id == user.id)
                    .values(manual_reference=None))
    session.execute(update(Grievance).where(Grievance.user_id == user.id)
                    .values(details=None, resolution_note=None))
    session.execute(update(PayoutAccount).where(PayoutAccount.user_id == user.id)
                    .values(mobile_money_phone=None, mobile_money_index=None))
    session.execute(delete(Caseload).where(Caseload.user_id == user.id))
