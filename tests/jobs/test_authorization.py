"""Who may call which jobs endpoint: one table, so a forgotten check fails loudly."""

from __future__ import annotations

import pytest

from empower_api.jobs.models import JobStatus, VettingStatus
from tests.factories.accounts import make_employer_user, make_staff, make_survivor
from tests.factories.jobs import employer_payload, job_payload, make_employer, make_job, owner_of

API = "/api/v1"

# (method, path template, body, expected status per caller)
# callers: anonymous, survivor, outsider employer, member employer, staff
MATRIX = [
    ("GET", "/jobs", None, (200, 200, 200, 200, 200)),
    ("GET", "/jobs/{job}", None, (200, 200, 200, 200, 200)),
    ("GET", "/jobs/{draft}", None, (404, 404, 404, 200, 200)),
    ("GET", "/jobs/{job}/jsonld", None, (200, 200, 200, 200, 200)),
    ("POST", "/jobs", "job", (401, 403, 403, 201, 403)),
    ("PATCH", "/jobs/{job}", {"title": "New title"}, (401, 403, 403, 200, 403)),
    ("POST", "/jobs/{job}/close", None, (401, 403, 403, 200, 403)),
    ("POST", "/employers", "employer", (401, 403, 201, 201, 403)),
    ("GET", "/employers/{employer}", None, (200, 200, 200, 200, 200)),
    ("GET", "/employers/{pending}", None, (404, 404, 404, 200, 200)),
    ("GET", "/employers/{employer}/members", None, (401, 403, 403, 200, 403)),
    ("POST", "/employers/{employer}/invitations", {"email": "new-colleague@example.org"},
     (401, 403, 403, 201, 403)),
    ("GET", "/me/invitations", None, (401, 200, 200, 200, 200)),
    ("GET", "/employers/{employer}/jobs", None, (401, 403, 403, 200, 403)),
    ("GET", "/me/employers", None, (401, 403, 200, 200, 403)),
    ("GET", "/staff/employers", None, (401, 403, 403, 403, 200)),
    ("POST", "/staff/employers/{pending}/vetting", {"decision": "approve", "note": "ok"},
     (401, 403, 403, 403, 200)),
    ("PUT", "/me/saved-jobs/{job}", None, (401, 204, 204, 204, 204)),
    ("GET", "/me/saved-jobs", None, (401, 200, 200, 200, 200)),
    ("POST", "/me/saved-searches", {"name": "n", "query": {}}, (401, 201, 201, 201, 201)),
    ("GET", "/me/saved-searches", None, (401, 200, 200, 200, 200)),
]
CALLERS = ("anonymous", "survivor", "outsider", "member", "staff")


@pytest.mark.parametrize(("method", "template", "body", "expected"), MATRIX,
                         ids=[f"{m} {t}" for m, t, _b, _e in MATRIX])
def test_authorization_matrix(session, client, auth_client, method, template, body, expected):
    employer = make_employer(session)
    pending = make_employer(session, status=VettingStatus.PENDING,
                            member=owner_of(session, employer))
    ids = {"employer": employer.id, "pending": pending.id,
           "job": make_job(session, employer).id,
           "draft": make_job(session, employer, status=JobStatus.DRAFT).id}
    users = {"survivor": make_survivor(session), "outsider": make_employer_user(session),
             "member": owner_of(session, employer), "staff": make_staff(session)}
    session.commit()
    payload = {"job": job_payload(employer.id), "employer": employer_payload()}.get(
        body, body) if isinstance(body, str) else body
    for caller, status in zip(CALLERS, expected, strict=True):
        who = client if caller == "anonymous" else auth_client(users[caller])
        response = who.open(API + template.format(**ids), method=method, json=payload)
        assert response.status_code == status, (caller, response.get_data(as_text=True))
