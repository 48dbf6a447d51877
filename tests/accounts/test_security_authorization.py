"""Who may call the two-factor, duress-password and access-log endpoints."""

from __future__ import annotations

import pytest

from tests.factories.accounts import make_admin, make_employer_user, make_staff, make_survivor

API = "/api/v1"
MAKERS = {"survivor": make_survivor, "employer": make_employer_user, "staff": make_staff,
          "admin": make_admin}
WRONG = {"password": "not-the-password"}

# (method, path, body) → expected status for anonymous, survivor, employer, staff, admin.
TABLE = [
    ("POST", "/auth/login/mfa", {"mfa_token": "made-up", "code": "123456"},
     (401, 401, 401, 401, 401)),
    ("POST", "/me/mfa", None, (401, 201, 201, 403, 403)),
    ("POST", "/me/mfa/confirm", {"code": "123456"}, (401, 409, 409, 403, 403)),
    ("DELETE", "/me/mfa", WRONG, (401, 422, 422, 403, 403)),
    ("PUT", "/me/duress-password", {**WRONG, "duress_password": "sunny-garden-walk"},
     (401, 422, 403, 403, 403)),
    ("GET", "/me/access-log", None, (401, 200, 200, 200, 200)),
    ("GET", "/staff/audit-log", None, (401, 403, 403, 403, 200)),
]
KINDS = ("anonymous", *MAKERS)


@pytest.mark.parametrize("method,path,body,expected", TABLE, ids=[f"{r[0]} {r[1]}" for r in TABLE])
def test_authorization_table(client, session, auth_client, method, path, body, expected):
    got = []
    for kind in KINDS:
        caller = client if kind == "anonymous" else auth_client(MAKERS[kind](session))
        got.append(caller.open(f"{API}{path}", method=method, json=body).status_code)
    assert dict(zip(KINDS, got, strict=True)) == dict(zip(KINDS, expected, strict=True))
