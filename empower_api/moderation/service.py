"""Reports of postings and staff moderation.

- Any signed-in user reports a public posting once (``report_job``). When three
  distinct reporters have reports not yet reviewed, the posting is hidden at once
  (``JobStatus.HIDDEN``) and a pending ``ModerationCase`` enters the staff queue.
- Postings held for scam signals (``moderation.scam``) wait in the same queue.
- Staff restore (publish again) or remove (final) with ``decide``. Removing calls
  the ``jobs.events.on_posting_removed`` listeners in the same transaction; an
  employer with ``REMOVALS_TO_SUSPEND`` removals within ``REMOVAL_WINDOW`` is
  suspended at once, pending a new vetting decision.
Everything is audited without personal data (no report details, no notes' text).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from empower_api.accounts import service as accounts
from empower_api.accounts.models import User
from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, Forbidden, NotFound
from empower_api.jobs import events
from empower_api.jobs import service as jobs
from empower_api.jobs.models import Employer, Job, JobStatus, VettingStatus
from empower_api.moderation.models import (
    CaseState,
    CaseTrigger,
    Decision,
    JobReport,
    ModerationCase,
)
from empower_api.pagination import Page, SortKey, paginate
from empower_api.timefmt import rfc3339

log = structlog.get_logger(__name__)

REPORTERS_TO_HIDE = 3  # distinct reporters (API.md, "Jobs")
REMOVALS_TO_SUSPEND = 2  # removed postings of one employer ...
REMOVAL_WINDOW = timedelta(days=90)  # ... within this long
# Rows about a user: their reports (reporter), and cases a staff member decided.
MODERATION_USER_TABLES = ("job_reports", "moderation_cases")


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise Forbidden("Only staff can moderate postings.")


# --- reports ------------------------------------------------------------------------------


def report_job(session: Session, *, actor: User, job_id: uuid.UUID, reason: str,
               details: str | None) -> JobReport:
    """File the caller's report on a public posting; 409 if they reported it before.

    The posting row is locked, so concurrent reports count each other: exactly the
    report that makes three distinct unreviewed reporters hides the posting.
    Raises NotFound for a posting the caller cannot see publicly.
    """
    job = jobs._load_job(session, job_id, lock=True)
    if job is None:
        raise NotFound("No such job.")
    existing = session.scalar(select(JobReport.id).where(
        JobReport.job_id == job.id, JobReport.reporter_id == actor.id))
    if existing is not None:
        raise Conflict("You have already reported this posting.", code="already_reported")
    if not jobs.is_public(job, utcnow()):
        raise NotFound("No such job.")
    report = JobReport(id=uuid.uuid4(), job_id=job.id, reporter_id=actor.id, reason=reason,
                       details=details)
    session.add(report)
    session.flush()
    audit.record(session, action="jobs.posting.reported", actor=actor, subject_type="job",
                 subject_id=job.id, data={"reason": reason})
    unreviewed = session.scalar(select(func.count()).select_from(JobReport).where(
        JobReport.job_id == job.id, JobReport.reviewed_at.is_(None)))
    if (unreviewed or 0) >= REPORTERS_TO_HIDE:
        _hide(session, job)
    return report


def _hide(session: Session, job: Job) -> None:
    job.status = JobStatus.HIDDEN
    session.add(ModerationCase(job_id=job.id, employer_id=job.employer_id,
                               trigger=CaseTrigger.REPORTS, signals=[]))
    session.flush()
    audit.record(session, action="jobs.posting.hidden", subject_type="job", subject_id=job.id,
                 data={"reporters": REPORTERS_TO_HIDE})
    log.info("job_hidden_by_reports", job_id=str(job.id))


# --- the queue -------------------------------------------------------------------------------


def list_queue(session: Session, *, actor: User, limit: int,
               cursor: str | None) -> Page[dict[str, Any]]:
    """Pending cases, oldest first, each with its posting and its unreviewed reports
    (reason, details, time; never who reported). Two statements per page."""
    _require_staff(actor)
    stmt = (select(ModerationCase)
            .options(joinedload(ModerationCase.job).joinedload(Job.employer))
            .where(ModerationCase.state == CaseState.PENDING))
    page = paginate(session, stmt, keys=[SortKey(ModerationCase.created_at),
                                         SortKey(ModerationCase.id)],
                    limit=limit, cursor=cursor, scope="moderation-queue")
    cases: list[ModerationCase] = page.items
    reports = _unreviewed_reports(session, [case.job_id for case in cases])
    return Page(items=[_case_view(case, case.job, reports[case.job_id])
                       for case in cases], next_cursor=page.next_cursor)


def _unreviewed_reports(session: Session,
                        job_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[JobReport]]:
    found: dict[uuid.UUID, list[JobReport]] = defaultdict(list)
    if job_ids:
        for report in session.scalars(
                select(JobReport).where(JobReport.job_id.in_(job_ids),
                                        JobReport.reviewed_at.is_(None))
                .order_by(JobReport.created_at, JobReport.id)):
            found[report.job_id].append(report)
    return found


def _case_view(case: ModerationCase, job: Job, reports: list[JobReport]) -> dict[str, Any]:
    return {"id": case.id, "job": job, "trigger": case.trigger, "signals": case.signals or [],
            "state": case.state, "created_at": case.created_at, "decided_at": case.decided_at,
            "note": case.note,
            "reports": [{"reason": r.reason, "details": r.details, "created_at": r.created_at}
                        for r in reports]}


# --- decisions ----------------------------------------------------------------------------


def decide(session: Session, *, actor: User, job_id: uuid.UUID, decision: str,
           note: str | None) -> dict[str, Any]:
    """Staff restore (publish again; for a held posting, release it) or remove a posting
    waiting in the queue. 404 without such a posting, 409 when none is pending.

    Its unreviewed reports are marked reviewed (they no longer count towards hiding).
    A removal closes it for good, tells the ``on_posting_removed`` listeners and may
    suspend the employer (``REMOVALS_TO_SUSPEND`` within ``REMOVAL_WINDOW``).
    """
    _require_staff(actor)
    job = jobs._load_job(session, job_id, lock=True)
    if job is None:
        raise NotFound("No such job.")
    case = session.scalar(select(ModerationCase).where(
        ModerationCase.job_id == job.id, ModerationCase.state == CaseState.PENDING))
    if case is None:
        raise Conflict("This posting is not waiting for moderation.", code="not_in_queue")
    now = utcnow()
    reports = _unreviewed_reports(session, [job.id])[job.id]
    session.execute(update(JobReport).where(JobReport.job_id == job.id,
                                            JobReport.reviewed_at.is_(None))
                    .values(reviewed_at=now).execution_options(synchronize_session=False))
    case.decided_at, case.decided_by_id, case.note = now, actor.id, note
    if decision == Decision.RESTORE:
        case.state = CaseState.RESTORED
        job.status = JobStatus.PUBLISHED
        jobs._publish(job, now)
    else:
        case.state = CaseState.REMOVED
        job.status = JobStatus.REMOVED
        job.closed_at = now
    session.flush()
    audit.record(session, action=f"jobs.posting.moderation.{decision}", actor=actor,
                 subject_type="job", subject_id=job.id,
                 data={"case_id": str(case.id), "trigger": case.trigger,
                       "signals": case.signals or [], "reports": len(reports)})
    log.info("job_moderated", job_id=str(job.id), decision=decision)
    if decision == Decision.REMOVE:
        events.posting_removed(session, job)
        _suspend_if_repeated(session, job.employer, now=now)
    return _case_view(case, job, [])


def _suspend_if_repeated(session: Session, employer: Employer, *, now: Any) -> None:
    removed = session.scalar(select(func.count()).select_from(ModerationCase).where(
        ModerationCase.employer_id == employer.id, ModerationCase.state == CaseState.REMOVED,
        ModerationCase.decided_at > now - REMOVAL_WINDOW)) or 0
    if removed < REMOVALS_TO_SUSPEND:
        return
    employer = session.get(Employer, employer.id, with_for_update=True, populate_existing=True)
    if employer is None or employer.vetting_status == VettingStatus.SUSPENDED:
        return
    before = employer.effective_status(now)
    employer.vetting_status = VettingStatus.SUSPENDED
    employer.vetted_until = None
    employer.vetting_decided_at = now
    session.flush()
    audit.record(session, action="jobs.employer.vetting.auto_suspend", subject_type="employer",
                 subject_id=employer.id,
                 data={"from": before, "to": VettingStatus.SUSPENDED, "removed_postings": removed,
                       "window_days": REMOVAL_WINDOW.days})
    log.info("employer_suspended_after_removals", employer_id=str(employer.id))


# --- export and erasure ------------------------------------------------------------------


@accounts.register_exporter("job_reports", tables=MODERATION_USER_TABLES)
def export_user(session: Session, user: User) -> dict[str, Any]:
    reports = session.scalars(select(JobReport).where(JobReport.reporter_id == user.id)
                              .order_by(JobReport.created_at))
    decisions = session.scalars(select(ModerationCase).where(
        ModerationCase.decided_by_id == user.id).order_by(ModerationCase.decided_at))
    return {
        "reports": [{"job_id": str(r.job_id), "reason": r.reason, "details": r.details,
                     "created_at": rfc3339(r.created_at)} for r in reports],
        "moderation_decisions": [{"case_id": str(c.id), "job_id": str(c.job_id),
                                  "decision": c.state, "note": c.note,
                                  "decided_at": rfc3339(c.decided_at)} for c in decisions],
    }


@accounts.register_eraser(tables=MODERATION_USER_TABLES)
def erase_user(session: Session, user: User) -> None:
    """A report stays counted but forgets its reporter and its details; a staff
    decision forgets who took it (the audit log keeps the role)."""
    session.execute(update(JobReport).where(JobReport.reporter_id == user.id)
                    .values(reporter_id=None, details=None)
                    .execution_options(synchronize_session=False))
    session.execute(update(ModerationCase).where(ModerationCase.decided_by_id == user.id)
                    .values(decided_by_id=None).execution_options(synchronize_session=False))
    session.flush()
