"""Demo data for moderation: the staff queue holds one posting hidden by three reports
and one held for scam signals. Made through the services by the demo employer and
the demo's other survivors; running it again finds the postings and changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.jobs import service as jobs
from empower_api.jobs.models import Employer, EmployerMember, Job
from empower_api.moderation import service

EMPLOYER_NAME = "Open Door Logistics"
REPORTED_TITLE = "Overnight loader, cash in hand"
HELD_TITLE = "Hotel housekeeping abroad"


def _posting(employer: Employer, title: str, category: str, text: str) -> dict[str, Any]:
    return {"employer_id": employer.id, "title": title, "description": text,
            "employment_type": "temporary", "pay_min_amount": 1500, "pay_max_amount": 4000,
            "currency": "USD", "pay_period": "hour", "region": employer.region,
            "city": employer.city, "workplace": "onsite", "languages": ["en"], "skills": [],
            "flexible_schedule": False, "background_check": "none", "status": "published",
            "category": category}


def load(session: Session, context: dict[str, Any]) -> None:
    owner = context["employer_user"]
    employer = session.scalar(
        select(Employer).join(EmployerMember, EmployerMember.employer_id == Employer.id)
        .where(EmployerMember.user_id == owner.id, Employer.name == EMPLOYER_NAME))
    if employer is None or session.scalar(select(Job.id).where(
            Job.employer_id == employer.id, Job.title == REPORTED_TITLE)) is not None:
        return
    reported = jobs.create_job(session, actor=owner, data=_posting(
        employer, REPORTED_TITLE, "logistics",
        "Start tonight, no questions asked. Pay in cash at the end of each week."))
    reasons = ("unsafe", "misleading", "exploitative")
    for reporter, reason in zip(context["other_survivors"], reasons, strict=True):
        service.report_job(session, actor=reporter, job_id=reported.id, reason=reason,
                           details="Demo: the pay and the hours sound wrong.")
    jobs.create_job(session, actor=owner, data=_posting(
        employer, HELD_TITLE, "housekeeping",
        "Work in a hotel overseas. We arrange your visa and plane ticket."))
    session.flush()
    context["printed"].append("moderation: 2 postings waiting in GET /staff/moderation")
