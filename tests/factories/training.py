"""Courses, enrollments and credentials for tests, made through the services."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.training import courses, enrollments
from empower_api.training.models import Course, Credential, Enrollment
from tests.factories.accounts import make_staff

_counter = itertools.count(1)


def course_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Food safety basics", "description": "Safe handling and storage of food.",
        "provider": "Northside Adult Learning", "modality": "online", "languages": ["en", "es"],
        "duration_hours": 6, "cost_amount": 0, "currency": "USD",
        "skills": ["food safety", "hygiene"],
        "modules": [{"title": "Germs"}, {"title": "Storage"}, {"title": "Cleaning"}],
        "credential": {"name": "Food Safety Basics", "description": "Handles food safely."},
        **overrides,
    }


def make_course(session: Session, *, staff: User | None = None, **overrides: Any) -> Course:
    overrides.setdefault("title", f"Course {next(_counter)}")
    return courses.create_course(session, actor=staff or make_staff(session),
                                 data=course_payload(**overrides))


def make_enrollment(session: Session, user: User, course: Course | None = None) -> Enrollment:
    return enrollments.enroll(session, user=user, course_id=(course or make_course(session)).id)


def make_credential(session: Session, user: User, course: Course | None = None,
                    staff: User | None = None) -> Credential:
    enrollment = make_enrollment(session, user, course)
    return enrollments.complete_by_staff(session, actor=staff or make_staff(session),
                                         enrollment_id=enrollment.id)
