"""Enrollments: a survivor enrolls, completes modules one by one, may withdraw;
staff complete an enrollment, which issues its credential in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from empower_api.accounts.models import User
from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, NotFound
from empower_api.pagination import Page, SortKey, paginate
from empower_api.training import credentials
from empower_api.training.courses import get_course
from empower_api.training.models import (
    Course,
    CourseModule,
    Credential,
    Enrollment,
    EnrollmentStatus,
)


def enroll(session: Session, *, user: User, course_id: uuid.UUID) -> Enrollment:
    """Enroll the survivor in a course. Raises NotFound, Conflict (already active:
    one active enrollment per survivor per course, enforced by a partial unique index)."""
    course = get_course(session, course_id=course_id)
    existing = session.scalar(select(Enrollment.id).where(
        Enrollment.user_id == user.id, Enrollment.course_id == course.id,
        Enrollment.status == EnrollmentStatus.ACTIVE))
    if existing is not None:
        raise Conflict("You are already enrolled in this course.", code="already_enrolled")
    enrollment = Enrollment(id=uuid.uuid4(), user_id=user.id, course_id=course.id,
                            status=EnrollmentStatus.ACTIVE, progress=0, completed_module_ids=[])
    enrollment.course = course
    try:
        with session.begin_nested():
            session.add(enrollment)
            session.flush()
    except IntegrityError:
        raise Conflict("You are already enrolled in this course.", code="already_enrolled")
    return enrollment


def _load(session: Session, enrollment_id: uuid.UUID, *, lock: bool = False) -> Enrollment:
    stmt = (select(Enrollment).join(Enrollment.course).options(contains_eager(Enrollment.course))
            .where(Enrollment.id == enrollment_id))
    if lock:
        stmt = stmt.with_for_update(of=Enrollment).execution_options(populate_existing=True)
    enrollment = session.scalar(stmt)
    if enrollment is None:
        raise NotFound("No such enrollment.")
    return enrollment


def _own(session: Session, user: User, enrollment_id: uuid.UUID) -> Enrollment:
    enrollment = _load(session, enrollment_id, lock=True)
    if enrollment.user_id != user.id:
        raise NotFound("No such enrollment.")  # another survivor's: existence must not leak
    return enrollment


def list_mine(session: Session, *, user: User, limit: int, cursor: str | None) -> Page[Any]:
    """The caller's enrollments (every status), newest first, each with its course."""
    stmt = (select(Enrollment).join(Enrollment.course).options(contains_eager(Enrollment.course))
            .where(Enrollment.user_id == user.id))
    return paginate(session, stmt, keys=[SortKey(Enrollment.created_at, True),
                                         SortKey(Enrollment.id, True)],
                    limit=limit, cursor=cursor, scope="me-enrollments")


def complete_module(session: Session, *, user: User, enrollment_id: uuid.UUID,
                    module_id: uuid.UUID) -> Enrollment:
    """Mark one module done; ``progress`` = done modules × 100 // all modules (0–100).

    Completing a module twice is harmless. Raises NotFound (not the caller's enrollment,
    or not a module of its course) and Conflict (the enrollment is not active).
    """
    enrollment = _own(session, user, enrollment_id)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise Conflict("This enrollment is not active.", code="enrollment_not_active")
    module_ids = [str(m) for m in session.scalars(
        select(CourseModule.id).where(CourseModule.course_id == enrollment.course_id))]
    if str(module_id) not in module_ids:
        raise NotFound("No such module in this course.")
    done = set(enrollment.completed_module_ids or []) | {str(module_id)}
    enrollment.completed_module_ids = [m for m in module_ids if m in done]
    enrollment.progress = len(enrollment.completed_module_ids) * 100 // len(module_ids)
    session.flush()
    return enrollment


def withdraw(session: Session, *, user: User, enrollment_id: uuid.UUID) -> Enrollment:
    """The survivor leaves an active course (409 when it is not active)."""
    enrollment = _own(session, user, enrollment_id)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise Conflict("This enrollment is not active.", code="enrollment_not_active")
    enrollment.status, enrollment.withdrawn_at = EnrollmentStatus.WITHDRAWN, utcnow()
    session.flush()
    return enrollment


def complete_by_staff(session: Session, *, actor: User, enrollment_id: uuid.UUID) -> Credential:
    """Staff complete an active enrollment and issue its credential, in one transaction
    (the enrollment row is locked, so two clicks cannot issue two). Audited."""
    enrollment = _load(session, enrollment_id, lock=True)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise Conflict("Only an active enrollment can be completed.",
                       code="enrollment_not_active")
    enrollment.status, enrollment.progress = EnrollmentStatus.COMPLETED, 100
    enrollment.completed_at = utcnow()
    credential = credentials.issue(session, enrollment=enrollment, course=enrollment.course)
    audit.record(session, action="training.enrollment_completed", actor=actor,
                 subject_type="enrollment", subject_id=enrollment.id,
                 data={"credential_id": str(credential.id)})
    return credential


def list_for_course(session: Session, *, course_id: uuid.UUID, limit: int,
                    cursor: str | None) -> Page[Any]:
    """Staff: a course's enrollments, oldest first (ids, status and progress only)."""
    if session.get(Course, course_id) is None:
        raise NotFound("No such course.")
    stmt = (select(Enrollment).join(Enrollment.course).options(contains_eager(Enrollment.course))
            .where(Enrollment.course_id == course_id))
    return paginate(session, stmt, keys=[SortKey(Enrollment.created_at),
                                         SortKey(Enrollment.id)],
                    limit=limit, cursor=cursor, scope=f"course-enrollments:{course_id}")
