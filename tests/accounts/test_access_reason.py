"""``X-Access-Reason`` on staff reads of a person's record: checked the same way on every
such read, and documented on every one (both found by the API-wide gates, tests/fuzz
and tests/authz)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from empower_api.audit.models import AuditEvent
from tests.conftest import assert_problem
from tests.factories.accounts import make_staff, make_survivor

READS_NEEDING_A_REASON = [
    ("get", "/api/v1/staff/users/{user_id}"),
    ("get", "/api/v1/staff/prior-learning"),
    ("get", "/api/v1/staff/grant-applications/{application_id}"),
    ("get", "/api/v1/admin/grievances/{grievance_id}"),
]


def test_a_reason_longer_than_documented_is_refused_not_cut(app, session, auth_client):
    """The document says maxLength 500; a longer reason was accepted and cut to 500
    characters in the audit log. Now it is refused (422 naming the header)."""
    staff, person = make_staff(session), make_survivor(session)
    session.commit()
    client = auth_client(staff)
    url = f"/api/v1/staff/users/{person.id}"
    too_long = client.get(url, headers={"X-Access-Reason": "r" * 501})
    assert_problem(too_long, 422, field="X-Access-Reason")
    reason = "Checking the payout address the survivor asked us to fix. " * 8
    reason = reason[:500]
    assert client.get(url, headers={"X-Access-Reason": reason}).status_code == 200
    session.expire_all()
    audited = session.scalars(select(AuditEvent.reason).where(
        AuditEvent.action == "staff.read_user", AuditEvent.subject_id == str(person.id))).all()
    assert audited == [reason.strip()]


def test_a_missing_or_short_reason_still_needs_one(app, session, auth_client):
    staff, person = make_staff(session), make_survivor(session)
    session.commit()
    client = auth_client(staff)
    url = f"/api/v1/staff/users/{person.id}"
    assert_problem(client.get(url), 428)
    assert_problem(client.get(url, headers={"X-Access-Reason": "   too short   "}), 428)
    assert_problem(client.get("/api/v1/staff/prior-learning",
                              headers={"X-Access-Reason": "x" * 501}), 422,
                   field="X-Access-Reason")


def test_every_read_needing_a_reason_documents_it(client):
    """The grant application and grievance reads answered 428 without documenting the
    header or the status."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for method, path in READS_NEEDING_A_REASON:
        operation = spec["paths"][path][method]
        headers = [p for p in operation.get("parameters", []) if p.get("in") == "header"]
        assert [h["name"] for h in headers] == ["X-Access-Reason"], path
        assert headers[0]["required"] is True
        assert headers[0]["schema"]["maxLength"] == 500
        assert {"422", "428"} <= set(operation["responses"]), path


def test_an_invisible_reason_states_nothing():
    # Zero-width spaces passed the length check in the console's reason form.
    from empower_api.accounts.service import ACCESS_REASON_MIN, access_reason
    from empower_api.errors import PreconditionRequired

    for invisible in ("\u200b" * 40, "\u2060\u200d" * 20, "\u00a0" * 40, "\u200bab\u200b" * 3):
        with pytest.raises(PreconditionRequired):
            access_reason(invisible)
    enough = "a" * ACCESS_REASON_MIN
    assert access_reason(f" {enough}\u200b ") == f"{enough}\u200b"
