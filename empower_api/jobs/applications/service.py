"""Applications: applying with selective disclosure, the pipeline, the two views.

An employer reaches an application only through ``employer_visible_applications``
and sees only ``views.employer_view`` of it: a per-application random handle, the
cover note and what the applicant chose to share, as it was at submission. Nothing
derived from the person (id, alias, other applications) ever reaches the employer,
so two applications of one person cannot be linked from the API.

Pipeline (issue #9): ``submitted → viewed → interview → offered → hired``;
``declined`` (employer) and ``withdrawn`` (applicant) from any open state. History
records time and actor role, never identity. Functions only flush.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from empower_api.accounts import service as accounts
from empower_api.accounts.models import Role, User
from empower_api.audit import service as audit
from empower_api.consents.service import Purpose, consenting_user_ids, has_consent
from empower_api.db import utcnow
from empower_api.errors import Conflict, Forbidden, Invalid, NotFound
from empower_api.i18n import msg
from empower_api.i18n.labels import label
from empower_api.jobs import events
from empower_api.jobs import service as jobs
from empower_api.jobs.applications import views
from empower_api.jobs.applications.models import (
    OPEN_STATUSES,
    ActorRole,
    Application,
    ApplicationNote,
    ApplicationStatus,
)
from empower_api.jobs.models import MODERATION_STATUSES, EmployerMember, Job
from empower_api.moderation.personal import is_blocked
from empower_api.notifications.service import notify
from empower_api.pagination import Page, SortKey, paginate
from empower_api.timefmt import rfc3339
from empower_api.training.credentials import credentials_for_sharing

log = structlog.get_logger(__name__)

# The profile fields an applicant may share (API.md, POST /jobs/{id}/applications).
SHAREABLE_FIELDS = ("display_name", "languages", "skills", "region", "city", "availability",
                    "email", "phone")
# Unambiguous characters only (no I, O, 0, 1): handles are read aloud and typed.
_HANDLE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# status -> the statuses it may move to, and who may move it there.
_NEXT: dict[str, set[str]] = {
    ApplicationStatus.SUBMITTED: {ApplicationStatus.VIEWED},
    ApplicationStatus.VIEWED: {ApplicationStatus.INTERVIEW},
    ApplicationStatus.INTERVIEW: {ApplicationStatus.OFFERED},
    ApplicationStatus.OFFERED: {ApplicationStatus.HIRED},
}
EMPLOYER_STATUSES = (ApplicationStatus.VIEWED, ApplicationStatus.INTERVIEW,
                     ApplicationStatus.OFFERED, ApplicationStatus.HIRED,
                     ApplicationStatus.DECLINED)


def new_applicant_handle() -> str:
    """``Applicant K7Q-2MX``: random per application, so it links nothing."""
    code = "".join(secrets.choice(_HANDLE_ALPHABET) for _ in range(6))
    return f"Applicant {code[:3]}-{code[3:]}"


# --- the integration points ---------------------------------------------------------


def posting_accepts_applications(job: Job, now: datetime) -> bool:
    """Whether ``job`` takes applications at ``now``: publicly visible means published,
    not past ``valid_through`` and its employer vetted (closed, expired and unvetted
    postings refuse them; so do postings moderation holds, hides or removed)."""
    return jobs.is_public(job, now)


def resolve_shared_credentials(session: Session, *, applicant: User,
                               credential_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The applicant's own active credentials to share, as stored in the snapshot:
    ``{"id", "credential_name", "issuer", "issued_at", "jws"}`` each, in the order
    asked, so the employer can verify each one (``POST /credentials/verify``).

    An id that is not one of the applicant's active credentials is a 422 on
    ``share.credential_ids`` (``training.credentials.credentials_for_sharing``).
    """
    return credentials_for_sharing(session, user=applicant, credential_ids=credential_ids)


def employer_visible_applications(*, member: User) -> Select[tuple[Application]]:
    """Every application an employer account may see: those to postings of the
    employers it is a member of. All employer reads go through this one query (a
    survivor who blocked the employer disappears from all of them)."""
    employers = select(EmployerMember.employer_id).where(EmployerMember.user_id == member.id)
    return select(Application).where(Application.employer_id.in_(employers),
                                     ~is_blocked(Application.applicant_id,
                                                 Application.employer_id))


def profile_sharers(session: Session, applications: list[Application]) -> set[uuid.UUID]:
    """The applicants among ``applications`` who allow ``share_profile_with_employers``
    now (one query): the employer sees the others' shared fields and credentials as
    empty, so a withdrawal takes effect at the next read."""
    return consenting_user_ids(session, Purpose.SHARE_PROFILE_WITH_EMPLOYERS,
                               [a.applicant_id for a in applications if a.applicant_id])


def employer_views(session: Session, applications: list[Application]) -> list[dict[str, Any]]:
    """``views.employer_view`` of each application, honouring the applicants' consent."""
    sharers = profile_sharers(session, applications)
    return [views.employer_view(a, sharing=a.applicant_id in sharers) for a in applications]


@events.on_posting_removed
def _close_when_removed(session: Session, job: Job) -> None:
    """Moderation removed the posting: its open applications close, applicants are told."""
    close_applications_of_job(session, job_id=job.id)


# --- applying -----------------------------------------------------------------------


def _snapshot(applicant: User, fields: list[str],
              credentials: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(applicant, name)
        values[name] = list(value) if isinstance(value, list) else value
    return {"fields": values, "credentials": credentials}


def _record(application: Application, status: str, role: str, now: datetime) -> None:
    application.status = status
    application.updated_at = now
    application.history = [*application.history,
                           {"status": status, "at": rfc3339(now), "actor_role": role}]


def apply(session: Session, *, actor: User, job_id: uuid.UUID,
          data: dict[str, Any]) -> Application:
    """A survivor applies to a posting, sharing the chosen fields (a snapshot).

    404 if the posting was never published; 409 ``posting_not_accepting`` if it does
    not take applications (``posting_accepts_applications``); 409 ``already_applied``
    on a second application (a unique constraint holds it under concurrency); 422 on
    ``share.credential_ids`` (see ``resolve_shared_credentials``).
    """
    accounts.require_role(actor, [Role.SURVIVOR])
    job = session.scalar(select(Job).options(joinedload(Job.employer)).where(Job.id == job_id))
    # Held, hidden or removed by moderation: as unknown as to a search (existence must not leak).
    if job is None or job.published_at is None or job.status in MODERATION_STATUSES:
        raise NotFound("No such job.")
    now = utcnow()
    if not posting_accepts_applications(job, now):
        raise Conflict("This posting is not taking applications.", code="posting_not_accepting")
    share = data.get("share") or {}
    fields = list(dict.fromkeys(share.get("fields") or []))
    if (fields or share.get("credential_ids")) and not has_consent(
            session, actor.id, Purpose.SHARE_PROFILE_WITH_EMPLOYERS):
        raise Invalid("share", "You do not allow sharing your profile with employers "
                               "(consent share_profile_with_employers); share nothing, "
                               "or allow it first.")
    credentials = resolve_shared_credentials(session, applicant=actor,
                                             credential_ids=share.get("credential_ids") or [])
    taken = Conflict("You have applied to this posting already.", code="already_applied")
    if session.scalar(select(Application.id).where(Application.job_id == job.id,
                                                   Application.applicant_id == actor.id)):
        raise taken
    application = Application(
        id=uuid.uuid4(), job_id=job.id, employer_id=job.employer_id, applicant_id=actor.id,
        applicant_handle=new_applicant_handle(), status=ApplicationStatus.SUBMITTED,
        cover_note=(data.get("cover_note") or "").strip() or None,
        shared_snapshot=json.dumps(_snapshot(actor, fields, credentials)),
        history=[], created_at=now)
    _record(application, ApplicationStatus.SUBMITTED, ActorRole.APPLICANT, now)
    session.add(application)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise taken
    _notify_members(session, application)
    return application


# --- reading --------------------------------------------------------------------------


def _is_member(session: Session, *, user: User, employer_id: uuid.UUID) -> bool:
    return session.scalar(select(EmployerMember.id).where(
        EmployerMember.employer_id == employer_id, EmployerMember.user_id == user.id)) is not None


def _as_employer(session: Session, *, actor: User, application_id: uuid.UUID,
                 lock: bool = False) -> Application | None:
    stmt = employer_visible_applications(member=actor).where(Application.id == application_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def _as_applicant(session: Session, *, actor: User, application_id: uuid.UUID,
                  lock: bool = False) -> Application | None:
    stmt = select(Application).where(Application.id == application_id,
                                     Application.applicant_id == actor.id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def find_for_participant(session: Session, *, actor: User, application_id: uuid.UUID,
                         lock: bool = False) -> tuple[Application, str]:
    """The application and the caller's side (``applicant`` or ``employer``); anyone
    else gets 404, so existence does not leak."""
    if actor.role == Role.SURVIVOR:
        found = _as_applicant(session, actor=actor, application_id=application_id, lock=lock)
        side = ActorRole.APPLICANT
    elif actor.role == Role.EMPLOYER:
        found = _as_employer(session, actor=actor, application_id=application_id, lock=lock)
        side = ActorRole.EMPLOYER
    else:
        found, side = None, ActorRole.STAFF
    if found is None:
        raise NotFound("No such application.")
    return found, side


def job_of(session: Session, application: Application) -> Job:
    """The application's posting with its employer."""
    job = session.scalar(select(Job).options(joinedload(Job.employer))
                         .where(Job.id == application.job_id))
    assert job is not None  # the foreign key holds it
    return job


def notes_of(session: Session, application: Application) -> list[ApplicationNote]:
    return list(session.scalars(
        select(ApplicationNote).where(ApplicationNote.application_id == application.id)
        .order_by(ApplicationNote.created_at, ApplicationNote.id)))


def open_application(session: Session, *, actor: User,
                     application_id: uuid.UUID) -> dict[str, Any]:
    """``GET /applications/{id}``: the applicant's view (no notes) or the employer's
    (with internal notes). An employer member's first open moves it to ``viewed``."""
    application, side = find_for_participant(session, actor=actor,
                                             application_id=application_id,
                                             lock=actor.role == Role.EMPLOYER)
    if side == ActorRole.APPLICANT:
        return views.applicant_view(application, job_of(session, application))
    if application.status == ApplicationStatus.SUBMITTED:
        _move(session, application, ApplicationStatus.VIEWED, actor=actor,
              role=ActorRole.EMPLOYER)
    return employer_view_of(session, application)


def employer_view_of(session: Session, application: Application) -> dict[str, Any]:
    """One application as its employer sees it: internal notes, and the shared profile
    only while the applicant allows it."""
    return views.employer_view(application, notes=notes_of(session, application),
                               sharing=bool(profile_sharers(session, [application])))


def list_for_job(session: Session, *, actor: User, job_id: uuid.UUID, status: str | None,
                 limit: int, cursor: str | None) -> Page[Application]:
    """Applications to one posting, newest first (members of its employer only).

    Another employer gets 403 on a public posting and 404 on any other.
    """
    job = session.scalar(select(Job).options(joinedload(Job.employer)).where(Job.id == job_id))
    if job is None:
        raise NotFound("No such job.")
    if not _is_member(session, user=actor, employer_id=job.employer_id):
        if jobs.is_public(job, utcnow()):
            raise Forbidden("Only the employer's members can see its applications.")
        raise NotFound("No such job.")
    stmt = employer_visible_applications(member=actor).where(Application.job_id == job.id)
    if status:
        stmt = stmt.where(Application.status == status)
    return paginate(session, stmt,
                    keys=[SortKey(Application.created_at, descending=True),
                          SortKey(Application.id, descending=True)],
                    limit=limit, cursor=cursor, scope=f"job-applications:{job.id}:{status}")


def list_mine(session: Session, *, actor: User, status: str | None, limit: int,
              cursor: str | None) -> Page[Application]:
    """The caller's applications with their postings, newest first."""
    stmt = (select(Application)
            .options(joinedload(Application.job).joinedload(Job.employer))
            .where(Application.applicant_id == actor.id))
    if status:
        stmt = stmt.where(Application.status == status)
    return paginate(session, stmt,
                    keys=[SortKey(Application.created_at, descending=True),
                          SortKey(Application.id, descending=True)],
                    limit=limit, cursor=cursor, scope=f"my-applications:{status}")


# --- the pipeline ------------------------------------------------------------------------


def _move(session: Session, application: Application, to: str, *, actor: User | None,
          role: str) -> None:
    """Apply one transition or raise 409 ``impossible_transition``."""
    allowed = set(_NEXT.get(application.status, set()))
    if application.status in OPEN_STATUSES:
        allowed |= {ApplicationStatus.DECLINED, ApplicationStatus.WITHDRAWN}
    if to not in allowed:
        raise Conflict(msg("An application that is at “{before}” cannot move to “{after}”.",
                           before=label("application_status", application.status),
                           after=label("application_status", to)),
                       code="impossible_transition")
    before = application.status
    _record(application, to, role, utcnow())
    session.flush()
    if role in (ActorRole.EMPLOYER, ActorRole.STAFF, ActorRole.SYSTEM):
        # Ids and statuses only: no names, no note text.
        audit.record(session, action="jobs.application.status", actor=actor,
                     subject_type="application", subject_id=application.id,
                     data={"from": before, "to": to, "actor_role": role})
        if application.applicant_id is not None:
            notify(session, user_id=application.applicant_id, kind="application.updated",
                   subject_type="application", subject_id=application.id)
    else:
        _notify_members(session, application)


def _notify_members(session: Session, application: Application) -> None:
    members = session.scalars(select(EmployerMember.user_id)
                              .where(EmployerMember.employer_id == application.employer_id))
    for user_id in members:
        notify(session, user_id=user_id, kind="application.updated",
               subject_type="application", subject_id=application.id)


def change_status(session: Session, *, actor: User, application_id: uuid.UUID, status: str,
                  note: str | None) -> Application:
    """An employer member moves an application on (audited); an optional ``note`` is
    kept as an internal note. 404 for non-members; 409 for impossible transitions."""
    application = _as_employer(session, actor=actor, application_id=application_id, lock=True)
    if application is None:
        raise NotFound("No such application.")
    if status not in EMPLOYER_STATUSES:
        raise Invalid("status", "Choose viewed, interview, offered, hired or declined.")
    _move(session, application, status, actor=actor, role=ActorRole.EMPLOYER)
    if note:
        _add_note(session, application, actor, note)
    return application


def withdraw(session: Session, *, actor: User, application_id: uuid.UUID) -> Application:
    """The applicant withdraws an open application (409 once it is closed)."""
    application = _as_applicant(session, actor=actor, application_id=application_id, lock=True)
    if application is None:
        raise NotFound("No such application.")
    _move(session, application, ApplicationStatus.WITHDRAWN, actor=actor,
          role=ActorRole.APPLICANT)
    return application


def _add_note(session: Session, application: Application, author: User,
              body: str) -> ApplicationNote:
    note = ApplicationNote(id=uuid.uuid4(), application_id=application.id,
                           author_id=author.id, body=body.strip(), created_at=utcnow())
    session.add(note)
    session.flush()
    return note


def add_note(session: Session, *, actor: User, application_id: uuid.UUID,
             body: str) -> ApplicationNote:
    """An employer member adds an internal note (the applicant never sees notes)."""
    application = _as_employer(session, actor=actor, application_id=application_id)
    if application is None:
        raise NotFound("No such application.")
    return _add_note(session, application, actor, body)


def close_applications_of_job(session: Session, *, job_id: uuid.UUID,
                              actor: User | None = None) -> int:
    """Decline every open application to a posting (for example when moderation
    removes it), as ``system``; each applicant gets a neutral notification."""
    open_ones = list(session.scalars(
        select(Application).where(Application.job_id == job_id,
                                  Application.status.in_(list(OPEN_STATUSES)))
        .with_for_update().execution_options(populate_existing=True)))
    for application in open_ones:
        _move(session, application, ApplicationStatus.DECLINED, actor=actor,
              role=ActorRole.SYSTEM)
    return len(open_ones)
