"""Demo applications in several states, with messages (runs after the jobs demo).

Made through the service functions by the demo accounts; running it again finds the
demo survivor's applications and changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.jobs.applications import messages, service
from empower_api.jobs.applications.models import Application
from empower_api.jobs.models import EmployerMember, Job, JobStatus

# (applicant index: 0 = the demo survivor, then the other survivors; posting index;
#  shared fields; the employer's moves; messages as (from applicant?, body))
DEMO: list[tuple[int, int, list[str], list[str], list[tuple[bool, str]]]] = [
    (0, 0, ["languages", "skills", "region"], ["viewed", "interview"], [
        (False, "Thank you for applying. Could you come in on Tuesday at 10?"),
        (True, "Yes, Tuesday at 10 works. Is there parking nearby?"),
        (False, "There is a bus stop in front of the bakery and free parking behind it."),
    ]),
    (0, 7, ["languages", "skills"], [], [
        (True, "Hello, is the shift pattern the same every week?"),
    ]),
    (1, 0, ["skills"], ["viewed", "declined"], []),
    (2, 1, ["languages", "skills", "availability"], ["viewed", "interview", "offered", "hired"],
     [(False, "Welcome aboard! Your first day is Monday."),
      (True, "Thank you, see you Monday.")]),
    (3, 2, ["skills"], [], []),
]


def load(session: Session, context: dict[str, Any]) -> None:
    owner, survivor = context["employer_user"], context["survivor"]
    applicants = [survivor, *context["other_survivors"]]
    if session.scalar(select(Application.id).where(Application.applicant_id == survivor.id)):
        return
    jobs = list(session.scalars(
        select(Job).join(EmployerMember, EmployerMember.employer_id == Job.employer_id)
        .where(EmployerMember.user_id == owner.id, Job.status == JobStatus.PUBLISHED)
        .order_by(Job.created_at, Job.id)))
    made = 0
    for who, job_index, fields, moves, conversation in DEMO:
        if job_index >= len(jobs):
            continue
        applicant = applicants[who]
        application = service.apply(session, actor=applicant, job_id=jobs[job_index].id, data={
            "cover_note": "I am reliable and keen to learn.",
            "share": {"fields": fields, "credential_ids": []}})
        for move in moves:
            service.change_status(session, actor=owner, application_id=application.id,
                                  status=move, note=None)
        for from_applicant, body in conversation:
            messages.post_message(session, actor=applicant if from_applicant else owner,
                                  application_id=application.id, body=body)
        made += 1
    # The last demo applicant changed their mind.
    if made == len(DEMO):
        last = session.scalar(select(Application).where(
            Application.applicant_id == applicants[DEMO[-1][0]].id))
        if last is not None:
            service.withdraw(session, actor=applicants[DEMO[-1][0]], application_id=last.id)
    session.flush()
    context["printed"].append(f"applications: {made} in several states, with messages")
