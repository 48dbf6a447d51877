"""Jobs: employers and their members, vetting, postings, saved jobs and searches.

Functions take the session explicitly and only flush; the request commits once.
Every function that touches one object checks the actor may see or change it.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import datetime, timedelta
from typing import Any

import marshmallow as ma
import structlog
from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from empower_api.accounts import service as accounts
from empower_api.accounts.models import Role, User
from empower_api.audit import service as audit
from empower_api.db import add_once, utcnow
from empower_api.errors import Conflict, Forbidden, Invalid, NotFound, flatten_messages
from empower_api.i18n import N_, msg, negotiate, translate_in
from empower_api.i18n.labels import label
from empower_api.jobs.models import (
    CATEGORY_LABELS,
    MODERATION_STATUSES,
    Employer,
    EmployerInvitation,
    EmployerMember,
    InvitationStatus,
    Job,
    JobCategory,
    JobStatus,
    MemberRole,
    SavedJob,
    SavedSearch,
    VettingStatus,
    Workplace,
    search_rowid_for,
)
from empower_api.jobs.schemas import JobSearchFiltersSchema
from empower_api.jobs.search import (
    Personal,
    SearchParams,
    canonical_languages,
    canonical_skills,
    facet_tokens,
    place_key,
    query_words,
    search_jobs,
    search_text,
)
from empower_api.moderation import personal, scam
from empower_api.money import MINOR_UNIT_DIGITS, to_major
from empower_api.pagination import (
    Page,
    SortKey,
    decode_cursor,
    encode_cursor,
    paginate,
    query_scope,
)
from empower_api.timefmt import rfc3339

log = structlog.get_logger(__name__)

VETTING_MONTHS = 12
DEFAULT_VALIDITY = timedelta(days=60)
MAX_VALIDITY = timedelta(days=180)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later (the 29th of February becomes the 28th)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- employers and members --------------------------------------------------------------


def _membership(session: Session, *, user: User, employer_id: uuid.UUID) -> EmployerMember | None:
    return session.scalar(select(EmployerMember).where(
        EmployerMember.employer_id == employer_id, EmployerMember.user_id == user.id))


def _member_employer(session: Session, *, actor: User, employer_id: uuid.UUID) -> Employer:
    """The employer, if ``actor`` is one of its members; otherwise 403."""
    employer = session.get(Employer, employer_id)
    if employer is None or _membership(session, user=actor, employer_id=employer_id) is None:
        raise Forbidden("You are not a member of this employer.")
    return employer


def create_employer(session: Session, *, actor: User, data: dict[str, Any]) -> Employer:
    """Register an organisation; it starts ``pending`` and its creator is its owner.

    ``country`` (ISO 3166-1 alpha-2, checked by the schema) defaults to the
    ``DEFAULT_COUNTRY`` setting.
    """
    accounts.require_role(actor, [Role.EMPLOYER])
    commitments = dict(data["commitments"])
    commitments["language_support"] = canonical_languages(commitments["language_support"])
    employer = Employer(
        id=uuid.uuid4(), name=data["name"].strip(), description=data["description"].strip(),
        country=data.get("country") or current_app.config["DEFAULT_COUNTRY"],
        region=data["region"].strip(), city=data["city"].strip(), website=data.get("website"),
        commitments=commitments, vetting_status=VettingStatus.PENDING,
    )
    session.add(employer)
    session.flush()
    session.add(EmployerMember(employer_id=employer.id, user_id=actor.id, role=MemberRole.OWNER))
    session.flush()
    return employer


def get_employer(session: Session, *, actor: User | None, employer_id: uuid.UUID) -> Employer:
    """Public while vetted; members and staff always; otherwise it does not exist."""
    employer = session.get(Employer, employer_id)
    if employer is None:
        raise NotFound("No such employer.")
    if employer.is_vetted(utcnow()):
        return employer
    if actor is not None and (
        actor.is_staff or _membership(session, user=actor, employer_id=employer.id)
    ):
        return employer
    raise NotFound("No such employer.")


def list_my_employers(session: Session, *, actor: User) -> list[Employer]:
    return list(session.scalars(
        select(Employer).join(EmployerMember, EmployerMember.employer_id == Employer.id)
        .where(EmployerMember.user_id == actor.id).order_by(Employer.name, Employer.id)
    ))


def _invitation_view(invitation: EmployerInvitation, employer: Employer) -> dict[str, Any]:
    return {"id": invitation.id, "employer_id": employer.id, "employer_name": employer.name,
            "status": invitation.status, "created_at": invitation.created_at,
            "decided_at": invitation.decided_at}


def invite_member(session: Session, *, actor: User, employer_id: uuid.UUID,
                  email: str) -> dict[str, Any]:
    """A member invites an e-mail address to join the organisation.

    The answer is the same whether or not the address has an account, of any role, or
    is a member already (no account details, no existence oracle). Inviting the same
    address again returns the same invitation, pending again if it was declined.
    """
    employer = _member_employer(session, actor=actor, employer_id=employer_id)
    index = accounts.email_index(accounts.normalise_email(email))
    invitation = session.scalar(select(EmployerInvitation).where(
        EmployerInvitation.employer_id == employer.id, EmployerInvitation.email_index == index))
    if invitation is None:
        invitation = EmployerInvitation(id=uuid.uuid4(), employer_id=employer.id,
                                        email_index=index, invited_by_id=actor.id,
                                        status=InvitationStatus.PENDING, created_at=utcnow())
        session.add(invitation)
    elif invitation.status == InvitationStatus.DECLINED:
        invitation.status, invitation.decided_at = InvitationStatus.PENDING, None
        invitation.invited_by_id = actor.id
    session.flush()
    return _invitation_view(invitation, employer)


def my_invitations(session: Session, *, actor: User) -> list[dict[str, Any]]:
    """Pending invitations addressed to the caller's e-mail address, newest first."""
    if not actor.email_index:
        return []
    rows = session.execute(
        select(EmployerInvitation, Employer)
        .join(Employer, Employer.id == EmployerInvitation.employer_id)
        .where(EmployerInvitation.email_index == actor.email_index,
               EmployerInvitation.status == InvitationStatus.PENDING)
        .order_by(EmployerInvitation.created_at.desc(), EmployerInvitation.id))
    return [_invitation_view(invitation, employer) for invitation, employer in rows]


def _my_invitation(session: Session, actor: User, invitation_id: uuid.UUID
                   ) -> tuple[EmployerInvitation, Employer]:
    row = session.execute(
        select(EmployerInvitation, Employer)
        .join(Employer, Employer.id == EmployerInvitation.employer_id)
        .where(EmployerInvitation.id == invitation_id)
        .with_for_update(of=EmployerInvitation).execution_options(populate_existing=True)
    ).first()
    # Someone else's invitation does not exist for the caller.
    if row is None or not actor.email_index or row[0].email_index != actor.email_index:
        raise NotFound("No such invitation.")
    return row[0], row[1]


def accept_invitation(session: Session, *, actor: User,
                      invitation_id: uuid.UUID) -> dict[str, Any]:
    """The invitee (an employer account) joins; accepting again answers the same."""
    invitation, employer = _my_invitation(session, actor, invitation_id)
    accounts.require_role(actor, [Role.EMPLOYER])
    if invitation.status == InvitationStatus.DECLINED:
        raise Conflict("This invitation was declined.", code="invitation_declined")
    if _membership(session, user=actor, employer_id=employer.id) is None:
        session.add(EmployerMember(employer_id=employer.id, user_id=actor.id,
                                   role=MemberRole.MEMBER, invited_by_id=invitation.invited_by_id))
    if invitation.status == InvitationStatus.PENDING:
        invitation.status, invitation.decided_at = InvitationStatus.ACCEPTED, utcnow()
    session.flush()
    return _invitation_view(invitation, employer)


def decline_invitation(session: Session, *, actor: User,
                       invitation_id: uuid.UUID) -> dict[str, Any]:
    """The invitee says no; declining again answers the same."""
    invitation, employer = _my_invitation(session, actor, invitation_id)
    if invitation.status == InvitationStatus.ACCEPTED:
        raise Conflict("This invitation was accepted.", code="invitation_accepted")
    if invitation.status == InvitationStatus.PENDING:
        invitation.status, invitation.decided_at = InvitationStatus.DECLINED, utcnow()
    session.flush()
    return _invitation_view(invitation, employer)


def _member_view(member: EmployerMember, user: User) -> dict[str, Any]:
    return {"user_id": user.id, "display_name": user.display_name, "role": member.role,
            "joined_at": member.created_at}


def list_members(session: Session, *, actor: User, employer_id: uuid.UUID) -> list[dict[str, Any]]:
    employer = _member_employer(session, actor=actor, employer_id=employer_id)
    rows = session.execute(
        select(EmployerMember, User).join(User, User.id == EmployerMember.user_id)
        .where(EmployerMember.employer_id == employer.id).order_by(EmployerMember.created_at)
    )
    return [_member_view(member, user) for member, user in rows]


# --- vetting --------------------------------------------------------------------------------


_DECISIONS: dict[str, tuple[str, set[str]]] = {
    # decision: (new status, statuses it may be taken from)
    "approve": (VettingStatus.VETTED, {s.value for s in VettingStatus}),
    "reject": (VettingStatus.REJECTED, {VettingStatus.PENDING, VettingStatus.EXPIRED,
                                        VettingStatus.SUSPENDED, VettingStatus.REJECTED}),
    "suspend": (VettingStatus.SUSPENDED, {VettingStatus.VETTED, VettingStatus.EXPIRED}),
}


_VETTING_REFUSED = {
    "approve": N_("This employer cannot be approved now (vetting: {status})."),
    "reject": N_("This employer cannot be rejected now (vetting: {status}). Suspend it instead."),
    "suspend": N_("This employer cannot be suspended now (vetting: {status})."),
}


def decide_vetting(session: Session, *, actor: User, employer_id: uuid.UUID, decision: str,
                   note: str) -> Employer:
    """Staff approve (for 12 months), reject or suspend an employer; audited."""
    if not actor.is_staff:
        raise Forbidden("Only staff can vet employers.")
    # Re-read under the lock: an earlier load in this request may be stale.
    employer = session.get(Employer, employer_id, with_for_update=True, populate_existing=True)
    if employer is None:
        raise NotFound("No such employer.")
    now = utcnow()
    before = employer.effective_status(now)
    new_status, allowed_from = _DECISIONS[decision]
    if before not in allowed_from:
        raise Conflict(msg(_VETTING_REFUSED[decision], status=label("vetting_status", before)),
                       code="vetting_transition")
    employer.vetting_status = new_status
    employer.vetted_until = add_months(now, VETTING_MONTHS) if decision == "approve" else None
    employer.vetting_decided_at = now
    session.flush()
    audit.record(
        session, action=f"jobs.employer.vetting.{decision}", actor=actor,
        subject_type="employer", subject_id=employer.id, reason=note,
        data={"from": before, "to": new_status,
              "vetted_until": rfc3339(employer.vetted_until)},
    )
    log.info("employer_vetting_decided", employer_id=str(employer.id), decision=decision)
    return employer


def vetting_decisions(employer: Employer, now: datetime | None = None) -> list[str]:
    """The decisions :func:`decide_vetting` accepts for this employer now, in the order
    approve, reject, suspend (the staff console offers only these)."""
    status = employer.effective_status(now or utcnow())
    return [decision for decision, (_new, allowed) in _DECISIONS.items() if status in allowed]


def list_employers_for_vetting(session: Session, *, actor: User, status: str, limit: int,
                               cursor: str | None) -> Page[Employer]:
    """Staff's queue: employers in one vetting status, oldest first."""
    if not actor.is_staff:
        raise Forbidden("Only staff can see the vetting queue.")
    now = utcnow()
    stmt = select(Employer)
    if status == VettingStatus.EXPIRED:
        stmt = stmt.where(
            (Employer.vetting_status == VettingStatus.EXPIRED)
            | ((Employer.vetting_status == VettingStatus.VETTED) & (Employer.vetted_until <= now)))
    elif status == VettingStatus.VETTED:
        stmt = stmt.where(Employer.vetting_status == status, Employer.vetted_until > now)
    else:
        stmt = stmt.where(Employer.vetting_status == status)
    return paginate(session, stmt, keys=[SortKey(Employer.created_at), SortKey(Employer.id)],
                    limit=limit, cursor=cursor, scope=f"vetting:{status}")


def expire_vetting(session: Session, *, now: datetime | None = None) -> int:
    """Mark approvals that ran out as expired (the read path already treats them so)."""
    now = now or utcnow()
    lapsed = list(session.scalars(select(Employer).where(
        Employer.vetting_status == VettingStatus.VETTED, Employer.vetted_until <= now)))
    for employer in lapsed:
        employer.vetting_status = VettingStatus.EXPIRED
        audit.record(session, action="jobs.employer.vetting.expire", subject_type="employer",
                     subject_id=employer.id, data={"from": VettingStatus.VETTED,
                                                   "to": VettingStatus.EXPIRED})
    session.flush()
    return len(lapsed)


# --- postings ---------------------------------------------------------------------------------


def _index_for_search(job: Job, employer: Employer) -> None:
    job.category = job.category or JobCategory.OTHER  # the column default, before a flush
    job.search_title = search_text(job.title, " ".join(job.skills or []), employer.name)
    job.search_body = search_text(job.description)
    job.region_key = place_key(job.region)
    job.city_key = place_key(job.city)
    job.search_facets = facet_tokens(
        employer_id=job.employer_id, country=job.country, region_key=job.region_key,
        city_key=job.city_key,
        workplace=job.workplace, employment_type=job.employment_type,
        background_check=job.background_check, flexible_schedule=job.flexible_schedule,
        skills=job.skills or [], languages=job.languages or [], category=job.category)


def _apply(job: Job, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if key == "languages":
            value = canonical_languages(value)
        elif key == "skills":
            value = canonical_skills(value)
        elif key in ("title", "description", "region", "city"):
            value = value.strip()
        setattr(job, key, value)
    if job.pay_max_amount < job.pay_min_amount:
        raise Invalid("pay_max_amount", "The most it pays cannot be less than the least.")


def _publish(job: Job, now: datetime) -> None:
    if job.published_at is None:
        job.published_at = now
    if job.valid_through is None:
        job.valid_through = now + DEFAULT_VALIDITY
    if job.valid_through <= now:
        raise Invalid("valid_through", "Choose a moment in the future.")
    if job.valid_through > now + MAX_VALIDITY:
        raise Invalid("valid_through", "A posting can stay open for at most 180 days.")
    job.status = JobStatus.PUBLISHED


def _require_vetted(employer: Employer) -> None:
    if not employer.is_vetted(utcnow()):
        raise Forbidden("This employer is not vetted right now, so it cannot post jobs.",
                        code="employer_not_vetted")


def create_job(session: Session, *, actor: User, data: dict[str, Any]) -> Job:
    """A member of a vetted employer creates a posting (draft or published); without a
    ``country`` it is in its employer's country."""
    employer = _member_employer(session, actor=actor, employer_id=data["employer_id"])
    _require_vetted(employer)
    fields = {k: v for k, v in data.items() if k not in ("employer_id", "status")}
    job_id = uuid.uuid4()
    job = Job(id=job_id, employer_id=employer.id, created_by_id=actor.id,
              search_rowid=search_rowid_for(job_id), status=JobStatus.DRAFT,
              category=fields.pop("category", JobCategory.OTHER),
              country=fields.pop("country", None) or employer.country)
    job.employer = employer
    _apply(job, fields)
    if data.get("status") == JobStatus.PUBLISHED:
        _publish(job, utcnow())
    _index_for_search(job, employer)
    session.add(job)
    session.flush()
    scam.hold_if_suspicious(session, job, first_publication=True, actor=actor)
    return job


def _load_job(session: Session, job_id: uuid.UUID, *, lock: bool = False) -> Job | None:
    stmt = select(Job).options(joinedload(Job.employer)).where(Job.id == job_id)
    if lock:
        stmt = stmt.with_for_update(of=Job).execution_options(populate_existing=True)
    return session.scalar(stmt)


def is_public(job: Job, now: datetime) -> bool:
    return (job.status == JobStatus.PUBLISHED and job.valid_through is not None
            and job.valid_through > now and job.employer.is_vetted(now))


def get_job(session: Session, *, actor: User | None, job_id: uuid.UUID) -> Job:
    """Public postings to anyone; drafts, closed and hidden ones to members and staff."""
    job = _load_job(session, job_id)
    if job is None:
        raise NotFound("No such job.")
    if is_public(job, utcnow()):
        return job
    if actor is not None and (
        actor.is_staff or _membership(session, user=actor, employer_id=job.employer_id)
    ):
        return job
    raise NotFound("No such job.")


def _member_job(session: Session, *, actor: User, job_id: uuid.UUID) -> Job:
    job = _load_job(session, job_id, lock=True)
    if job is None:
        raise NotFound("No such job.")
    if _membership(session, user=actor, employer_id=job.employer_id) is None:
        if is_public(job, utcnow()):
            raise Forbidden("Only the employer's members can change this job.")
        raise NotFound("No such job.")
    return job


def _refuse_if_moderated(job: Job) -> None:
    """Held, hidden and removed postings wait for (or got) a staff decision: 409."""
    if job.status == JobStatus.REMOVED:
        raise Conflict("This job was removed by moderation.", code="job_removed")
    if job.status in MODERATION_STATUSES:
        raise Conflict("This job is waiting for a review by staff; it cannot be changed "
                       "until then.", code="job_under_review")


def update_job(session: Session, *, actor: User, job_id: uuid.UUID, data: dict[str, Any]) -> Job:
    """Edit, publish or unpublish a posting; closed postings stay closed, and postings
    under moderation wait for staff (409). Publishing text with scam signals holds
    the posting for staff instead (``moderation.scam``)."""
    job = _member_job(session, actor=actor, job_id=job_id)
    if job.status == JobStatus.CLOSED:
        raise Conflict("This job is closed.", code="job_closed")
    _refuse_if_moderated(job)
    _require_vetted(job.employer)
    was_published = job.status == JobStatus.PUBLISHED
    status = data.get("status")
    _apply(job, {k: v for k, v in data.items() if k != "status"})
    if status == JobStatus.PUBLISHED or (status is None and job.status == JobStatus.PUBLISHED):
        _publish(job, utcnow())
    elif status == JobStatus.DRAFT:
        job.status = JobStatus.DRAFT
    _index_for_search(job, job.employer)
    session.flush()
    scam.hold_if_suspicious(session, job, first_publication=not was_published, actor=actor)
    return job


def close_job(session: Session, *, actor: User, job_id: uuid.UUID) -> Job:
    """Close a posting for good (members may always close, vetted or not)."""
    job = _member_job(session, actor=actor, job_id=job_id)
    _refuse_if_moderated(job)
    if job.status != JobStatus.CLOSED:
        job.status = JobStatus.CLOSED
        job.closed_at = utcnow()
        session.flush()
    return job


def close_expired_jobs(session: Session, *, now: datetime | None = None) -> int:
    """Close published postings whose ``valid_through`` has passed."""
    now = now or utcnow()
    result = session.execute(
        update(Job).where(Job.status == JobStatus.PUBLISHED, Job.valid_through <= now)
        .values(status=JobStatus.CLOSED, closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def list_employer_jobs(session: Session, *, actor: User, employer_id: uuid.UUID,
                       status: str | None, limit: int, cursor: str | None) -> Page[Job]:
    """Every posting of an employer, drafts included (members only), newest first."""
    employer = _member_employer(session, actor=actor, employer_id=employer_id)
    stmt = (select(Job).options(joinedload(Job.employer))
            .where(Job.employer_id == employer.id))
    if status:
        stmt = stmt.where(Job.status == status)
    return paginate(session, stmt,
                    keys=[SortKey(Job.created_at, descending=True),
                          SortKey(Job.id, descending=True)],
                    limit=limit, cursor=cursor, scope=f"employer-jobs:{employer.id}")


def search(session: Session, *, query: dict[str, Any],
           personal_filter: Personal | None = None) -> Page[Job]:
    """``GET /jobs``: see ``search.search_jobs``; ``personal_filter`` leaves out what a
    signed-in survivor blocked or excluded (``moderation.personal.personal_filter``)."""
    return search_jobs(session, params=SearchParams.from_query(query),
                       limit=query["limit"], cursor=query.get("cursor"),
                       personal=personal_filter, cursor_scope=query_scope("jobs", query))


# --- schema.org JobPosting --------------------------------------------------------------

_SCHEMA_ORG_EMPLOYMENT = {
    "full_time": "FULL_TIME", "part_time": "PART_TIME", "contract": "CONTRACTOR",
    "temporary": "TEMPORARY", "internship": "INTERN",
}


def _major_number(amount: int, currency: str) -> int | float:
    # JSON has only one number type. The exact decimal is built first; the float's
    # shortest repr prints that same decimal for every amount below 2**53 minor units.
    value = to_major(amount, currency)
    return int(value) if MINOR_UNIT_DIGITS[currency] == 0 else float(value)


def job_posting_jsonld(session: Session, *, job_id: uuid.UUID) -> dict[str, Any]:
    """A schema.org ``JobPosting`` for a public posting, with the properties Google's
    job search requires and recommends (Search Central, "Job posting structured data").

    On-site and hybrid postings have a ``jobLocation`` whose address carries the
    country (ISO 3166-1 alpha-2, which Google accepts for ``addressCountry``) beside
    the free-text region and city. Remote postings are ``TELECOMMUTE`` and say where
    applicants may live: their country, as a schema.org ``Country``.
    """
    job = get_job(session, actor=None, job_id=job_id)
    employer = job.employer
    if job.published_at is None or job.valid_through is None:  # public implies both set
        raise NotFound("No such job.")
    organization: dict[str, Any] = {"@type": "Organization", "name": employer.name}
    if employer.website:
        organization["sameAs"] = employer.website
    doc: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": job.title,
        "description": job.description,
        "identifier": {"@type": "PropertyValue", "name": employer.name, "value": str(job.id)},
        "datePosted": rfc3339(job.published_at),
        "validThrough": rfc3339(job.valid_through),
        "employmentType": _SCHEMA_ORG_EMPLOYMENT[job.employment_type],
        "hiringOrganization": organization,
        "baseSalary": {
            "@type": "MonetaryAmount",
            "currency": job.currency,
            "value": {
                "@type": "QuantitativeValue",
                "minValue": _major_number(job.pay_min_amount, job.currency),
                "maxValue": _major_number(job.pay_max_amount, job.currency),
                "unitText": job.pay_period.upper(),
            },
        },
        "skills": ", ".join(job.skills or []),
        # In the posting's own language (its inLanguage), whatever the reader's; English
        # when that language has no catalog.
        "industry": translate_in(negotiate((job.languages or ["en"])[0]),
                                 CATEGORY_LABELS[job.category][0]),
        "directApply": False,
    }
    if job.languages:
        doc["inLanguage"] = job.languages[0]
    if job.workplace == Workplace.REMOTE:
        doc["jobLocationType"] = "TELECOMMUTE"
        doc["applicantLocationRequirements"] = {"@type": "Country", "name": job.country}
    else:
        doc["jobLocation"] = {"@type": "Place", "address": {
            "@type": "PostalAddress", "addressLocality": job.city,
            "addressRegion": job.region, "addressCountry": job.country}}
    return doc


# --- saved jobs ----------------------------------------------------------------------------


def save_job(session: Session, *, actor: User, job_id: uuid.UUID) -> None:
    """Idempotent: saving a saved job again changes nothing."""
    existing = session.get(SavedJob, (actor.id, job_id))
    if existing is not None:
        return
    job = _load_job(session, job_id)
    if job is None or not is_public(job, utcnow()):
        raise NotFound("No such job.")
    add_once(session, SavedJob(user_id=actor.id, job_id=job_id))


def unsave_job(session: Session, *, actor: User, job_id: uuid.UUID) -> None:
    """Idempotent: removing a job that is not saved is not an error."""
    session.execute(delete(SavedJob).where(SavedJob.user_id == actor.id,
                                           SavedJob.job_id == job_id))
    session.flush()


def list_saved_jobs(session: Session, *, actor: User, limit: int,
                    cursor: str | None) -> Page[dict[str, Any]]:
    """Saved jobs, newest first; one that is no longer open shows ``available: false``."""
    stmt = (select(SavedJob, Job).join(Job, Job.id == SavedJob.job_id)
            .options(joinedload(Job.employer)).where(SavedJob.user_id == actor.id))
    scope = "saved-jobs"
    if cursor:
        saved_at, last_job_id = decode_cursor(cursor, scope, 2)
        stmt = stmt.where((SavedJob.created_at < saved_at)
                          | ((SavedJob.created_at == saved_at) & (SavedJob.job_id < last_job_id)))
    rows = list(session.execute(
        stmt.order_by(SavedJob.created_at.desc(), SavedJob.job_id.desc()).limit(limit + 1)))
    now = utcnow()
    items = [
        {"job_id": saved.job_id, "created_at": saved.created_at,
         "available": is_public(job, now), "job": job if is_public(job, now) else None}
        for saved, job in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor([last.created_at, last.job_id], scope)
    return Page(items=items, next_cursor=next_cursor)


# --- saved searches ----------------------------------------------------------------------


def _validated_query(query: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the query as stored, the query as loaded) or a 422 naming ``query.<key>``."""
    stored = {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in query.items()}
    try:
        loaded = JobSearchFiltersSchema().load(stored)
    except ma.ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {}
        # A list item's messages ({0: [...]}) belong to the filter itself.
        raise Invalid(errors={f"query.{key}": [text for texts in flatten_messages(
            {"query": value}).values() for text in texts] for key, value in messages.items()}
            or {"query": [N_("Not valid.")]})
    try:
        query_words(loaded.get("q"))
    except Invalid as error:
        raise Invalid(errors={f"query.{k}": v for k, v in error.errors.items()})
    return stored, loaded


def create_saved_search(session: Session, *, actor: User, data: dict[str, Any]) -> SavedSearch:
    """Save a search; its matches are postings published from now on."""
    stored, _loaded = _validated_query(data["query"])
    saved = SavedSearch(id=uuid.uuid4(), user_id=actor.id, name=data["name"].strip(),
                        query=stored, last_read_at=utcnow())
    session.add(saved)
    session.flush()
    return saved


def _own_saved_search(session: Session, *, actor: User, search_id: uuid.UUID) -> SavedSearch:
    saved = session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != actor.id:
        raise NotFound("No such saved search.")
    return saved


def get_saved_search(session: Session, *, actor: User, search_id: uuid.UUID) -> SavedSearch:
    return _own_saved_search(session, actor=actor, search_id=search_id)


def delete_saved_search(session: Session, *, actor: User, search_id: uuid.UUID) -> None:
    session.delete(_own_saved_search(session, actor=actor, search_id=search_id))
    session.flush()


def list_saved_searches(session: Session, *, actor: User, limit: int,
                        cursor: str | None) -> Page[SavedSearch]:
    return paginate(session, select(SavedSearch).where(SavedSearch.user_id == actor.id),
                    keys=[SortKey(SavedSearch.created_at, descending=True),
                          SortKey(SavedSearch.id, descending=True)],
                    limit=limit, cursor=cursor, scope="saved-searches")


def saved_search_matches(session: Session, *, actor: User, search_id: uuid.UUID, limit: int,
                         cursor: str | None) -> Page[Job]:
    """Postings published since the search was last read, newest first.

    Reading the first page marks the search read up to now; the cursor carries that
    window, so later pages list exactly the rest of it.
    """
    saved = _own_saved_search(session, actor=actor, search_id=search_id)
    scope = f"saved-search:{saved.id}"
    if cursor:
        since, until, inner = decode_cursor(cursor, scope, 3)
        if not isinstance(since, datetime) or not isinstance(until, datetime):
            raise Invalid("cursor", "This cursor is not valid; start again from the first page.")
    else:
        since, until, inner = saved.last_read_at, utcnow(), None
        saved.last_read_at = until
        session.flush()
    _stored, loaded = _validated_query(saved.query)
    params = SearchParams.from_query({**loaded, "sort": "newest"})
    page = search_jobs(session, params=params, limit=limit, cursor=inner,
                       published_after=since, published_until=until, cursor_scope=scope,
                       now=until, personal=personal.personal_filter(actor))
    next_cursor = encode_cursor([since, until, page.next_cursor], scope) if page.next_cursor \
        else None
    return Page(items=page.items, next_cursor=next_cursor)


# --- export and erasure ------------------------------------------------------------------


# Jobs a member created stay with the organisation; only the creator's id points at them.
JOBS_USER_TABLES = ("saved_jobs", "saved_searches", "employer_members", "jobs",
                    "employer_invitations")


@accounts.register_exporter("jobs", tables=JOBS_USER_TABLES)
def export_user(session: Session, user: User) -> dict[str, Any]:
    saved_jobs = session.scalars(select(SavedJob).where(SavedJob.user_id == user.id))
    searches = session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id))
    memberships = session.scalars(select(EmployerMember).where(EmployerMember.user_id == user.id))
    return {
        "saved_jobs": [{"job_id": str(s.job_id), "saved_at": rfc3339(s.created_at)}
                       for s in saved_jobs],
        "saved_searches": [{"id": str(s.id), "name": s.name, "query": s.query,
                            "created_at": rfc3339(s.created_at),
                            "last_read_at": rfc3339(s.last_read_at)} for s in searches],
        "employer_memberships": [{"employer_id": str(m.employer_id), "role": m.role,
                                  "joined_at": rfc3339(m.created_at)} for m in memberships],
        "jobs_created": [str(job_id) for job_id in session.scalars(
            select(Job.id).where(Job.created_by_id == user.id).order_by(Job.created_at))],
        "invitations_received": [
            {"employer_id": str(i.employer_id), "status": i.status,
             "created_at": rfc3339(i.created_at)}
            for i in session.scalars(select(EmployerInvitation).where(
                EmployerInvitation.email_index == user.email_index))] if user.email_index else [],
        "invitations_sent": [
            {"employer_id": str(i.employer_id), "status": i.status,
             "created_at": rfc3339(i.created_at)}
            for i in session.scalars(select(EmployerInvitation).where(
                EmployerInvitation.invited_by_id == user.id))],
    }


@accounts.register_eraser(tables=JOBS_USER_TABLES)
def erase_user(session: Session, user: User) -> None:
    """Saved jobs, saved searches and memberships go; the organisations stay."""
    session.execute(delete(SavedJob).where(SavedJob.user_id == user.id))
    session.execute(delete(SavedSearch).where(SavedSearch.user_id == user.id))
    session.execute(delete(EmployerMember).where(EmployerMember.user_id == user.id))
    if user.email_index:
        session.execute(delete(EmployerInvitation)
                        .where(EmployerInvitation.email_index == user.email_index))
    session.execute(update(EmployerInvitation).where(EmployerInvitation.invited_by_id == user.id)
                    .values(invited_by_id=None))
    session.flush()

