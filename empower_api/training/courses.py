"""Courses: staff create them with modules and the credential they award."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from empower_api.accounts.models import User
from empower_api.audit import service as audit
from empower_api.errors import NotFound
from empower_api.jobs.search import canonical_languages, canonical_skills, search_text
from empower_api.training.catalog import facet_tokens
from empower_api.training.models import Course, CourseModule, search_rowid_for


def index_for_search(course: Course) -> None:
    """Fill the normalised search text (title; description, provider and skills) and
    the filter facets."""
    course.search_title = search_text(course.title)
    course.search_body = search_text(course.description, course.provider,
                                     " ".join(course.skills or []))
    course.search_facets = facet_tokens(modality=course.modality, free=course.free,
                                        skills=course.skills or [],
                                        languages=course.languages or [])


def create_course(session: Session, *, actor: User, data: dict[str, Any]) -> Course:
    """Staff create a course (API.md ``POST /courses``); audited.

    ``data``: title, description, provider, modality, languages (BCP 47), duration_hours,
    cost_amount (minor units of ``currency``; 0 = free), currency (ISO 4217), skills,
    modules [{"title"}] (in order), credential {"name", "description",
    "description_translations" ({shipped locale: text}, optional)}.
    """
    course_id = uuid.uuid4()
    course = Course(
        id=course_id, title=data["title"], description=data["description"],
        provider=data["provider"], modality=data["modality"],
        languages=canonical_languages(data.get("languages") or []),
        skills=canonical_skills(data.get("skills") or []),
        duration_hours=data["duration_hours"], cost_amount=data.get("cost_amount", 0),
        currency=data["currency"], credential_name=data["credential"]["name"],
        credential_description=data["credential"]["description"],
        credential_description_translations=dict(
            data["credential"].get("description_translations") or {}),
        created_by_id=actor.id,
        search_rowid=search_rowid_for(course_id))
    course.modules = [CourseModule(id=uuid.uuid4(), position=i, title=module["title"])
                      for i, module in enumerate(data["modules"])]
    index_for_search(course)
    session.add(course)
    session.flush()
    audit.record(session, action="training.course_created", actor=actor,
                 subject_type="course", subject_id=course.id)
    return course


def get_course(session: Session, *, course_id: uuid.UUID) -> Course:
    """A course with its modules (public). Raises NotFound."""
    course = session.scalar(select(Course).options(selectinload(Course.modules))
                            .where(Course.id == course_id))
    if course is None:
        raise NotFound("No such course.")
    return course
