"""Applications for tests, made through the service layer (so the rules hold)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.jobs.applications import service
from empower_api.jobs.applications.models import ActorRole, Application
from empower_api.jobs.models import Job
from tests.factories.jobs import owner_of

PIPELINE = ("viewed", "interview", "offered", "hired")


def make_application(session: Session, job: Job, applicant: User, *,
                     fields: list[str] | None = None, cover_note: str = "I would like this job.",
                     status: str = "submitted") -> Application:
    """An application moved along the pipeline to ``status`` by the employer's owner."""
    application = service.apply(session, actor=applicant, job_id=job.id, data={
        "cover_note": cover_note, "share": {"fields": fields or [], "credential_ids": []}})
    if status == "submitted":
        return application
    owner = owner_of(session, job.employer)
    if status == "withdrawn":
        service.withdraw(session, actor=applicant, application_id=application.id)
        return application
    steps: list[str] = ["declined"] if status == "declined" else \
        list(PIPELINE[:PIPELINE.index(status) + 1])
    for step in steps:
        service._move(session, application, step, actor=owner, role=ActorRole.EMPLOYER)
    return application


def apply_payload(**overrides: Any) -> dict[str, Any]:
    return {"cover_note": "I bake every weekend and would love to learn more.",
            "share": {"fields": ["languages", "skills"], "credential_ids": []}, **overrides}
