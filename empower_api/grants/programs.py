"""Grant programs: creation by staff, the open list, the program lock and the report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.errors import Invalid, NotFound
from empower_api.grants.models import (
    Disbursement,
    DisbursementStatus,
    GrantApplication,
    GrantProgram,
)
from empower_api.pagination import Page, SortKey, paginate


def create_program(session: Session, *, actor: User, data: dict[str, Any]) -> GrantProgram:
    """Create a program. Amounts are minor units of ``currency``; the window is
    ``opens_at`` ≤ now < ``closes_at`` (UTC). Raises ``Invalid`` naming the field."""
    if data["closes_at"] <= data["opens_at"]:
        raise Invalid("closes_at", "The program must close after it opens.")
    if data["max_award_amount"] > data["budget_amount"]:
        raise Invalid("max_award_amount", "The largest award cannot exceed the budget.")
    program = GrantProgram(
        id=uuid.uuid4(), name=data["name"], description=data.get("description") or "",
        currency=data["currency"].upper(), budget_amount=data["budget_amount"],
        max_award_amount=data["max_award_amount"],
        dual_approval_threshold_amount=data["dual_approval_threshold_amount"],
        opens_at=data["opens_at"], closes_at=data["closes_at"],
        awards_per_survivor=data.get("awards_per_survivor", 1),
        eligibility_questions=list(data.get("eligibility_questions") or []),
        created_by_id=actor.id,
    )
    session.add(program)
    session.flush()
    audit.record(session, action="grants.program.create", actor=actor,
                 subject_type="grant_program", subject_id=program.id,
                 data={"currency": program.currency, "budget_amount": program.budget_amount})
    return program


def is_open(program: GrantProgram, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return program.opens_at <= now < program.closes_at


def get_program(session: Session, program_id: uuid.UUID) -> GrantProgram:
    program = session.get(GrantProgram, program_id)
    if program is None:
        raise NotFound("No such grant program.")
    return program


def lock_program(session: Session, program_id: uuid.UUID) -> GrantProgram:
    """The program row under ``SELECT … FOR UPDATE``, re-read after the lock is granted
    (``populate_existing``: attributes loaded earlier in this session may be stale)."""
    program = session.scalar(
        select(GrantProgram).where(GrantProgram.id == program_id)
        .with_for_update().execution_options(populate_existing=True)
    )
    if program is None:
        raise NotFound("No such grant program.")
    return program


def committed_amount(session: Session, program_id: uuid.UUID) -> int:
    """Minor units promised by approvals: every disbursement not failed (a failed or
    reversed one has released its commitment). Read it under the program lock."""
    return int(session.scalar(
        select(func.coalesce(func.sum(Disbursement.amount), 0)).where(
            Disbursement.program_id == program_id,
            Disbursement.status != DisbursementStatus.FAILED)
    ) or 0)


def list_open(session: Session, *, limit: int, cursor: str | None) -> Page[GrantProgram]:
    """Programs open now, closing soonest first."""
    now = utcnow()
    stmt = select(GrantProgram).where(GrantProgram.opens_at <= now, GrantProgram.closes_at > now)
    return paginate(session, stmt, keys=[SortKey(GrantProgram.closes_at), SortKey(GrantProgram.id)],
                    limit=limit, cursor=cursor, scope="grant-programs-open")


def list_all(session: Session, *, limit: int, cursor: str | None) -> Page[GrantProgram]:
    """Every program, newest first (staff)."""
    return paginate(session, select(GrantProgram),
                    keys=[SortKey(GrantProgram.created_at, True), SortKey(GrantProgram.id, True)],
                    limit=limit, cursor=cursor, scope="grant-programs-all")


def report(session: Session, *, program_id: uuid.UUID) -> dict[str, Any]:
    """``budget_amount``, ``committed_amount`` (approved, not failed), ``disbursed_amount``
    (paid), ``remaining_amount``, and counts of applications and disbursements by status."""
    program = get_program(session, program_id)
    committed = committed_amount(session, program_id)
    disbursed = int(session.scalar(
        select(func.coalesce(func.sum(Disbursement.amount), 0)).where(
            Disbursement.program_id == program_id,
            Disbursement.status == DisbursementStatus.PAID)) or 0)
    applications = dict(session.execute(
        select(GrantApplication.status, func.count()).where(
            GrantApplication.program_id == program_id).group_by(GrantApplication.status)).all())
    disbursements = dict(session.execute(
        select(Disbursement.status, func.count()).where(
            Disbursement.program_id == program_id).group_by(Disbursement.status)).all())
    return {
        "program_id": program.id, "currency": program.currency,
        "budget_amount": program.budget_amount, "committed_amount": committed,
        "disbursed_amount": disbursed, "remaining_amount": program.budget_amount - committed,
        "applications_by_status": applications, "disbursements_by_status": disbursements,
    }
