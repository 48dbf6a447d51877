"""Survivors' anonymous feedback on whether an employer kept its commitments.

Rules (issue #9):
- the applicant may rate once, after the application is ``hired`` or ``declined``;
- the employer never sees feedback; staff see per-employer aggregates only once at
  least ``MIN_RATINGS`` exist (small-cell suppression, as for public figures);
- a sustained low score sends the employer back to vetting review: at least
  ``MIN_RATINGS`` ratings in the last ``REVIEW_WINDOW`` with fewer than
  ``LOW_SCORE_BP`` (basis points) of all rated commitments kept → vetting status
  ``pending`` (its postings stop being public), audited.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, Forbidden, NotFound
from empower_api.jobs.applications.models import Application, ApplicationStatus, Feedback
from empower_api.jobs.models import BOOLEAN_COMMITMENTS, Employer, VettingStatus

log = structlog.get_logger(__name__)

# Every trauma-informed commitment an employer declares, each rated kept or not.
RATED_COMMITMENTS = (*BOOLEAN_COMMITMENTS, "language_support")
MIN_RATINGS = 5
REVIEW_WINDOW = timedelta(days=180)
LOW_SCORE_BP = 5000  # 50 % of rated commitments kept


def give_feedback(session: Session, *, actor: User, application_id: uuid.UUID,
                  data: dict[str, Any]) -> Feedback:
    """Record the applicant's rating (``commitments_kept``: every commitment → bool).

    404 unless the caller is the applicant; 409 ``feedback_not_open`` before ``hired``
    or ``declined``; 409 ``feedback_given`` the second time.
    """
    application = session.scalar(select(Application).where(
        Application.id == application_id, Application.applicant_id == actor.id))
    if application is None:
        raise NotFound("No such application.")
    if application.status not in (ApplicationStatus.HIRED, ApplicationStatus.DECLINED):
        raise Conflict("Feedback opens once the application is hired or declined.",
                       code="feedback_not_open")
    given = Conflict("You have given feedback on this application already.",
                     code="feedback_given")
    if session.scalar(select(Feedback.id).where(Feedback.application_id == application.id)):
        raise given
    kept = {name: bool(data["commitments_kept"][name]) for name in RATED_COMMITMENTS}
    feedback = Feedback(id=uuid.uuid4(), application_id=application.id,
                        employer_id=application.employer_id, commitments_kept=kept,
                        kept_count=sum(kept.values()), rated_count=len(kept),
                        comment=(data.get("comment") or "").strip() or None,
                        created_at=utcnow())
    session.add(feedback)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise given
    review_if_sustained_low(session, employer_id=application.employer_id)
    return feedback


def _window_totals(session: Session, employer_id: uuid.UUID) -> tuple[int, int, int]:
    since = utcnow() - REVIEW_WINDOW
    ratings, kept, rated = session.execute(
        select(func.count(Feedback.id), func.coalesce(func.sum(Feedback.kept_count), 0),
               func.coalesce(func.sum(Feedback.rated_count), 0))
        .where(Feedback.employer_id == employer_id, Feedback.created_at >= since)).one()
    return int(ratings), int(kept), int(rated)


def review_if_sustained_low(session: Session, *, employer_id: uuid.UUID) -> bool:
    """Send a vetted employer back to vetting review if its recent score is low (see
    the module docstring); True if it did."""
    ratings, kept, rated = _window_totals(session, employer_id)
    if ratings < MIN_RATINGS or rated == 0 or kept * 10_000 >= LOW_SCORE_BP * rated:
        return False
    employer = session.get(Employer, employer_id, with_for_update=True, populate_existing=True)
    if employer is None or employer.vetting_status != VettingStatus.VETTED:
        return False
    before = employer.effective_status(utcnow())
    employer.vetting_status = VettingStatus.PENDING
    employer.vetted_until = None
    session.flush()
    audit.record(session, action="jobs.employer.vetting.feedback_review",
                 subject_type="employer", subject_id=employer.id,
                 data={"from": before, "to": VettingStatus.PENDING, "ratings": ratings,
                       "kept_bp": kept * 10_000 // rated})
    log.info("employer_sent_to_review", employer_id=str(employer.id))
    return True


def employer_summary(session: Session, *, actor: User, employer_id: uuid.UUID) -> dict[str, Any]:
    """Staff: all-time aggregate per employer, in basis points of ratings that said
    each commitment was kept; every figure is null under ``MIN_RATINGS`` ratings."""
    if not actor.is_staff:
        raise Forbidden("Only staff can see employer feedback.")
    if session.get(Employer, employer_id) is None:
        raise NotFound("No such employer.")
    rows = list(session.scalars(select(Feedback.commitments_kept)
                                .where(Feedback.employer_id == employer_id)))
    ratings, kept, rated = _window_totals(session, employer_id)
    audit.record(session, action="jobs.employer.feedback.read", actor=actor,
                 subject_type="employer", subject_id=employer_id)
    enough = len(rows) >= MIN_RATINGS
    per_commitment = {
        name: (sum(1 for row in rows if row.get(name)) * 10_000 // len(rows)) if enough else None
        for name in RATED_COMMITMENTS}
    recent_enough = ratings >= MIN_RATINGS
    return {
        "employer_id": employer_id, "ratings": len(rows) if enough else None,
        "minimum_ratings": MIN_RATINGS, "commitments_kept_bp": per_commitment,
        "recent_ratings": ratings if recent_enough else None,
        "recent_kept_bp": (kept * 10_000 // rated) if recent_enough and rated else None,
        "review_threshold_bp": LOW_SCORE_BP,
    }
