"""What each side sees of an application: plain dicts, dumped by the schemas.

``employer_view`` is the whole of what an employer ever learns about an applicant:
the random handle, the cover note and the snapshot the applicant chose to share.
"""

from __future__ import annotations

import json
from typing import Any

from empower_api.jobs.applications.models import Application, ApplicationNote, Message
from empower_api.jobs.models import Job


def shared_of(application: Application) -> dict[str, Any]:
    """The snapshot taken at submission (empty once the applicant erased the account)."""
    if not application.shared_snapshot:
        return {"fields": {}, "credentials": []}
    return json.loads(application.shared_snapshot)


def _common(application: Application) -> dict[str, Any]:
    return {
        "id": application.id, "job_id": application.job_id,
        "applicant_handle": application.applicant_handle, "status": application.status,
        "cover_note": application.cover_note, "shared": shared_of(application),
        "history": application.history, "submitted_at": application.created_at,
        "updated_at": application.updated_at,
    }


def employer_view(application: Application, notes: list[ApplicationNote] | None = None,
                  *, sharing: bool = True) -> dict[str, Any]:
    """``sharing`` False: the applicant withdrew consent to share a profile, so nothing
    beyond the cover note shows."""
    view = _common(application)
    if not sharing:
        view["shared"] = {"fields": {}, "credentials": []}
    if notes is not None:
        view["notes"] = [{"id": n.id, "body": n.body, "created_at": n.created_at}
                         for n in notes]
    return view


def applicant_view(application: Application, job: Job) -> dict[str, Any]:
    view = _common(application)
    view["job"] = {"id": job.id, "title": job.title, "employer_name": job.employer.name,
                   "status": job.status}
    return view


def message_view(message: Message, *, reader_id: Any) -> dict[str, Any]:
    return {"id": message.id, "application_id": message.application_id,
            "sender_role": message.sender_role,
            "mine": message.sender_id is not None and message.sender_id == reader_id,
            "body": message.body, "erased": message.erased_at is not None,
            "created_at": message.created_at}
