"""Employers and postings for tests, made through the service layer's own rules."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.db import utcnow
from empower_api.jobs.models import (
    Employer,
    EmployerMember,
    Job,
    JobStatus,
    MemberRole,
    VettingStatus,
    search_rowid_for,
)
from empower_api.jobs.service import _index_for_search, add_months
from tests.factories.accounts import make_employer_user

_counter = itertools.count(1)

ALL_COMMITMENTS = {
    "flexible_scheduling": True, "fair_chance_hiring": True, "pay_transparency": True,
    "safe_workplace_policy": True, "trauma_informed_training": True,
    "language_support": ["en", "es"], "accommodations": True,
}


def employer_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Harbor Bakery Co-op", "description": "A worker-owned bakery.",
        "country": "US", "region": "Illinois", "city": "Chicago",
        "website": "https://harbor.example.org",
        "commitments": dict(ALL_COMMITMENTS), **overrides,
    }


def job_payload(employer_id: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "employer_id": str(employer_id), "title": "Baker's assistant",
        "description": "Early shifts shaping bread; we train you.",
        "employment_type": "part_time", "pay_min_amount": 1800, "pay_max_amount": 2200,
        "currency": "USD", "pay_period": "hour", "country": "US", "region": "Illinois",
        "city": "Chicago", "workplace": "onsite", "languages": ["en", "es"], "skills": ["baking"],
        "flexible_schedule": True, "background_check": "fair_chance", "status": "published",
        **overrides,
    }


def make_employer(session: Session, *, status: str = VettingStatus.VETTED,
                  member: User | None = None, name: str | None = None,
                  vetted_until: Any = "default", **fields: Any) -> Employer:
    """An employer in any vetting state; ``expired`` means vetted but lapsed. In the
    United States unless ``country`` says otherwise."""
    now = utcnow()
    stored_status = VettingStatus.VETTED if status == "lapsed" else status
    if vetted_until == "default":
        vetted_until = {
            VettingStatus.VETTED: add_months(now, 12),
            VettingStatus.EXPIRED: now - timedelta(days=1),
            "lapsed": now - timedelta(minutes=1),
        }.get(status)
    employer = Employer(
        id=uuid.uuid4(), name=name or f"Employer {next(_counter)}",
        description="A test employer.", region="Illinois", city="Chicago",
        commitments=dict(ALL_COMMITMENTS), vetting_status=stored_status,
        vetted_until=vetted_until, **{"country": "US", **fields},
    )
    session.add(employer)
    session.flush()
    member = member or make_employer_user(session)
    session.add(EmployerMember(employer_id=employer.id, user_id=member.id, role=MemberRole.OWNER))
    session.flush()
    return employer


def owner_of(session: Session, employer: Employer) -> User:
    from sqlalchemy import select

    return session.scalar(
        select(User).join(EmployerMember, EmployerMember.user_id == User.id)
        .where(EmployerMember.employer_id == employer.id).limit(1))


def make_job(session: Session, employer: Employer, *, status: str = JobStatus.PUBLISHED,
             published_ago: timedelta = timedelta(hours=1), **fields: Any) -> Job:
    now = utcnow()
    job_id = uuid.uuid4()
    values: dict[str, Any] = {
        "title": f"Job {next(_counter)}", "description": "Friendly team, steady hours.",
        "employment_type": "full_time", "pay_min_amount": 1500, "pay_max_amount": 2000,
        "currency": "USD", "pay_period": "hour", "country": employer.country,
        "region": "Illinois", "city": "Chicago", "workplace": "onsite", "languages": ["en"],
        "skills": [], "flexible_schedule": False,
        "background_check": "none",
    }
    values.update(fields)
    job = Job(id=job_id, employer_id=employer.id, search_rowid=search_rowid_for(job_id),
              status=status, **values)
    job.employer = employer
    if status != JobStatus.DRAFT:
        job.published_at = values.get("published_at") or now - published_ago
        job.valid_through = values.get("valid_through") or job.published_at + timedelta(days=60)
    _index_for_search(job, employer)
    session.add(job)
    session.flush()
    return job
