"""The pipeline over HTTP: transitions, first view, withdrawal, history, notes, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from empower_api.audit.models import AuditEvent
from tests.conftest import assert_problem
from tests.factories.accounts import make_employer_user, make_survivor
from tests.factories.applications import make_application
from tests.factories.jobs import make_employer, make_job, owner_of

API = "/api/v1"


def _setup(session, status="submitted"):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    application = make_application(session, job, survivor, status=status)
    owner = owner_of(session, job.employer)
    session.commit()
    return application, survivor, owner


def test_the_first_open_by_a_member_marks_it_viewed_once(session, auth_client):
    application, survivor, owner = _setup(session)
    employer = auth_client(owner)
    first = employer.get(f"{API}/applications/{application.id}").get_json()
    assert first["status"] == "viewed"
    assert [h["status"] for h in first["history"]] == ["submitted", "viewed"]
    assert first["history"][1]["actor_role"] == "employer"
    again = employer.get(f"{API}/applications/{application.id}").get_json()
    assert len(again["history"]) == 2
    # The applicant's own open changes nothing.
    mine = auth_client(survivor).get(f"{API}/applications/{application.id}").get_json()
    assert mine["status"] == "viewed" and len(mine["history"]) == 2


def test_the_employer_moves_it_through_the_whole_pipeline(session, auth_client):
    application, survivor, owner = _setup(session)
    employer = auth_client(owner)
    for status in ("viewed", "interview", "offered", "hired"):
        response = employer.post(f"{API}/applications/{application.id}/status",
                                 json={"status": status})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == status
    history = auth_client(survivor).get(f"{API}/applications/{application.id}").get_json()[
        "history"]
    assert [h["status"] for h in history] == ["submitted", "viewed", "interview", "offered",
                                              "hired"]
    assert {h["actor_role"] for h in history[1:]} == {"employer"}
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.subject_id == str(application.id))).all()
    assert [e.data["to"] for e in events] == ["viewed", "interview", "offered", "hired"]
    assert all(e.action == "jobs.application.status" and e.actor_role == "employer"
               for e in events)


@pytest.mark.parametrize(("start", "target"), [
    ("submitted", "interview"), ("submitted", "hired"), ("viewed", "offered"),
    ("viewed", "viewed"), ("hired", "declined"), ("declined", "viewed"), ("withdrawn", "viewed"),
    ("offered", "interview"),
])
def test_impossible_transitions_are_409(session, auth_client, start, target):
    application, _survivor, owner = _setup(session, status=start)
    body = assert_problem(auth_client(owner).post(
        f"{API}/applications/{application.id}/status", json={"status": target}), 409)
    assert body["code"] == "impossible_transition"


@pytest.mark.parametrize("start", ["submitted", "viewed", "interview", "offered"])
def test_declined_from_any_open_state(session, auth_client, start):
    application, _survivor, owner = _setup(session, status=start)
    response = auth_client(owner).post(f"{API}/applications/{application.id}/status",
                                       json={"status": "declined"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "declined"


def test_the_applicant_withdraws_an_open_application_once(session, auth_client):
    application, survivor, _owner = _setup(session, status="interview")
    client = auth_client(survivor)
    response = client.post(f"{API}/applications/{application.id}/withdraw")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "withdrawn"
    assert body["history"][-1]["actor_role"] == "applicant"
    assert_problem(client.post(f"{API}/applications/{application.id}/withdraw"), 409)


def test_status_cannot_be_withdrawn_or_submitted_by_the_employer(session, auth_client):
    application, _survivor, owner = _setup(session)
    for status in ("withdrawn", "submitted", "archived"):
        assert_problem(auth_client(owner).post(f"{API}/applications/{application.id}/status",
                                               json={"status": status}), 422, "status")


def test_internal_notes_are_for_the_employer_only(session, auth_client):
    application, survivor, owner = _setup(session)
    employer = auth_client(owner)
    moved = employer.post(f"{API}/applications/{application.id}/status",
                          json={"status": "viewed", "note": "Strong baker; call Tuesday."})
    assert [n["body"] for n in moved.get_json()["notes"]] == ["Strong baker; call Tuesday."]
    assert employer.post(f"{API}/applications/{application.id}/notes",
                         json={"body": "Second note"}).status_code == 201
    seen = employer.get(f"{API}/applications/{application.id}").get_json()
    assert [n["body"] for n in seen["notes"]] == ["Strong baker; call Tuesday.", "Second note"]
    mine = auth_client(survivor).get(f"{API}/applications/{application.id}")
    assert "notes" not in mine.get_json()
    assert "Strong baker" not in mine.get_data(as_text=True)
    listed = auth_client(survivor).get(f"{API}/me/applications").get_data(as_text=True)
    assert "Strong baker" not in listed and "Second note" not in listed
    audit_text = " ".join(str(e.data) + str(e.reason) for e in session.scalars(
        select(AuditEvent)))
    assert "Strong baker" not in audit_text


def test_another_employer_cannot_reach_the_application(session, auth_client):
    application, _survivor, _owner = _setup(session)
    outsider = make_employer_user(session)
    other_survivor = make_survivor(session)
    session.commit()
    for client in (auth_client(outsider), auth_client(other_survivor)):
        assert_problem(client.get(f"{API}/applications/{application.id}"), 404)
    assert_problem(auth_client(outsider).post(f"{API}/applications/{application.id}/status",
                                              json={"status": "viewed"}), 404)
    assert_problem(auth_client(other_survivor).post(
        f"{API}/applications/{application.id}/withdraw"), 404)


def test_a_second_member_of_the_employer_sees_and_moves_it(session, auth_client):
    application, _survivor, owner = _setup(session)
    from empower_api.jobs.models import EmployerMember

    colleague = make_employer_user(session)
    session.add(EmployerMember(employer_id=application.employer_id, user_id=colleague.id))
    session.commit()
    response = auth_client(colleague).post(f"{API}/applications/{application.id}/status",
                                           json={"status": "viewed"})
    assert response.status_code == 200
    assert owner.id != colleague.id


def test_closing_a_postings_applications_declines_open_ones_as_system(session, auth_client):
    from empower_api.jobs.applications.service import close_applications_of_job

    job = make_job(session, make_employer(session))
    applicant = make_survivor(session)
    open_one = make_application(session, job, applicant, status="interview")
    hired = make_application(session, job, make_survivor(session), status="hired")
    survivor = make_survivor(session)
    withdrawn = make_application(session, job, survivor, status="withdrawn")
    assert close_applications_of_job(session, job_id=job.id) == 1
    session.commit()
    assert (open_one.status, hired.status, withdrawn.status) == ("declined", "hired",
                                                                  "withdrawn")
    assert open_one.history[-1]["actor_role"] == "system"
    assert auth_client(survivor).get(f"{API}/me/notifications").get_json()["items"] == []
    feed = auth_client(applicant).get(f"{API}/me/notifications").get_json()["items"]
    # viewed and interview by the employer, then declined by the system
    assert [(n["kind"], n["subject_id"]) for n in feed] == [
        ("application.updated", str(open_one.id))] * 3
