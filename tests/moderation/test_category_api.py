"""Posting categories: on create and edit, in responses, the search filter, JSON-LD."""

from __future__ import annotations

import pytest

from empower_api.jobs.models import CATEGORY_LABELS, JobCategory
from empower_api.jobs.schemas import JobSummarySchema, summary_of
from tests.conftest import assert_problem
from tests.factories.jobs import job_payload, make_employer, make_job, owner_of

API = "/api/v1"


def test_category_is_optional_on_create_and_editable(session, auth_client):
    employer = make_employer(session)
    session.commit()
    client = auth_client(owner_of(session, employer))
    default = client.post(f"{API}/jobs", json=job_payload(employer.id))
    assert default.status_code == 201 and default.get_json()["category"] == "other"
    chosen = client.post(f"{API}/jobs", json=job_payload(employer.id, category="food_service"))
    assert chosen.get_json()["category"] == "food_service"
    edited = client.patch(f"{API}/jobs/{chosen.get_json()['id']}", json={"category": "retail"})
    assert edited.status_code == 200 and edited.get_json()["category"] == "retail"
    assert_problem(client.post(f"{API}/jobs", json=job_payload(employer.id, category="mining")),
                   422, field="category")


def test_search_filters_by_category_on_every_path(session, client):
    employer = make_employer(session)
    bakery = make_job(session, employer, title="Bakery helper", category="food_service")
    shop = make_job(session, employer, title="Bakery shop assistant", category="retail")
    make_job(session, employer, title="Bakery cleaner", category="housekeeping")
    session.commit()
    for query in ("q=bakery", "q=bakery&sort=newest", "q=bakery&sort=pay", "sort=newest",
                  "sort=pay"):
        response = client.get(f"{API}/jobs?{query}&category=food_service,retail")
        assert response.status_code == 200
        assert {i["id"] for i in response.get_json()["items"]} == {str(bakery.id),
                                                                  str(shop.id)}, query
        assert {i["category"] for i in response.get_json()["items"]} == {"food_service",
                                                                        "retail"}
    assert_problem(client.get(f"{API}/jobs?category=mining"), 422, field="category.0")


def test_summary_and_schema_agree_on_category(session):
    job = make_job(session, make_employer(session), category="care")
    assert summary_of(job)["category"] == JobSummarySchema().dump(job)["category"] == "care"


def test_json_ld_names_the_industry(session, client):
    job = make_job(session, make_employer(session), category="hospitality")
    session.commit()
    doc = client.get(f"{API}/jobs/{job.id}/jsonld").get_json(force=True)
    assert doc["industry"] == "Hospitality"


@pytest.mark.parametrize("languages, industry", [
    (["es"], "Hostelería"), (["pt-BR", "en"], None), (["tl"], "Hospitality"),
    (["en", "es"], "Hospitality"), (["so", "ar"], "Hospitality")])
def test_json_ld_industry_speaks_the_postings_language_not_the_readers(session, client,
                                                                       languages, industry):
    from empower_api.i18n import translate_in

    job = make_job(session, make_employer(session), category="hospitality",
                   languages=languages)
    session.commit()
    doc = client.get(f"{API}/jobs/{job.id}/jsonld", headers={"Accept-Language": "fr"}
                     ).get_json(force=True)
    assert doc["industry"] == (industry or translate_in("pt", "Hospitality"))
    assert doc["industry"] != translate_in("fr", "Hospitality")


def test_categories_are_listed_with_labels(client):
    body = client.get(f"{API}/job-categories").get_json()
    assert [c["code"] for c in body["items"]] == [c.value for c in JobCategory]
    assert all(c["label"] and c["covers"] for c in body["items"])
    assert set(CATEGORY_LABELS) == set(JobCategory)


def test_saved_search_accepts_a_category(session, auth_client):
    from tests.factories.accounts import make_survivor

    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    ok = client.post(f"{API}/me/saved-searches", json={"name": "care",
                                                        "query": {"category": ["care"]}})
    assert ok.status_code == 201 and ok.get_json()["query"]["category"] == "care"
    assert_problem(client.post(f"{API}/me/saved-searches", json={
        "name": "x", "query": {"category": "mining"}}), 422, field="query.category")
