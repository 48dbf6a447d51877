"""``GET /me/recommendations``: postings that fit the survivor's skills, and courses
that teach what the postings they saved ask for.

A survivor's skills are their profile skills, the skills of their active issued
credentials and those of their verified prior-learning claims (a claim without
skills counts by its title).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, defer

from empower_api.accounts.models import User
from empower_api.db import utcnow
from empower_api.jobs.models import Employer, Job, SavedJob
from empower_api.jobs.schemas import summary_of
from empower_api.jobs.search import canonical_skills, public_clause
from empower_api.moderation.personal import personal_filter
from empower_api.training.catalog import any_element
from empower_api.training.models import (
    ClaimStatus,
    Course,
    Credential,
    Enrollment,
    EnrollmentStatus,
    PriorLearningClaim,
)
from empower_api.training.schemas import course_summary

MAX_ITEMS = 10
CANDIDATES = 200  # newest matching postings (or courses) ranked per request


def skills_of(session: Session, user: User) -> set[str]:
    """Profile skills ∪ active credentials' skills ∪ verified claims' skills."""
    skills = set(canonical_skills(user.skills or []))
    for (credential_skills,) in session.execute(select(Credential.skills).where(
            Credential.user_id == user.id, Credential.revoked_at.is_(None))):
        skills |= set(canonical_skills(credential_skills or []))
    for claim_skills, title in session.execute(
            select(PriorLearningClaim.skills, PriorLearningClaim.title).where(
                PriorLearningClaim.user_id == user.id,
                PriorLearningClaim.status == ClaimStatus.VERIFIED)):
        skills |= set(canonical_skills(claim_skills or [title]))
    return skills


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _jobs(session: Session, dialect: str, user: User, skills: set[str]) -> list[dict[str, Any]]:
    if not skills:
        return []
    wanted = sorted(skills)
    rows = session.scalars(
        select(Job).join(Job.employer)
        .options(contains_eager(Job.employer).defer(Employer.description, raiseload=True),
                 defer(Job.description, raiseload=True), defer(Job.search_title, raiseload=True),
                 defer(Job.search_body, raiseload=True))
        .where(public_clause(utcnow()),
               any_element(dialect, Job.skills, lambda v: v.in_(wanted)),
               # Never employers the survivor blocked, nor categories they excluded.
               *personal_filter(user).predicates)
        .order_by(Job.published_at.desc(), Job.id.desc()).limit(CANDIDATES)).unique()
    scored = [(len(skills & set(job.skills or [])), job) for job in rows]
    scored.sort(key=lambda pair: -pair[0])  # stable: newest first among equals
    return [{"job": summary_of(job),
             "reason": f"Matches {_plural(overlap, 'skill')} of yours."}
            for overlap, job in scored[:MAX_ITEMS]]


def _courses(session: Session, dialect: str, user: User, skills: set[str]) -> list[dict[str, Any]]:
    asked: Counter[str] = Counter()
    for (job_skills,) in session.execute(
            select(Job.skills).join(SavedJob, SavedJob.job_id == Job.id)
            .where(SavedJob.user_id == user.id)):
        asked.update(set(canonical_skills(job_skills or [])) - skills)
    if not asked:
        return []
    missing = [skill for skill, _count in asked.most_common(20)]
    taken = select(Enrollment.course_id).where(
        Enrollment.user_id == user.id,
        Enrollment.status.in_([EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED]))
    rows = session.scalars(
        select(Course).options(defer(Course.description, raiseload=True),
                               defer(Course.search_title, raiseload=True),
                               defer(Course.search_body, raiseload=True),
                               defer(Course.credential_description, raiseload=True))
        .where(any_element(dialect, Course.skills, lambda v: v.in_(missing)),
               Course.id.not_in(taken))
        .order_by(Course.created_at.desc(), Course.id.desc()).limit(CANDIDATES))
    scored = []
    for course in rows:
        taught = [s for s in missing if s in set(course.skills or [])]
        scored.append((sum(asked[s] for s in taught), taught, course))
    scored.sort(key=lambda item: -item[0])
    out = []
    for _score, taught, course in scored[:MAX_ITEMS]:
        top = taught[0]
        reason = (f"Teaches {top}, asked for by {_plural(asked[top], 'job')} you saved."
                  if len(taught) == 1 else
                  f"Teaches {_plural(len(taught), 'skill')} asked for by jobs you saved, "
                  f"such as {top}.")
        out.append({"course": course_summary(course), "reason": reason})
    return out


def recommend(session: Session, *, user: User) -> dict[str, list[dict[str, Any]]]:
    """``{"jobs": [{"job", "reason"}], "courses": [{"course", "reason"}]}``, best first.

    Jobs: publicly visible postings sharing skills with the survivor, ranked by how
    many they share (then newest). Courses: courses teaching skills that the postings
    the survivor saved ask for and the survivor lacks, ranked by how often those
    skills are asked for; courses already taken are left out.
    """
    dialect = session.get_bind().dialect.name
    skills = skills_of(session, user)
    return {"jobs": _jobs(session, dialect, user, skills),
            "courses": _courses(session, dialect, user, skills)}
