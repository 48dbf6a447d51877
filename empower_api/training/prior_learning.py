"""Recognition of prior learning: a survivor claims a credential or skill earned
elsewhere; staff verify or decline it. A verified claim's skills count for matching
like an issued credential's."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.accounts.service import ACCESS_REASON_MIN
from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, NotFound, PreconditionRequired
from empower_api.i18n import plural
from empower_api.jobs.search import canonical_skills
from empower_api.pagination import Page, SortKey, paginate
from empower_api.training.models import ClaimStatus, PriorLearningClaim

DECISIONS = {"verify": ClaimStatus.VERIFIED, "decline": ClaimStatus.DECLINED}


def create_claim(session: Session, *, user: User, data: dict[str, Any]) -> PriorLearningClaim:
    """``data``: title, issuer, earned_on (date), evidence_note? (stored encrypted),
    skills? → a ``pending`` claim."""
    claim = PriorLearningClaim(
        id=uuid.uuid4(), user_id=user.id, title=data["title"], issuer=data["issuer"],
        earned_on=data["earned_on"], skills=canonical_skills(data.get("skills") or []),
        evidence_note=data.get("evidence_note"), status=ClaimStatus.PENDING)
    session.add(claim)
    session.flush()
    return claim


def list_mine(session: Session, *, user: User, limit: int, cursor: str | None) -> Page[Any]:
    """The caller's claims, newest first."""
    stmt = select(PriorLearningClaim).where(PriorLearningClaim.user_id == user.id)
    return paginate(session, stmt, keys=[SortKey(PriorLearningClaim.created_at, True),
                                         SortKey(PriorLearningClaim.id, True)],
                    limit=limit, cursor=cursor, scope="me-prior-learning")


def list_for_review(session: Session, *, actor: User, status: str, reason: str | None,
                    limit: int, cursor: str | None) -> Page[Any]:
    """Staff: claims in one status, oldest first. Survivors' records: the route requires
    ``X-Access-Reason`` and the read is audited (without the claims' content)."""
    if not reason or len(reason.strip()) < ACCESS_REASON_MIN:
        raise PreconditionRequired(plural(
            "State why you need these records in the X-Access-Reason header "
            "(at least {num} character).",
            "State why you need these records in the X-Access-Reason header "
            "(at least {num} characters).", ACCESS_REASON_MIN))
    audit.record(session, action="staff.read_prior_learning", actor=actor,
                 subject_type="prior_learning_queue", reason=reason.strip()[:500])
    stmt = select(PriorLearningClaim).where(PriorLearningClaim.status == status)
    return paginate(session, stmt, keys=[SortKey(PriorLearningClaim.created_at),
                                         SortKey(PriorLearningClaim.id)],
                    limit=limit, cursor=cursor, scope=f"staff-prior-learning:{status}")


def decide(session: Session, *, actor: User, claim_id: uuid.UUID, decision: str,
           note: str) -> PriorLearningClaim:
    """Staff verify or decline a pending claim (409 when already decided). Audited; the
    note is stored encrypted and kept out of the audit log."""
    claim = session.get(PriorLearningClaim, claim_id, with_for_update=True,
                        populate_existing=True)
    if claim is None:
        raise NotFound("No such claim.")
    if claim.status != ClaimStatus.PENDING:
        raise Conflict("This claim was already decided.", code="already_decided")
    claim.status, claim.decision_note = DECISIONS[decision], note
    claim.decided_by_id, claim.decided_at = actor.id, utcnow()
    audit.record(session, action="training.prior_learning_decided", actor=actor,
                 subject_type="prior_learning_claim", subject_id=claim.id,
                 data={"decision": decision})
    session.flush()
    return claim
