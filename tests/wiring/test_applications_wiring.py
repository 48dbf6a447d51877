"""Applications meet moderation and consents: rules that cross two domains."""

from __future__ import annotations

from tests.conftest import assert_problem
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.applications import make_application
from tests.factories.jobs import make_employer, make_job, owner_of
from tests.factories.moderation import hide_by_reports

API = "/api/v1"


def test_a_posting_removed_by_moderation_closes_its_applications_and_tells_applicants(
        session, auth_client):
    employer = make_employer(session)
    job = make_job(session, employer)
    applicants = [make_survivor(session) for _ in range(2)]
    applications = [make_application(session, job, a) for a in applicants]
    hide_by_reports(session, job)
    staff = make_staff(session)
    session.commit()
    response = auth_client(staff).post(f"{API}/staff/jobs/{job.id}/moderation",
                                       json={"decision": "remove"})
    assert response.status_code == 200, response.get_json()
    for applicant, application in zip(applicants, applications, strict=True):
        client = auth_client(applicant)
        body = client.get(f"{API}/applications/{application.id}").get_json()
        assert body["status"] == "declined"
        assert body["history"][-1]["actor_role"] == "system"
        texts = [n["text"] for n in client.get(f"{API}/me/notifications").get_json()["items"]]
        assert "An application was updated" in texts
        # The notice names neither the employer nor why.
        assert not any(employer.name in t or "remov" in t.lower() for t in texts)
        assert_problem(client.post(f"{API}/applications/{application.id}/messages",
                                   json={"body": "Hello?"}), 409)


def test_an_employer_a_survivor_blocked_cannot_see_their_application(session, auth_client):
    employer = make_employer(session)
    job = make_job(session, employer)
    blocker, other = make_survivor(session), make_survivor(session)
    blocked_app = make_application(session, job, blocker)
    other_app = make_application(session, job, other)
    session.commit()
    member = auth_client(owner_of(session, employer))
    listed = {i["id"] for i in member.get(f"{API}/jobs/{job.id}/applications")
              .get_json()["items"]}
    assert listed == {str(blocked_app.id), str(other_app.id)}
    assert auth_client(blocker).put(
        f"{API}/me/blocked-employers/{employer.id}").status_code == 204
    listed = [i["id"] for i in member.get(f"{API}/jobs/{job.id}/applications")
              .get_json()["items"]]
    assert listed == [str(other_app.id)]
    assert_problem(member.get(f"{API}/applications/{blocked_app.id}"), 404)
    assert_problem(member.post(f"{API}/applications/{blocked_app.id}/messages",
                               json={"body": "Hi"}), 404)
    assert_problem(member.post(f"{API}/applications/{blocked_app.id}/status",
                               json={"status": "declined"}), 404)


def test_withdrawing_profile_consent_hides_what_was_shared_at_once(session, auth_client):
    employer = make_employer(session)
    job = make_job(session, employer)
    survivor = make_survivor(session, languages=["es"], skills=["baking"])
    application = make_application(session, job, survivor, fields=["languages", "skills"])
    session.commit()
    member = auth_client(owner_of(session, employer))
    url = f"{API}/applications/{application.id}"
    assert member.get(url).get_json()["shared"]["fields"] == {
        "languages": ["es"], "skills": ["baking"]}
    me = auth_client(survivor)
    assert me.put(f"{API}/me/consents/share_profile_with_employers",
                  json={"granted": False}).status_code == 200
    for body in (member.get(url).get_json(),
                 member.get(f"{API}/jobs/{job.id}/applications").get_json()["items"][0]):
        assert body["shared"] == {"fields": {}, "credentials": []}
        assert body["cover_note"] == application.cover_note
    # Allowing it again shows the snapshot taken at submission.
    me.put(f"{API}/me/consents/share_profile_with_employers", json={"granted": True})
    assert member.get(url).get_json()["shared"]["fields"]["skills"] == ["baking"]


def test_applying_with_shared_fields_needs_profile_consent(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    session.commit()
    me = auth_client(survivor)
    me.put(f"{API}/me/consents/share_profile_with_employers", json={"granted": False})
    refused = me.post(f"{API}/jobs/{job.id}/applications", json={
        "cover_note": "Hello", "share": {"fields": ["skills"], "credential_ids": []}})
    assert_problem(refused, 422, "share")
    accepted = me.post(f"{API}/jobs/{job.id}/applications", json={
        "cover_note": "Hello", "share": {"fields": [], "credential_ids": []}})
    assert accepted.status_code == 201
    assert accepted.get_json()["shared"] == {"fields": {}, "credentials": []}


def test_staff_see_how_to_reach_a_grant_applicant_only_with_follow_up_consent(
        session, auth_client):
    from tests.factories.grants import make_application as make_grant_application
    from tests.factories.grants import make_program

    survivor = make_survivor(session, email="reach.me@example.org")
    application = make_grant_application(session, make_program(session), survivor)
    session.commit()
    staff = auth_client(make_staff(session))
    url = f"{API}/staff/grant-applications/{application.id}"
    reason = {"X-Access-Reason": "Reviewing the application for the panel"}
    assert staff.get(url, headers=reason).get_json()["follow_up_contact"] is None
    me = auth_client(survivor)
    assert me.put(f"{API}/me/consents/grant_follow_up_contact",
                  json={"granted": True}).status_code == 200
    contact = staff.get(url, headers=reason).get_json()["follow_up_contact"]
    assert contact["email"] == "reach.me@example.org"
    me.put(f"{API}/me/consents/grant_follow_up_contact", json={"granted": False})
    assert staff.get(url, headers=reason).get_json()["follow_up_contact"] is None


def test_a_hidden_posting_is_unknown_to_an_applicant_too(session, auth_client):
    job = make_job(session, make_employer(session))
    hide_by_reports(session, job)
    survivor = make_survivor(session)
    session.commit()
    response = auth_client(survivor).post(f"{API}/jobs/{job.id}/applications", json={
        "cover_note": "Hello", "share": {"fields": [], "credential_ids": []}})
    assert_problem(response, 404)  # as GET /jobs/{id} says: existence must not leak
