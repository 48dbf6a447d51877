"""Employer organisations, members and staff vetting over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from empower_api.audit.models import AuditEvent
from empower_api.db import utcnow
from empower_api.jobs.models import Employer, VettingStatus
from tests.conftest import assert_problem
from tests.factories.accounts import make_employer_user, make_staff, make_survivor
from tests.factories.jobs import employer_payload, make_employer, owner_of

API = "/api/v1"


def test_employer_user_creates_pending_employer_and_is_its_owner(session, auth_client):
    user = make_employer_user(session)
    session.commit()
    client = auth_client(user)
    response = client.post(f"{API}/employers", json=employer_payload(
        commitments={**employer_payload()["commitments"], "language_support": ["PT-br", "en"]}))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["vetting_status"] == "pending"
    assert body["vetted_until"] is None
    assert body["name"] == "Harbor Bakery Co-op"
    assert body["commitments"]["language_support"] == ["pt-BR", "en"]
    assert body["badge"]["vetted"] is False
    members = client.get(f"{API}/employers/{body['id']}/members").get_json()["items"]
    assert [(m["user_id"], m["role"]) for m in members] == [(str(user.id), "owner")]
    mine = client.get(f"{API}/me/employers").get_json()["items"]
    assert [e["id"] for e in mine] == [body["id"]]


def test_survivor_cannot_create_employer(session, auth_client):
    client = auth_client(make_survivor(session))
    assert_problem(client.post(f"{API}/employers", json=employer_payload()), 403)


def test_employer_creation_requires_every_commitment_and_refuses_unknown_fields(
        session, auth_client):
    client = auth_client(make_employer_user(session))
    commitments = dict(employer_payload()["commitments"])
    del commitments["fair_chance_hiring"]
    assert_problem(client.post(f"{API}/employers", json=employer_payload(commitments=commitments)),
                   422, field="commitments.fair_chance_hiring")
    assert_problem(client.post(f"{API}/employers", json={**employer_payload(), "vetted": True}),
                   422, field="vetted")
    bad_language = {**employer_payload()["commitments"], "language_support": ["not a tag"]}
    assert_problem(client.post(f"{API}/employers",
                               json=employer_payload(commitments=bad_language)), 422)


def test_pending_employer_is_hidden_from_the_public_but_not_from_members_or_staff(
        session, auth_client, client):
    employer = make_employer(session, status=VettingStatus.PENDING)
    owner, staff = owner_of(session, employer), make_staff(session)
    session.commit()
    assert_problem(client.get(f"{API}/employers/{employer.id}"), 404)
    assert auth_client(owner).get(f"{API}/employers/{employer.id}").status_code == 200
    assert auth_client(staff).get(f"{API}/employers/{employer.id}").status_code == 200


def test_vetted_employer_is_public_with_its_badge(session, client):
    employer = make_employer(session)
    session.commit()
    body = client.get(f"{API}/employers/{employer.id}").get_json()
    assert body["vetting_status"] == "vetted"
    assert body["badge"]["vetted"] is True
    assert body["badge"]["vetted_until"] == body["vetted_until"]
    assert "trauma_informed_training" in body["badge"]["commitments"]
    assert body["commitments"]["trauma_informed_training"] is True


def test_member_invites_and_the_invitee_joins_only_by_accepting(session, auth_client):
    employer = make_employer(session)
    colleague = make_employer_user(session, email="colleague@example.org")
    session.commit()
    client = auth_client(owner_of(session, employer))
    invited = client.post(f"{API}/employers/{employer.id}/invitations",
                          json={"email": "Colleague@EXAMPLE.org"})
    assert invited.status_code == 201, invited.get_json()
    body = invited.get_json()
    assert body["status"] == "pending" and "user_id" not in body
    invitee = auth_client(colleague)
    assert_problem(invitee.get(f"{API}/employers/{employer.id}/members"), 403)
    listed = invitee.get(f"{API}/me/invitations").get_json()["items"]
    assert [i["id"] for i in listed] == [body["id"]]
    accepted = invitee.post(f"{API}/invitations/{body['id']}/accept")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert invitee.get(f"{API}/employers/{employer.id}/members").status_code == 200


def test_non_member_cannot_list_members_or_invite(session, auth_client):
    employer = make_employer(session)
    outsider = make_employer_user(session)
    session.commit()
    client = auth_client(outsider)
    assert_problem(client.get(f"{API}/employers/{employer.id}/members"), 403)
    assert_problem(client.post(f"{API}/employers/{employer.id}/invitations",
                               json={"email": outsider.email}), 403)


def test_staff_approval_lasts_twelve_months_and_is_audited(session, auth_client):
    employer = make_employer(session, status=VettingStatus.PENDING)
    staff = make_staff(session)
    session.commit()
    response = auth_client(staff).post(f"{API}/staff/employers/{employer.id}/vetting",
                                       json={"decision": "approve", "note": "Site visit done."})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["vetting_status"] == "vetted"
    until = utcnow().replace(year=utcnow().year + 1)
    assert body["vetted_until"][:10] in {until.date().isoformat(),
                                         (until - timedelta(days=1)).date().isoformat()}
    event = session.scalar(select(AuditEvent).where(AuditEvent.subject_id == str(employer.id)))
    assert event.action == "jobs.employer.vetting.approve"
    assert event.reason == "Site visit done."
    assert event.actor_id == staff.id
    assert event.data["from"] == "pending" and event.data["to"] == "vetted"


@pytest.mark.parametrize(("start", "decision", "expected"), [
    (VettingStatus.PENDING, "reject", "rejected"),
    (VettingStatus.VETTED, "suspend", "suspended"),
    (VettingStatus.SUSPENDED, "approve", "vetted"),
    (VettingStatus.EXPIRED, "approve", "vetted"),
])
def test_vetting_decisions_move_the_status(session, auth_client, start, decision, expected):
    employer = make_employer(session, status=start)
    staff = make_staff(session)
    session.commit()
    response = auth_client(staff).post(f"{API}/staff/employers/{employer.id}/vetting",
                                       json={"decision": decision, "note": "Reviewed."})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["vetting_status"] == expected
    assert (response.get_json()["vetted_until"] is None) == (expected != "vetted")


def test_impossible_vetting_transitions_are_409(session, auth_client):
    pending = make_employer(session, status=VettingStatus.PENDING)
    vetted = make_employer(session)
    client = auth_client(make_staff(session))
    session.commit()
    assert_problem(client.post(f"{API}/staff/employers/{pending.id}/vetting",
                               json={"decision": "suspend", "note": "x"}), 409)
    assert_problem(client.post(f"{API}/staff/employers/{vetted.id}/vetting",
                               json={"decision": "reject", "note": "x"}), 409)


def test_vetting_needs_staff_a_note_and_a_known_decision(session, auth_client):
    employer = make_employer(session, status=VettingStatus.PENDING)
    owner = owner_of(session, employer)
    staff = make_staff(session)
    session.commit()
    url = f"{API}/staff/employers/{employer.id}/vetting"
    assert_problem(auth_client(owner).post(url, json={"decision": "approve", "note": "me"}), 403)
    staff_client = auth_client(staff)
    assert_problem(staff_client.post(url, json={"decision": "approve"}), 422, field="note")
    assert_problem(staff_client.post(url, json={"decision": "bless", "note": "x"}), 422,
                   field="decision")
    assert_problem(staff_client.post(f"{API}/staff/employers/{staff.id}/vetting",
                                     json={"decision": "approve", "note": "x"}), 404)


def test_lapsed_approval_reads_as_expired_before_the_task_runs(session, client, auth_client):
    employer = make_employer(session, status="lapsed")
    staff = make_staff(session)
    session.commit()
    assert_problem(client.get(f"{API}/employers/{employer.id}"), 404)
    body = auth_client(staff).get(f"{API}/employers/{employer.id}").get_json()
    assert body["vetting_status"] == "expired"
    assert body["badge"]["vetted"] is False


def test_staff_queue_lists_pending_employers_oldest_first(session, auth_client):
    first = make_employer(session, status=VettingStatus.PENDING)
    second = make_employer(session, status=VettingStatus.PENDING)
    second.created_at = first.created_at + timedelta(seconds=1)
    make_employer(session)
    staff = make_staff(session)
    session.commit()
    body = auth_client(staff).get(f"{API}/staff/employers?status=pending").get_json()
    ids = [item["id"] for item in body["items"]]
    assert ids.index(str(first.id)) < ids.index(str(second.id))
    assert all(item["vetting_status"] == "pending" for item in body["items"])
    assert session.get(Employer, first.id) is not None
