"""Demo data for training: a few courses, an enrollment in progress and an issued
credential for the demo survivor. Running it again finds the data and changes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.training import courses, enrollments
from empower_api.training.models import Course, Enrollment

COURSES: list[dict[str, Any]] = [
    {"title": "Food safety basics", "provider": "Northside Adult Learning",
     "description": "Safe handling, storage and hygiene for kitchens and bakeries.",
     "modality": "online", "languages": ["en", "es"], "duration_hours": 6, "cost_amount": 0,
     "currency": "USD", "skills": ["food safety", "hygiene"],
     "modules": [{"title": "Germs and temperatures"}, {"title": "Storage"},
                 {"title": "Cleaning routines"}],
     "credential": {"name": "Food Safety Basics",
                    "description": "Knows safe handling, storage and cleaning of food."}},
    {"title": "Customer service essentials", "provider": "Lakeshore Community College",
     "description": "Greeting, listening, handling complaints and the cash register.",
     "modality": "hybrid", "languages": ["en"], "duration_hours": 12, "cost_amount": 0,
     "currency": "USD", "skills": ["customer service", "cash handling"],
     "modules": [{"title": "First impressions"}, {"title": "Difficult conversations"},
                 {"title": "Handling cash"}, {"title": "Practice shift"}],
     "credential": {"name": "Customer Service Essentials",
                    "description": "Serves customers well and handles cash accurately."}},
    {"title": "Forklift operator certificate", "provider": "Open Door Training",
     "description": "Safe forklift operation with a practical test in the warehouse.",
     "modality": "in_person", "languages": ["en", "es"], "duration_hours": 16,
     "cost_amount": 4500, "currency": "USD", "skills": ["forklift", "warehouse safety"],
     "modules": [{"title": "Controls and checks"}, {"title": "Loads and stability"},
                 {"title": "Practical test"}],
     "credential": {"name": "Forklift Operator",
                    "description": "Operates a counterbalance forklift safely."}},
    {"title": "Digital skills for work", "provider": "Northside Adult Learning",
     "description": "E-mail, documents, spreadsheets and staying safe online.",
     "modality": "online", "languages": ["en", "es", "fr"], "duration_hours": 10,
     "cost_amount": 0, "currency": "USD", "skills": ["computer literacy", "spreadsheets"],
     "modules": [{"title": "E-mail"}, {"title": "Documents"}, {"title": "Spreadsheets"}],
     "credential": {"name": "Digital Skills for Work",
                    "description": "Uses e-mail, documents and spreadsheets at work."}},
]


def load(session: Session, context: dict[str, Any]) -> None:
    staff, survivor = context["staff"], context["survivor"]
    made = {c.title: c for c in session.scalars(
        select(Course).where(Course.title.in_([c["title"] for c in COURSES])))}
    for data in COURSES:
        if data["title"] not in made:
            made[data["title"]] = courses.create_course(session, actor=staff, data=data)
    session.flush()
    if session.scalar(select(Enrollment.id).where(Enrollment.user_id == survivor.id)) is None:
        in_progress = enrollments.enroll(session, user=survivor,
                                         course_id=made["Customer service essentials"].id)
        first = courses.get_course(session, course_id=in_progress.course_id).modules[0]
        enrollments.complete_module(session, user=survivor, enrollment_id=in_progress.id,
                                    module_id=first.id)
        done = enrollments.enroll(session, user=survivor,
                                  course_id=made["Food safety basics"].id)
        enrollments.complete_by_staff(session, actor=staff, enrollment_id=done.id)
    session.flush()
    context["courses"] = made
    context["printed"].append("training: 4 courses; sunrise42 has one credential and one "
                              "course in progress")
