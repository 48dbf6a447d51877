"""Who may call which consent, research-count and impact endpoint: one table."""

from __future__ import annotations

import pytest

from tests.factories.accounts import make_admin, make_employer_user, make_staff, make_survivor

API = "/api/v1"

# (method, path, body, expected status per caller)
# callers: anonymous, survivor, employer, staff, admin
MATRIX = [
    ("GET", "/me/consents", None, (401, 200, 403, 403, 403)),
    ("PUT", "/me/consents/research_contact", {"granted": True}, (401, 200, 403, 403, 403)),
    ("GET", "/me/consents/research_contact/history", None, (401, 200, 403, 403, 403)),
    ("GET", "/staff/research-contacts/count", None, (401, 403, 403, 200, 200)),
    ("GET", "/impact", None, (200, 200, 200, 200, 200)),
]
CALLERS = ("anonymous", "survivor", "employer", "staff", "admin")


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX,
                         ids=[f"{m} {p}" for m, p, _b, _e in MATRIX])
def test_authorization_matrix(session, client, auth_client, method, path, body, expected):
    users = {"survivor": make_survivor(session), "employer": make_employer_user(session),
             "staff": make_staff(session), "admin": make_admin(session)}
    session.commit()
    for caller, status in zip(CALLERS, expected, strict=True):
        who = client if caller == "anonymous" else auth_client(users[caller])
        response = who.open(API + path, method=method, json=body)
        assert response.status_code == status, (caller, response.get_data(as_text=True))
