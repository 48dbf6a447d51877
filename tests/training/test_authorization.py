"""Who may call which training endpoint: one table, so a forgotten check fails loudly."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories.accounts import make_employer_user, make_staff, make_survivor
from tests.factories.training import course_payload, make_course, make_credential, make_enrollment

API = "/api/v1"
REASON = {"X-Access-Reason": "reviewing the prior learning queue"}

# (method, path template, body, expected status per caller)
# callers: anonymous, owner survivor, another survivor, employer, staff
MATRIX = [
    ("GET", "/courses", None, (200, 200, 200, 200, 200)),
    ("GET", "/courses/{course}", None, (200, 200, 200, 200, 200)),
    ("POST", "/courses", "course", (401, 403, 403, 403, 201)),
    ("POST", "/courses/{course}/enrollments", None, (401, 409, 201, 403, 403)),
    ("GET", "/me/enrollments", None, (401, 200, 200, 200, 200)),
    ("POST", "/enrollments/{enrollment}/modules/{module}/complete", None,
     (401, 200, 404, 403, 403)),
    ("POST", "/enrollments/{enrollment}/withdraw", None, (401, 200, 404, 403, 403)),
    ("GET", "/staff/courses/{course}/enrollments", None, (401, 403, 403, 403, 200)),
    ("POST", "/staff/enrollments/{enrollment}/complete", None, (401, 403, 403, 403, 201)),
    ("GET", "/me/credentials", None, (401, 200, 200, 200, 200)),
    ("GET", "/credentials/{credential}", None, (401, 200, 404, 404, 404)),
    ("GET", "/credentials/{credential}/share", None, (401, 200, 404, 404, 404)),
    ("POST", "/credentials/verify", "jws", (200, 200, 200, 200, 200)),
    ("GET", "/credentials/status/{status_list}", None, (200, 200, 200, 200, 200)),
    ("POST", "/staff/credentials/{credential}/revoke", {}, (401, 403, 403, 403, 200)),
    ("POST", "/me/prior-learning", "claim", (401, 201, 201, 403, 403)),
    ("GET", "/me/prior-learning", None, (401, 200, 200, 200, 200)),
    ("GET", "/staff/prior-learning", None, (401, 403, 403, 403, 200)),
    ("POST", "/staff/prior-learning/{claim}/decision", {"decision": "verify", "note": "ok"},
     (401, 403, 403, 403, 200)),
    ("GET", "/me/recommendations", None, (401, 200, 200, 403, 403)),
    ("GET", "/.well-known/jwks.json", None, (200, 200, 200, 200, 200)),
    ("GET", "/.well-known/did.json", None, (200, 200, 200, 200, 200)),
]
CALLERS = ("anonymous", "owner", "other", "employer", "staff")


@pytest.mark.parametrize(("method", "template", "body", "expected"), MATRIX,
                         ids=[f"{m} {t}" for m, t, _b, _e in MATRIX])
def test_authorization_matrix(session, client, auth_client, method, template, body, expected):
    from empower_api.training import prior_learning
    from empower_api.training.courses import get_course

    owner, staff = make_survivor(session), make_staff(session)
    course = make_course(session, staff=staff)
    credential = make_credential(session, owner, staff=staff)
    enrollment = make_enrollment(session, owner, course)
    claim = prior_learning.create_claim(session, user=owner, data={
        "title": "First aid", "issuer": "Red Cross", "earned_on": date(2023, 1, 1)})
    ids = {"course": course.id, "enrollment": enrollment.id, "credential": credential.id,
           "module": get_course(session, course_id=course.id).modules[0].id,
           "status_list": credential.status_list_id, "claim": claim.id}
    users = {"owner": owner, "other": make_survivor(session),
             "employer": make_employer_user(session), "staff": staff}
    session.commit()
    payload = {"course": course_payload(), "jws": {"jws": credential.jws},
               "claim": {"title": "CPR", "issuer": "Red Cross", "earned_on": "2023-01-01"}
               }.get(body, body) if isinstance(body, str) else body
    prefix = "" if template.startswith("/.well-known") else API
    for caller, status in zip(CALLERS, expected, strict=True):
        who = client if caller == "anonymous" else auth_client(users[caller])
        response = who.open(prefix + template.format(**ids), method=method, json=payload,
                            headers=REASON if caller == "staff" else None)
        assert response.status_code == status, (caller, response.get_data(as_text=True))
