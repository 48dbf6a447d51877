"""Safeguards around money: grievances and the private check-in after a payout.

A grievance is read and handled by admins, never by a staff member who decided,
applied for or paid the application it is about. A check-in asks, privately and in
neutral words, whether the money arrived in full and whether the survivor kept all of
it; a "no" to either raises a grievance by itself.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.accounts.service import staff_read_user
from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, NotFound
from empower_api.grants.models import (
    CheckIn,
    Disbursement,
    GrantApplication,
    GrantDecision,
    Grievance,
    GrievanceAbout,
    GrievanceSource,
    GrievanceStatus,
)
from empower_api.notifications import service as notifications
from empower_api.pagination import Page, SortKey, paginate


def raise_grievance(session: Session, *, actor: User, data: dict[str, Any],
                    source: str = GrievanceSource.SURVIVOR) -> Grievance:
    """A survivor's grievance about their own application or its payout (404 for any
    other application: existence must not leak)."""
    application = session.get(GrantApplication, data["application_id"])
    if application is None or application.applicant_id != actor.id:
        raise NotFound("No such application.")
    grievance = Grievance(id=uuid.uuid4(), user_id=actor.id, about=data["about"],
                          application_id=application.id, details=data.get("details"),
                          source=source, status=GrievanceStatus.OPEN)
    session.add(grievance)
    session.flush()
    audit.record(session, action="grants.grievance.raise", actor=actor,
                 subject_type="grant_grievance", subject_id=grievance.id,
                 data={"about": grievance.about, "source": source})
    return grievance


def list_mine(session: Session, *, actor: User, limit: int, cursor: str | None
              ) -> Page[Grievance]:
    stmt = select(Grievance).where(Grievance.user_id == actor.id)
    return paginate(session, stmt, keys=[SortKey(Grievance.created_at, True),
                                         SortKey(Grievance.id, True)],
                    limit=limit, cursor=cursor, scope="grant-grievances-mine")


def _involved(staff_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Grievances about an application this staff member applied for, decided or paid."""
    decided = exists().where(GrantDecision.application_id == Grievance.application_id,
                             GrantDecision.staff_id == staff_id)
    paid = exists().where(Disbursement.application_id == Grievance.application_id,
                          Disbursement.paid_by_id == staff_id)
    applied = exists().where(GrantApplication.id == Grievance.application_id,
                             or_(GrantApplication.created_by_id == staff_id,
                                 GrantApplication.flags_overridden_by_id == staff_id))
    return or_(decided, paid, applied)


def list_for_admin(session: Session, *, actor: User, status: str | None, limit: int,
                   cursor: str | None) -> Page[Grievance]:
    """Grievances, oldest first, leaving out those about cases this admin was part of
    (without their details: read one with a reason for those)."""
    stmt = select(Grievance).where(~_involved(actor.id))
    if status:
        stmt = stmt.where(Grievance.status == status)
    return paginate(session, stmt, keys=[SortKey(Grievance.created_at), SortKey(Grievance.id)],
                    limit=limit, cursor=cursor, scope="grant-grievances-admin")


def admin_read(session: Session, *, actor: User, grievance_id: uuid.UUID,
               reason: str | None) -> Grievance:
    """One grievance with its details: needs ``X-Access-Reason`` (428 without) and is
    audited as a read of the survivor's record. 404 when the admin was part of the case."""
    grievance = session.scalar(select(Grievance).where(
        Grievance.id == grievance_id, ~_involved(actor.id)))
    if grievance is None:
        raise NotFound("No such grievance.")
    staff_read_user(session, actor=actor, user_id=grievance.user_id, reason=reason)
    return grievance


def handle(session: Session, *, actor: User, grievance_id: uuid.UUID, status: str,
           note: str | None) -> Grievance:
    """Move a grievance to ``in_review`` or ``resolved`` with a note (audited; the note is
    stored encrypted). 404 when the admin was part of the case."""
    grievance = session.scalar(select(Grievance).where(
        Grievance.id == grievance_id, ~_involved(actor.id)))
    if grievance is None:
        raise NotFound("No such grievance.")
    grievance.status, grievance.handled_by_id = status, actor.id
    if note is not None:
        grievance.resolution_note = note
    audit.record(session, action="grants.grievance.handle", actor=actor,
                 subject_type="grant_grievance", subject_id=grievance.id,
                 data={"status": status})
    session.flush()
    return grievance


def open_check_in(session: Session, disbursement: Disbursement) -> CheckIn:
    """The survivor's private check-in for a payout just marked paid (once)."""
    found = session.scalar(select(CheckIn).where(CheckIn.disbursement_id == disbursement.id))
    if found is not None:
        return found
    check_in = CheckIn(id=uuid.uuid4(), disbursement_id=disbursement.id,
                       user_id=disbursement.recipient_id)
    session.add(check_in)
    session.flush()
    send_check_in_notice(session, check_in)
    return check_in


def send_check_in_notice(session: Session, check_in: CheckIn) -> None:
    """The one place a check-in notification is sent: a neutral notice in the survivor's
    feed (``notifications.service.notify``) that names neither the grant nor the program."""
    notifications.notify(session, user_id=check_in.user_id, kind="check_in.new",
                         subject_type="check_in", subject_id=check_in.id)


def list_my_check_ins(session: Session, *, actor: User, limit: int, cursor: str | None
                      ) -> Page[CheckIn]:
    stmt = select(CheckIn).where(CheckIn.user_id == actor.id)
    return paginate(session, stmt, keys=[SortKey(CheckIn.created_at, True),
                                         SortKey(CheckIn.id, True)],
                    limit=limit, cursor=cursor, scope="grant-check-ins")


def answer_check_in(session: Session, *, actor: User, check_in_id: uuid.UUID,
                    received_in_full: bool, kept_all: bool) -> CheckIn:
    """Answer once (409 ``already_answered``). A "no" to either question raises a
    grievance about the payout on the survivor's behalf."""
    check_in = session.get(CheckIn, check_in_id)
    if check_in is None or check_in.user_id != actor.id:
        raise NotFound("No such check-in.")
    if check_in.answered_at is not None:
        raise Conflict("This check-in is already answered.", code="already_answered")
    check_in.received_in_full, check_in.kept_all = received_in_full, kept_all
    check_in.answered_at = utcnow()
    if not (received_in_full and kept_all):
        disbursement = session.get(Disbursement, check_in.disbursement_id)
        grievance = raise_grievance(
            session, actor=actor, source=GrievanceSource.CHECK_IN,
            data={"about": GrievanceAbout.PAYOUT,
                  "application_id": disbursement.application_id, "details": None})
        check_in.grievance_id = grievance.id
    session.flush()
    return check_in
