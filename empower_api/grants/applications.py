"""Applying for a grant and reviewing it: two-person approval at or above the program's
threshold, nobody decides a case they are linked to, budget and per-survivor caps
checked under the program lock, duplicates flagged before approval. Every decision is
audited; an approval writes its disbursement (the outbox row) in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from empower_api.accounts.models import Role, User
from empower_api.accounts.service import email_index, normalise_email, staff_read_user
from empower_api.audit import service as audit
from empower_api.consents.service import Purpose, has_consent
from empower_api.db import utcnow
from empower_api.errors import Conflict, Forbidden, Invalid, NotFound
from empower_api.grants import disbursements, programs
from empower_api.grants.models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationStatus,
    Caseload,
    Decision,
    GrantApplication,
    GrantDecision,
    PayoutAccount,
)
from empower_api.i18n import msg, plural
from empower_api.pagination import Page, SortKey, paginate, scoped

# Plans whose 64-bit SimHashes differ in at most this many bits count as near-identical.
SIMHASH_MAX_DISTANCE = 3
COUNTED_STATUSES = (*OPEN_APPLICATION_STATUSES, ApplicationStatus.APPROVED)


def _simhash(text: str) -> int | None:
    """SimHash (Charikar 2002) over word pairs, keyed so a hash reveals nothing by itself;
    returned signed to fit a BIGINT."""
    words = re.findall(r"\w+", text.lower())
    if not words:
        return None
    features = [" ".join(words[i:i + 2]) for i in range(max(1, len(words) - 1))]
    key = hashlib.sha256(current_app.config["PII_INDEX_KEY"].encode()).digest()
    weights = [0] * 64
    for feature in features:
        value = int.from_bytes(hashlib.blake2b(feature.encode(), key=key, digest_size=8).digest())
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    unsigned = sum(1 << bit for bit in range(64) if weights[bit] > 0)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def _distance(a: int, b: int) -> int:
    return ((a ^ b) & (1 << 64) - 1).bit_count()


def _identity_keys(session: Session, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, dict[str, set]]:
    """Per user: ``phone`` blind indexes (account phone, mobile-money number) and ``payout``
    keys (mobile-money index, Stripe account), for duplicate detection."""
    keys: dict[uuid.UUID, dict[str, set]] = {u: {"phone": set(), "payout": set()}
                                             for u in user_ids}
    for user_id, phone_index in session.execute(
            select(User.id, User.phone_index).where(User.id.in_(user_ids))):
        if phone_index:
            keys[user_id]["phone"].add(phone_index)
    for account in session.scalars(select(PayoutAccount).where(
            PayoutAccount.user_id.in_(user_ids))):
        if account.mobile_money_index:
            keys[account.user_id]["phone"].add(account.mobile_money_index)
            keys[account.user_id]["payout"].add(account.mobile_money_index)
        if account.stripe_account_id:
            keys[account.user_id]["payout"].add(account.stripe_account_id)
    return keys


def duplicate_flags(session: Session, application: GrantApplication) -> list[str]:
    """Why this application may duplicate another applicant's in the same program:
    ``same_payout_account``, ``same_phone``, ``similar_plan`` (sorted, possibly empty)."""
    others = session.execute(
        select(GrantApplication.applicant_id, GrantApplication.plan_simhash).where(
            GrantApplication.program_id == application.program_id,
            GrantApplication.applicant_id != application.applicant_id,
            GrantApplication.status != ApplicationStatus.WITHDRAWN)).all()
    if not others:
        return []
    keys = _identity_keys(session, {application.applicant_id, *(o[0] for o in others)})
    mine = keys[application.applicant_id]
    flags: set[str] = set()
    for other_id, simhash in others:
        theirs = keys[other_id]
        if mine["payout"] & theirs["payout"]:
            flags.add("same_payout_account")
        if mine["phone"] & theirs["phone"]:
            flags.add("same_phone")
        if (application.plan_simhash is not None and simhash is not None
                and _distance(application.plan_simhash, simhash) <= SIMHASH_MAX_DISTANCE):
            flags.add("similar_plan")
    return sorted(flags)


def _refresh_flags(session: Session, application: GrantApplication) -> None:
    """Flag this application and every open one it matches (both need review)."""
    application.flags = duplicate_flags(session, application)
    if not application.flags:
        return
    for other in session.scalars(select(GrantApplication).where(
            GrantApplication.program_id == application.program_id,
            GrantApplication.id != application.id,
            GrantApplication.status.in_(OPEN_APPLICATION_STATUSES))):
        flags = duplicate_flags(session, other)
        if flags != other.flags:
            other.flags = flags


def apply(session: Session, *, actor: User, program_id: uuid.UUID, data: dict[str, Any],
          applicant: User | None = None) -> GrantApplication:
    """Apply to an open program (``applicant`` set when staff apply on someone's behalf).

    ``requested_amount`` in minor units of the program's currency. Raises ``NotFound``,
    ``Conflict`` (``outside_window``, ``award_cap_reached``), ``Invalid`` (amount over the
    program's max award, answers not matching the questions)."""
    program = programs.get_program(session, program_id)
    if not programs.is_open(program):
        raise Conflict("This program is not taking applications now.", code="outside_window")
    if data["requested_amount"] > program.max_award_amount:
        raise Invalid("requested_amount", msg("The most this program awards is {amount}.",
                                              amount=program.max_award_amount))
    answers = list(data.get("answers") or [])
    if len(answers) != len(program.eligibility_questions):
        raise Invalid("answers", plural(
            "Answer the program's question.",
            "Answer each of the program's {num} questions, in order.",
            len(program.eligibility_questions)))
    applicant = applicant or actor
    # One person's applications one at a time, so the cap is counted under a lock.
    session.execute(select(User.id).where(User.id == applicant.id).with_for_update()
                    .execution_options(populate_existing=True))
    counted = session.scalar(select(func.count()).select_from(GrantApplication).where(
        GrantApplication.program_id == program.id, GrantApplication.applicant_id == applicant.id,
        GrantApplication.status.in_(COUNTED_STATUSES)))
    if counted >= program.awards_per_survivor:
        raise Conflict("You already have an application or award in this program.",
                       code="award_cap_reached")
    application = GrantApplication(
        id=uuid.uuid4(), program_id=program.id, applicant_id=applicant.id,
        created_by_id=actor.id if applicant is not actor else None, currency=program.currency,
        requested_amount=data["requested_amount"], purpose=data["purpose"], plan=data["plan"],
        answers=json.dumps(answers) if answers else None, plan_simhash=_simhash(data["plan"]),
        status=ApplicationStatus.SUBMITTED, flags=[],
    )
    session.add(application)
    session.flush()
    _refresh_flags(session, application)
    if applicant is not actor:
        audit.record(session, action="grants.application.create_on_behalf", actor=actor,
                     subject_type="grant_application", subject_id=application.id)
    session.flush()
    return application


def apply_on_behalf(session: Session, *, actor: User, data: dict[str, Any]) -> GrantApplication:
    """Staff apply for a survivor (who they are then linked to and may not decide for)."""
    applicant = session.get(User, data["user_id"])
    if applicant is None or applicant.erased_at is not None or applicant.role != Role.SURVIVOR:
        raise Invalid("user_id", "No survivor has this id.")
    return apply(session, actor=actor, program_id=data["program_id"], data=data,
                 applicant=applicant)


def own_application(session: Session, *, actor: User, application_id: uuid.UUID
                    ) -> GrantApplication:
    application = session.get(GrantApplication, application_id)
    if application is None or application.applicant_id != actor.id:
        raise NotFound("No such application.")  # another survivor's: existence must not leak
    return application


def withdraw(session: Session, *, actor: User, application_id: uuid.UUID) -> GrantApplication:
    """Withdraw one's own application before any decision (409 ``already_decided`` after)."""
    application = own_application(session, actor=actor, application_id=application_id)
    programs.lock_program(session, application.program_id)
    session.refresh(application)
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict("This application has already been decided on.", code="already_decided")
    application.status = ApplicationStatus.WITHDRAWN
    session.flush()
    return application


def list_mine(session: Session, *, actor: User, limit: int, cursor: str | None
              ) -> Page[GrantApplication]:
    stmt = select(GrantApplication).where(GrantApplication.applicant_id == actor.id)
    return paginate(session, stmt, keys=[SortKey(GrantApplication.created_at, True),
                                         SortKey(GrantApplication.id, True)],
                    limit=limit, cursor=cursor, scope="grant-applications-mine")


def list_for_staff(session: Session, *, status: str | None, program_id: uuid.UUID | None,
                   limit: int, cursor: str | None) -> Page[GrantApplication]:
    """Applications, oldest first (the review queue), filtered by status and program."""
    stmt = select(GrantApplication)
    if status:
        stmt = stmt.where(GrantApplication.status == status)
    if program_id:
        stmt = stmt.where(GrantApplication.program_id == program_id)
    return paginate(session, stmt, keys=[SortKey(GrantApplication.created_at),
                                         SortKey(GrantApplication.id)],
                    limit=limit, cursor=cursor, scope=scoped("grant-applications-staff",
                                 status=status, program_id=program_id))


def staff_read(session: Session, *, actor: User, application_id: uuid.UUID,
               reason: str | None) -> GrantApplication:
    """One application with its purpose and plan: needs ``X-Access-Reason``; audited.

    ``follow_up_contact`` (the applicant's e-mail and phone) is set only while the
    applicant allows ``grant_follow_up_contact``; otherwise it is None, and staff have
    no way to reach them about the grant outside the app."""
    application = session.get(GrantApplication, application_id)
    if application is None:
        raise NotFound("No such application.")
    applicant = staff_read_user(session, actor=actor, user_id=application.applicant_id,
                                reason=reason)
    allowed = has_consent(session, application.applicant_id, Purpose.GRANT_FOLLOW_UP_CONTACT)
    # Not a column: what this read may show, decided here, dumped by the detail schema.
    application.follow_up_contact = (  # type: ignore[attr-defined]
        {"email": applicant.email, "phone": applicant.phone} if allowed else None)
    return application


def is_linked(session: Session, *, staff_id: uuid.UUID, application: GrantApplication) -> bool:
    """The staff member applied on the survivor's behalf, is their caseworker, or is them."""
    if staff_id in (application.created_by_id, application.applicant_id):
        return True
    return session.scalar(select(Caseload.id).where(
        Caseload.staff_id == staff_id, Caseload.user_id == application.applicant_id)) is not None


def _approved_count(session: Session, application: GrantApplication) -> int:
    return session.scalar(select(func.count()).select_from(GrantApplication).where(
        GrantApplication.program_id == application.program_id,
        GrantApplication.applicant_id == application.applicant_id,
        GrantApplication.status == ApplicationStatus.APPROVED)) or 0


def decide(session: Session, *, actor: User, application_id: uuid.UUID, decision: str,
           approved_amount: int | None, note: str) -> GrantApplication:
    """Approve or reject. Under the program lock (concurrent approvals serialise there):

    - a linked staff member → 403 ``linked_to_case``; a decided case → 409 ``already_decided``;
    - an approval at or above ``dual_approval_threshold_amount`` first becomes
      ``awaiting_second_approval``; the same person approving again → 409 ``same_approver``;
    - committed + amount > budget → 409 ``budget_exceeded``; cap reached → 409
      ``award_cap_reached``; unreviewed duplicate flags → 409 ``duplicate_flagged``;
    - the final approval writes the disbursement (outbox) in this same transaction.
    """
    found = session.get(GrantApplication, application_id)
    if found is None:
        raise NotFound("No such application.")
    program = programs.lock_program(session, found.program_id)
    application = session.scalar(select(GrantApplication).where(
        GrantApplication.id == application_id).execution_options(populate_existing=True))
    if is_linked(session, staff_id=actor.id, application=application):
        raise Forbidden("You are linked to this person's case; another staff member decides.",
                        code="linked_to_case")
    if application.status not in OPEN_APPLICATION_STATUSES:
        raise Conflict("This application has already been decided on.", code="already_decided")
    if decision == Decision.REJECT:
        session.add(GrantDecision(application_id=application.id, staff_id=actor.id,
                                  decision=decision, amount=None, note=note))
        application.status = ApplicationStatus.REJECTED
        application.decision_note, application.decided_at = note, utcnow()
        audit.record(session, action="grants.application.reject", actor=actor,
                     subject_type="grant_application", subject_id=application.id)
        session.flush()
        return application
    awaiting = application.status == ApplicationStatus.AWAITING_SECOND_APPROVAL
    if awaiting:
        if application.first_approver_id == actor.id:
            raise Conflict("A second, different staff member must approve this award.",
                           code="same_approver")
        if approved_amount is not None and approved_amount != application.approved_amount:
            raise Invalid("approved_amount", "The second approval confirms the first "
                                             "approver's amount; reject to change it.")
        amount = int(application.approved_amount or 0)
    else:
        amount = application.requested_amount if approved_amount is None else approved_amount
        if amount > application.requested_amount:
            raise Invalid("approved_amount", "Approve at most the amount requested.")
        if amount > program.max_award_amount:
            raise Invalid("approved_amount", msg("The most this program awards is {amount}.",
                                                 amount=program.max_award_amount))
    application.flags = duplicate_flags(session, application)
    if application.flags and application.flags_overridden_by_id is None:
        raise Conflict("This application is flagged as a possible duplicate; review and "
                       "override the flag first.", code="duplicate_flagged")
    if _approved_count(session, application) >= program.awards_per_survivor:
        raise Conflict("This person already has the awards this program allows.",
                       code="award_cap_reached")
    committed = programs.committed_amount(session, program.id)
    if committed + amount > program.budget_amount:
        raise Conflict("Approving this would exceed the program's budget.",
                       code="budget_exceeded")
    data = {"amount": amount, "currency": program.currency}
    session.add(GrantDecision(application_id=application.id, staff_id=actor.id,
                              decision=decision, amount=amount, note=note))
    if not awaiting and amount >= program.dual_approval_threshold_amount:
        application.status = ApplicationStatus.AWAITING_SECOND_APPROVAL
        application.first_approver_id, application.approved_amount = actor.id, amount
        application.decision_note = note
        audit.record(session, action="grants.application.first_approval", actor=actor,
                     subject_type="grant_application", subject_id=application.id, data=data)
        session.flush()
        return application
    application.status = ApplicationStatus.APPROVED
    application.approved_amount, application.decision_note = amount, note
    application.decided_at = utcnow()
    audit.record(session, action="grants.application.approve", actor=actor,
                 subject_type="grant_application", subject_id=application.id, data=data)
    disbursements.create_for(session, application=application)
    return application


def override_flags(session: Session, *, actor: User, application_id: uuid.UUID,
                   reason: str) -> GrantApplication:
    """Clear a duplicate flag for approval with a stated reason (audited; the reason is
    kept encrypted, the audit log holds only that it happened)."""
    application = session.get(GrantApplication, application_id)
    if application is None:
        raise NotFound("No such application.")
    if is_linked(session, staff_id=actor.id, application=application):
        raise Forbidden("You are linked to this person's case; another staff member decides.",
                        code="linked_to_case")
    application.flags = duplicate_flags(session, application)
    if not application.flags:
        raise Conflict("This application is not flagged.", code="not_flagged")
    application.flags_overridden_by_id, application.flags_override_reason = actor.id, reason
    audit.record(session, action="grants.application.override_flags", actor=actor,
                 subject_type="grant_application", subject_id=application.id,
                 data={"flags": application.flags})
    session.flush()
    return application


def add_caseload(session: Session, *, actor: User, data: dict[str, Any]) -> Caseload:
    """Record that a staff member (``staff_id`` or ``staff_email``) is a survivor's
    caseworker. Raises ``Invalid`` naming the field; an existing link is returned as is."""
    if data.get("staff_id"):
        staff = session.get(User, data["staff_id"])
        field = "staff_id"
    elif data.get("staff_email"):
        staff = session.scalar(select(User).where(
            User.email_index == email_index(normalise_email(data["staff_email"]))))
        field = "staff_email"
    else:
        raise Invalid("staff_id", "Give staff_id or staff_email.")
    if staff is None or staff.role not in (Role.STAFF, Role.ADMIN) or staff.erased_at:
        raise Invalid(field, "No staff member matches.")
    survivor = session.get(User, data["user_id"])
    if survivor is None or survivor.role != Role.SURVIVOR or survivor.erased_at:
        raise Invalid("user_id", "No survivor has this id.")
    link = session.scalar(select(Caseload).where(Caseload.staff_id == staff.id,
                                                 Caseload.user_id == survivor.id))
    if link is None:
        link = Caseload(staff_id=staff.id, user_id=survivor.id)
        session.add(link)
        session.flush()
        audit.record(session, action="grants.caseload.add", actor=actor,
                     subject_type="user", subject_id=survivor.id)
    return link
