"""Staff reads of a person's record need a reason and land in the audit log."""

from __future__ import annotations

from tests.conftest import assert_problem
from tests.factories.accounts import make_admin, make_staff, make_survivor

API = "/api/v1"


def test_staff_read_without_reason_is_428(session, auth_client):
    survivor = make_survivor(session)
    staff = auth_client(make_staff(session))
    assert_problem(staff.get(f"{API}/staff/users/{survivor.id}"), 428)
    assert_problem(staff.get(f"{API}/staff/users/{survivor.id}",
                             headers={"X-Access-Reason": "x"}), 428)


def test_staff_read_with_reason_is_audited(session, auth_client):
    survivor = make_survivor(session, alias="readme1")
    staff_user = make_staff(session)
    session.commit()
    staff = auth_client(staff_user)
    reason = "Grant application review, case 17"
    response = staff.get(f"{API}/staff/users/{survivor.id}", headers={"X-Access-Reason": reason})
    assert response.status_code == 200
    assert response.get_json()["alias"] == "readme1"
    admin = auth_client(make_admin(session))
    log = admin.get(f"{API}/staff/audit-log?action=staff.read_user").get_json()["items"]
    assert log[0]["subject_id"] == str(survivor.id)
    assert log[0]["actor_id"] == str(staff_user.id)
    assert log[0]["reason"] == reason


def test_survivor_cannot_read_others_or_the_audit_log(session, auth_client):
    other = make_survivor(session)
    client = auth_client(make_survivor(session))
    assert_problem(client.get(f"{API}/staff/users/{other.id}",
                              headers={"X-Access-Reason": "just curious, really"}), 403)
    assert_problem(client.get(f"{API}/staff/audit-log"), 403)


def test_staff_cannot_read_the_audit_log(session, auth_client):
    assert_problem(auth_client(make_staff(session)).get(f"{API}/staff/audit-log"), 403)


def test_unknown_user_is_404_for_staff(session, auth_client):
    import uuid

    staff = auth_client(make_staff(session))
    assert_problem(staff.get(f"{API}/staff/users/{uuid.uuid4()}",
                             headers={"X-Access-Reason": "checking a report today"}), 404)
