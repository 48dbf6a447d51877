"""Who may call which application endpoint: one table, so a forgotten check fails loudly."""

from __future__ import annotations

import pytest

from empower_api.jobs.applications.feedback import RATED_COMMITMENTS
from empower_api.notifications.service import notify
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.applications import apply_payload, make_application
from tests.factories.jobs import make_employer, make_job, owner_of

API = "/api/v1"
FEEDBACK = {"commitments_kept": {name: True for name in RATED_COMMITMENTS}}

# (method, path template, body, expected status per caller)
# callers: no token, the applicant, another survivor, a member of the posting's
# employer, a member of another employer, staff
MATRIX = [
    ("POST", "/jobs/{open_job}/applications", apply_payload(), (401, 201, 201, 403, 403, 403)),
    ("GET", "/jobs/{job}/applications", None, (401, 403, 403, 200, 403, 403)),
    ("GET", "/me/applications", None, (401, 200, 200, 403, 403, 403)),
    ("GET", "/applications/{application}", None, (401, 200, 404, 200, 404, 403)),
    ("POST", "/applications/{application}/status", {"status": "viewed"},
     (401, 403, 403, 200, 404, 403)),
    ("POST", "/applications/{application}/notes", {"body": "Internal"},
     (401, 403, 403, 201, 404, 403)),
    ("POST", "/applications/{application}/withdraw", None, (401, 200, 404, 403, 403, 403)),
    ("GET", "/applications/{application}/messages", None, (401, 200, 404, 200, 404, 403)),
    ("POST", "/applications/{application}/messages", {"body": "Hello"},
     (401, 201, 404, 201, 404, 403)),
    ("POST", "/applications/{hired}/feedback", FEEDBACK, (401, 201, 404, 403, 403, 403)),
    ("GET", "/staff/employers/{employer}/feedback", None, (401, 403, 403, 403, 403, 200)),
    ("GET", "/me/notifications", None, (401, 200, 200, 200, 200, 200)),
    ("POST", "/me/notifications/{notification}/read", None, (401, 200, 404, 404, 404, 404)),
]
CALLERS = ("anonymous", "applicant", "other_survivor", "member", "outsider", "staff")


@pytest.mark.parametrize(("method", "template", "body", "expected"), MATRIX,
                         ids=[f"{m} {t}" for m, t, _b, _e in MATRIX])
def test_authorization_table(session, client, auth_client, method, template, body, expected):
    employer = make_employer(session)
    job = make_job(session, employer)
    applicant = make_survivor(session)
    application = make_application(session, job, applicant)
    hired = make_application(session, make_job(session, employer), applicant, status="hired")
    users = {"applicant": applicant, "other_survivor": make_survivor(session),
             "member": owner_of(session, employer),
             "outsider": owner_of(session, make_employer(session)),
             "staff": make_staff(session)}
    ids = {"employer": employer.id, "job": job.id, "open_job": make_job(session, employer).id,
           "application": application.id, "hired": hired.id,
           "notification": notify(session, user_id=applicant.id, kind="message.new",
                                  subject_type="application", subject_id=application.id).id}
    session.commit()
    for caller, status in zip(CALLERS, expected, strict=True):
        who = client if caller == "anonymous" else auth_client(users[caller])
        response = who.open(API + template.format(**ids), method=method, json=body)
        assert response.status_code == status, (caller, response.get_data(as_text=True))
