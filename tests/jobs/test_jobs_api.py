"""Postings over HTTP: create, read, edit, publish, close, JSON-LD."""

from __future__ import annotations

from datetime import timedelta

import pytest

from empower_api.db import utcnow
from empower_api.jobs.models import JobStatus, VettingStatus
from tests.conftest import assert_problem
from tests.factories.accounts import make_employer_user, make_staff, make_survivor
from tests.factories.jobs import job_payload, make_employer, make_job, owner_of

API = "/api/v1"


def test_member_of_vetted_employer_publishes_a_job(session, auth_client, client):
    employer = make_employer(session)
    owner = owner_of(session, employer)
    session.commit()
    response = auth_client(owner).post(f"{API}/jobs", json=job_payload(
        employer.id, skills=["Baking ", "customer  Service"], languages=["EN", "pt-br"]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "published"
    assert body["employer_id"] == str(employer.id)
    assert body["skills"] == ["baking", "customer service"]
    assert body["languages"] == ["en", "pt-BR"]
    assert body["pay_min_amount"] == 1800 and body["pay_max_amount"] == 2200
    assert body["employer"]["vetted"] is True
    assert "pay_transparency" in body["employer"]["commitments"]
    published = body["published_at"]
    assert body["valid_through"][:10] == (utcnow() + timedelta(days=60)).date().isoformat()
    public = client.get(f"{API}/jobs/{body['id']}")
    assert public.status_code == 200 and public.get_json()["published_at"] == published


def test_pay_max_below_pay_min_is_422(session, auth_client):
    employer = make_employer(session)
    client = auth_client(owner_of(session, employer))
    response = client.post(f"{API}/jobs", json=job_payload(
        employer.id, pay_min_amount=2500, pay_max_amount=2000))
    assert_problem(response, 422, field="pay_max_amount")


@pytest.mark.parametrize(("field", "value"), [
    ("currency", "XYZ"), ("currency", "usd"), ("pay_min_amount", 12.5),
    ("pay_min_amount", "1800"), ("pay_max_amount", -1), ("languages", ["english!"]),
    ("employment_type", "gig"), ("workplace", "moon"), ("background_check", "maybe"),
    ("pay_period", "day"), ("status", "closed"), ("title", ""),
])
def test_malformed_posting_fields_are_422(session, auth_client, field, value):
    employer = make_employer(session)
    client = auth_client(owner_of(session, employer))
    response = client.post(f"{API}/jobs", json=job_payload(employer.id, **{field: value}))
    assert_problem(response, 422, field="languages.0" if field == "languages" else field)


def test_pay_range_is_required(session, auth_client):
    employer = make_employer(session)
    client = auth_client(owner_of(session, employer))
    payload = job_payload(employer.id)
    del payload["pay_max_amount"]
    assert_problem(client.post(f"{API}/jobs", json=payload), 422, field="pay_max_amount")


@pytest.mark.parametrize("state", [
    VettingStatus.PENDING, VettingStatus.REJECTED, VettingStatus.SUSPENDED,
    VettingStatus.EXPIRED, "lapsed",
])
def test_unvetted_employer_cannot_post_or_publish(session, auth_client, state):
    employer = make_employer(session, status=state)
    draft = make_job(session, employer, status=JobStatus.DRAFT)
    client = auth_client(owner_of(session, employer))
    session.commit()
    body = assert_problem(client.post(f"{API}/jobs", json=job_payload(employer.id)), 403)
    assert body["code"] == "employer_not_vetted"
    assert_problem(client.post(f"{API}/jobs", json=job_payload(employer.id, status="draft")), 403)
    assert_problem(client.patch(f"{API}/jobs/{draft.id}", json={"status": "published"}), 403)


def test_non_member_cannot_post_for_an_employer(session, auth_client):
    employer = make_employer(session)
    outsider = make_employer_user(session)
    session.commit()
    assert_problem(auth_client(outsider).post(f"{API}/jobs", json=job_payload(employer.id)), 403)


def test_survivor_and_staff_cannot_post_jobs(session, auth_client):
    employer = make_employer(session)
    for user in (make_survivor(session), make_staff(session)):
        session.commit()
        assert_problem(auth_client(user).post(f"{API}/jobs", json=job_payload(employer.id)), 403)


def test_draft_is_visible_to_members_and_staff_only(session, auth_client, client):
    employer = make_employer(session)
    draft = make_job(session, employer, status=JobStatus.DRAFT)
    owner, staff, survivor = owner_of(session, employer), make_staff(session), make_survivor(
        session)
    session.commit()
    assert_problem(client.get(f"{API}/jobs/{draft.id}"), 404)
    assert_problem(auth_client(survivor).get(f"{API}/jobs/{draft.id}"), 404)
    assert auth_client(owner).get(f"{API}/jobs/{draft.id}").get_json()["status"] == "draft"
    assert auth_client(staff).get(f"{API}/jobs/{draft.id}").status_code == 200
    listed = auth_client(owner).get(f"{API}/employers/{employer.id}/jobs").get_json()["items"]
    assert [item["id"] for item in listed] == [str(draft.id)]


def test_publishing_a_draft_sets_published_at_and_valid_through(session, auth_client):
    employer = make_employer(session)
    draft = make_job(session, employer, status=JobStatus.DRAFT)
    client = auth_client(owner_of(session, employer))
    session.commit()
    response = client.patch(f"{API}/jobs/{draft.id}", json={"status": "published"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "published" and body["published_at"] and body["valid_through"]


def test_patch_edits_fields_and_rechecks_pay_range(session, auth_client):
    employer = make_employer(session)
    job = make_job(session, employer, pay_min_amount=1000, pay_max_amount=1200)
    client = auth_client(owner_of(session, employer))
    session.commit()
    edited = client.patch(f"{API}/jobs/{job.id}", json={"title": "Line cook",
                                                        "pay_max_amount": 1500})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["title"] == "Line cook"
    assert edited.get_json()["pay_max_amount"] == 1500
    assert_problem(client.patch(f"{API}/jobs/{job.id}", json={"pay_min_amount": 1600}), 422,
                   field="pay_max_amount")
    assert_problem(client.patch(f"{API}/jobs/{job.id}", json={"employer_id": str(job.id)}), 422,
                   field="employer_id")


def test_non_member_cannot_edit_or_close(session, auth_client):
    employer = make_employer(session)
    job = make_job(session, employer)
    draft = make_job(session, employer, status=JobStatus.DRAFT)
    outsider = auth_client(make_employer_user(session))
    session.commit()
    assert_problem(outsider.patch(f"{API}/jobs/{job.id}", json={"title": "Mine"}), 403)
    assert_problem(outsider.post(f"{API}/jobs/{job.id}/close"), 403)
    assert_problem(outsider.patch(f"{API}/jobs/{draft.id}", json={"title": "Mine"}), 404)


def test_closing_a_job_takes_it_out_of_public_view_and_freezes_it(session, auth_client, client):
    employer = make_employer(session)
    job = make_job(session, employer)
    owner = auth_client(owner_of(session, employer))
    session.commit()
    closed = owner.post(f"{API}/jobs/{job.id}/close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert closed.get_json()["closed_at"]
    assert_problem(client.get(f"{API}/jobs/{job.id}"), 404)
    assert_problem(owner.patch(f"{API}/jobs/{job.id}", json={"status": "published"}), 409)


def test_job_of_suspended_employer_is_hidden_but_untouched(session, auth_client, client):
    employer = make_employer(session)
    job = make_job(session, employer)
    staff = make_staff(session)
    session.commit()
    assert client.get(f"{API}/jobs/{job.id}").status_code == 200
    auth_client(staff).post(f"{API}/staff/employers/{employer.id}/vetting",
                            json={"decision": "suspend", "note": "Complaint under review."})
    assert_problem(client.get(f"{API}/jobs/{job.id}"), 404)
    session.expire_all()
    assert session.get(type(job), job.id).status == "published"


def test_valid_through_must_be_future_and_within_180_days(session, auth_client):
    employer = make_employer(session)
    client = auth_client(owner_of(session, employer))
    session.commit()
    past = (utcnow() - timedelta(days=1)).isoformat()
    far = (utcnow() + timedelta(days=400)).isoformat()
    assert_problem(client.post(f"{API}/jobs", json=job_payload(employer.id, valid_through=past)),
                   422, field="valid_through")
    assert_problem(client.post(f"{API}/jobs", json=job_payload(employer.id, valid_through=far)),
                   422, field="valid_through")


def test_jsonld_is_a_schema_org_job_posting(session, client):
    employer = make_employer(session, website="https://bakery.example.org")
    job = make_job(session, employer, title="Baker", pay_min_amount=1850, pay_max_amount=2200,
                   employment_type="part_time", workplace="onsite", city="Chicago",
                   region="Illinois", skills=["baking"])
    session.commit()
    response = client.get(f"{API}/jobs/{job.id}/jsonld")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    doc = response.get_json(force=True)
    assert doc["@context"] == "https://schema.org/" and doc["@type"] == "JobPosting"
    assert doc["title"] == "Baker" and doc["description"]
    assert doc["employmentType"] == "PART_TIME"
    assert doc["datePosted"].startswith(job.published_at.date().isoformat())
    assert doc["validThrough"].startswith(job.valid_through.date().isoformat())
    assert doc["hiringOrganization"] == {"@type": "Organization", "name": employer.name,
                                         "sameAs": "https://bakery.example.org"}
    assert doc["jobLocation"]["address"]["addressLocality"] == "Chicago"
    assert doc["baseSalary"] == {
        "@type": "MonetaryAmount", "currency": "USD",
        "value": {"@type": "QuantitativeValue", "minValue": 18.5, "maxValue": 22,
                  "unitText": "HOUR"},
    }


def test_jsonld_of_remote_job_says_telecommute_and_respects_zero_decimal_currency(
        session, client):
    employer = make_employer(session)
    job = make_job(session, employer, workplace="remote", currency="JPY",
                   pay_min_amount=1200, pay_max_amount=1500)
    session.commit()
    doc = client.get(f"{API}/jobs/{job.id}/jsonld").get_json(force=True)
    assert doc["jobLocationType"] == "TELECOMMUTE" and "jobLocation" not in doc
    assert doc["baseSalary"]["value"]["minValue"] == 1200


def test_jsonld_of_hidden_job_is_404(session, client):
    employer = make_employer(session, status=VettingStatus.SUSPENDED)
    job = make_job(session, employer)
    session.commit()
    assert_problem(client.get(f"{API}/jobs/{job.id}/jsonld"), 404)
