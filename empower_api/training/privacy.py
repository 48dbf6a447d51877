"""What training holds about a person: export, and erasure.

Erasure keeps issued credentials verifiable (the signed document, which names only a
random subject id, and its status bit stay) but cuts them from the account: no row
points from the credential to the person any more.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.accounts.service import register_eraser, register_exporter
from empower_api.timefmt import rfc3339
from empower_api.training.models import Course, Credential, Enrollment, PriorLearningClaim

# Courses (and their modules) reach a person only through the staff member who wrote
# them: the export lists them and erasure cuts that link; the course itself stays.
TRAINING_USER_TABLES = ("courses", "course_modules", "credentials", "enrollments",
                        "prior_learning_claims")


@register_exporter("training", tables=TRAINING_USER_TABLES)
def export_user(session: Session, user: User) -> dict[str, Any]:
    enrollments = session.scalars(select(Enrollment).where(Enrollment.user_id == user.id)
                                  .order_by(Enrollment.created_at, Enrollment.id))
    issued = session.scalars(select(Credential).where(Credential.user_id == user.id)
                             .order_by(Credential.issued_at, Credential.id))
    claims = session.scalars(select(PriorLearningClaim)
                             .where(PriorLearningClaim.user_id == user.id)
                             .order_by(PriorLearningClaim.created_at, PriorLearningClaim.id))
    courses = session.execute(select(Course.id, Course.title)
                              .where(Course.created_by_id == user.id).order_by(Course.id))
    return {
        "courses_created": [{"id": str(cid), "title": title} for cid, title in courses],
        "enrollments": [{"id": str(e.id), "course_id": str(e.course_id), "status": e.status,
                         "progress": e.progress, "completed_module_ids": e.completed_module_ids,
                         "created_at": rfc3339(e.created_at),
                         "completed_at": rfc3339(e.completed_at),
                         "withdrawn_at": rfc3339(e.withdrawn_at)} for e in enrollments],
        "credentials": [{"id": str(c.id), "name": c.name, "status": c.status,
                         "issued_at": rfc3339(c.issued_at), "revoked_at": rfc3339(c.revoked_at),
                         "jws": c.jws} for c in issued],
        "prior_learning": [{"id": str(c.id), "title": c.title, "issuer": c.issuer,
                            "earned_on": c.earned_on.isoformat(), "skills": c.skills,
                            "evidence_note": c.evidence_note, "status": c.status,
                            "decision_note": c.decision_note,
                            "created_at": rfc3339(c.created_at),
                            "decided_at": rfc3339(c.decided_at)} for c in claims],
    }


@register_eraser(tables=TRAINING_USER_TABLES)
def erase_user(session: Session, user: User) -> None:
    """Credentials stay verifiable but point to nobody; enrollments and claims go; the
    courses a staff member wrote, and the decisions they took, no longer name them."""
    session.execute(update(Course).where(Course.created_by_id == user.id)
                    .values(created_by_id=None))
    session.execute(update(Credential).where(Credential.revoked_by_id == user.id)
                    .values(revoked_by_id=None))
    session.execute(update(PriorLearningClaim).where(PriorLearningClaim.decided_by_id == user.id)
                    .values(decided_by_id=None))
    session.execute(update(Credential).where(Credential.user_id == user.id)
                    .values(user_id=None, enrollment_id=None))
    session.execute(delete(Enrollment).where(Enrollment.user_id == user.id))
    session.execute(delete(PriorLearningClaim).where(PriorLearningClaim.user_id == user.id))
    session.flush()
