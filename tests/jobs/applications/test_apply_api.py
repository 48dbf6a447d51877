"""Applying over HTTP: selective disclosure, snapshots, one per posting, closed postings."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from empower_api.db import utcnow
from empower_api.jobs.models import JobStatus, VettingStatus
from tests.conftest import assert_problem
from tests.factories.accounts import make_employer_user, make_survivor
from tests.factories.applications import apply_payload
from tests.factories.jobs import make_employer, make_job, owner_of
from tests.factories.training import make_credential

API = "/api/v1"


def test_a_survivor_applies_and_gets_a_random_handle(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session, languages=["en", "es"], skills=["baking"])
    session.commit()
    response = auth_client(survivor).post(f"{API}/jobs/{job.id}/applications",
                                          json=apply_payload())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "submitted"
    assert re.fullmatch(r"Applicant [A-HJ-NP-Z2-9]{3}-[A-HJ-NP-Z2-9]{3}", body["applicant_handle"])
    assert body["shared"] == {"fields": {"languages": ["en", "es"], "skills": ["baking"]},
                              "credentials": []}
    assert body["history"][0]["status"] == "submitted"
    assert body["history"][0]["actor_role"] == "applicant"
    assert body["job"]["title"] == job.title
    assert "notes" not in body


def test_handles_differ_between_applications(session, auth_client):
    employer = make_employer(session)
    jobs = [make_job(session, employer) for _ in range(3)]
    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    handles = {client.post(f"{API}/jobs/{job.id}/applications",
                           json=apply_payload()).get_json()["applicant_handle"] for job in jobs}
    assert len(handles) == 3


def test_shared_fields_are_a_snapshot_later_edits_do_not_leak(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session, email="first@example.org", region="Illinois")
    owner = owner_of(session, job.employer)
    session.commit()
    client = auth_client(survivor)
    created = client.post(f"{API}/jobs/{job.id}/applications", json=apply_payload(
        share={"fields": ["email", "region"]})).get_json()
    assert client.patch(f"{API}/me", json={"email": "second@example.org",
                                           "region": "Ohio"}).status_code == 200
    seen = auth_client(owner).get(f"{API}/applications/{created['id']}").get_json()
    assert seen["shared"]["fields"] == {"email": "first@example.org", "region": "Illinois"}


def test_fields_not_shared_are_not_shown(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session, email="hidden@example.org", display_name="Maria Lopez",
                             skills=["baking"])
    owner = owner_of(session, job.employer)
    session.commit()
    created = auth_client(survivor).post(f"{API}/jobs/{job.id}/applications", json=apply_payload(
        share={"fields": ["skills"]})).get_json()
    raw = auth_client(owner).get(f"{API}/applications/{created['id']}").get_data(as_text=True)
    for secret in ("hidden@example.org", "Maria Lopez", str(survivor.id)):
        assert secret not in raw


def test_a_second_application_to_the_same_posting_is_409(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    assert client.post(f"{API}/jobs/{job.id}/applications", json=apply_payload()).status_code \
        == 201
    body = assert_problem(client.post(f"{API}/jobs/{job.id}/applications",
                                      json=apply_payload()), 409)
    assert body["code"] == "already_applied"


@pytest.mark.parametrize("state", ["closed", "expired", "unvetted", "suspended"])
def test_applying_to_a_posting_not_taking_applications_is_409(session, auth_client, state):
    employer = make_employer(session, status=VettingStatus.SUSPENDED if state == "suspended"
                             else "lapsed" if state == "unvetted" else VettingStatus.VETTED)
    job = make_job(session, employer)
    if state == "closed":
        job.status = JobStatus.CLOSED
    if state == "expired":
        job.valid_through = utcnow() - timedelta(minutes=1)
    survivor = make_survivor(session)
    session.commit()
    body = assert_problem(auth_client(survivor).post(f"{API}/jobs/{job.id}/applications",
                                                     json=apply_payload()), 409)
    assert body["code"] == "posting_not_accepting"


def test_applying_to_a_draft_or_unknown_posting_is_404(session, auth_client):
    draft = make_job(session, make_employer(session), status=JobStatus.DRAFT)
    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    assert_problem(client.post(f"{API}/jobs/{draft.id}/applications", json=apply_payload()), 404)
    assert_problem(client.post(f"{API}/jobs/{survivor.id}/applications", json=apply_payload()),
                   404)


def test_shared_credentials_carry_their_jws_for_the_employer(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    credential = make_credential(session, survivor)
    owner = owner_of(session, job.employer)
    session.commit()
    created = auth_client(survivor).post(f"{API}/jobs/{job.id}/applications", json=apply_payload(
        share={"fields": [], "credential_ids": [str(credential.id)]}))
    assert created.status_code == 201, created.get_json()
    [item] = auth_client(owner).get(f"{API}/jobs/{job.id}/applications").get_json()["items"]
    [shared] = item["shared"]["credentials"]
    assert shared["id"] == str(credential.id) and shared["jws"] == credential.jws
    assert shared["credential_name"] == credential.name
    verified = auth_client(owner).post(f"{API}/credentials/verify", json={"jws": shared["jws"]})
    assert verified.status_code == 200 and verified.get_json()["valid"] is True, \
        verified.get_json()


def test_sharing_a_credential_that_is_not_ones_own_is_422(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    someone_elses = make_credential(session, make_survivor(session))
    session.commit()
    for credential_id in (someone_elses.id, job.id):
        response = auth_client(survivor).post(f"{API}/jobs/{job.id}/applications",
                                              json=apply_payload(share={
                                                  "fields": [],
                                                  "credential_ids": [str(credential_id)]}))
        assert_problem(response, 422, "share.credential_ids")


@pytest.mark.parametrize(("payload", "field"), [
    ({"share": {"fields": ["alias"]}}, "share.fields"),
    ({"share": {"fields": "email"}}, "share.fields"),
    ({"share": {"fields": [], "extra": 1}}, "share.extra"),
    ({"cover_note": "x" * 4001}, "cover_note"),
    ({"user_id": "someone"}, "user_id"),
])
def test_bad_application_bodies_are_422_naming_the_field(session, auth_client, payload, field):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    session.commit()
    response = auth_client(survivor).post(f"{API}/jobs/{job.id}/applications", json=payload)
    assert_problem(response, 422, field)


def test_only_survivors_apply(session, auth_client, client):
    job = make_job(session, make_employer(session))
    outsider = make_employer_user(session)
    session.commit()
    assert_problem(client.post(f"{API}/jobs/{job.id}/applications", json=apply_payload()), 401)
    assert_problem(auth_client(outsider).post(f"{API}/jobs/{job.id}/applications",
                                              json=apply_payload()), 403)
