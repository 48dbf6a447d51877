"""Saved jobs and saved searches over HTTP; export and erasure of what jobs holds."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from empower_api.db import utcnow
from empower_api.jobs.models import SavedJob, SavedSearch, VettingStatus
from tests.conftest import assert_problem
from tests.factories.accounts import PASSWORD, make_survivor
from tests.factories.jobs import make_employer, make_job

API = "/api/v1"


def test_saving_a_job_is_idempotent(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    assert client.put(f"{API}/me/saved-jobs/{job.id}").status_code == 204
    assert client.put(f"{API}/me/saved-jobs/{job.id}").status_code == 204
    body = client.get(f"{API}/me/saved-jobs").get_json()
    assert [item["job_id"] for item in body["items"]] == [str(job.id)]
    assert body["items"][0]["available"] is True
    assert body["items"][0]["job"]["title"] == job.title
    assert body["items"][0]["saved_at"]


def test_unsaving_is_idempotent(session, auth_client):
    job = make_job(session, make_employer(session))
    client = auth_client(make_survivor(session))
    session.commit()
    client.put(f"{API}/me/saved-jobs/{job.id}")
    assert client.delete(f"{API}/me/saved-jobs/{job.id}").status_code == 204
    assert client.delete(f"{API}/me/saved-jobs/{job.id}").status_code == 204
    assert client.get(f"{API}/me/saved-jobs").get_json()["items"] == []


def test_saving_needs_sign_in_and_a_public_job(session, auth_client, client):
    hidden = make_job(session, make_employer(session, status=VettingStatus.PENDING))
    survivor = make_survivor(session)
    session.commit()
    assert_problem(client.put(f"{API}/me/saved-jobs/{hidden.id}"), 401)
    assert_problem(auth_client(survivor).put(f"{API}/me/saved-jobs/{hidden.id}"), 404)
    assert_problem(auth_client(survivor).put(f"{API}/me/saved-jobs/{survivor.id}"), 404)


def test_saved_job_of_suspended_employer_shows_unavailable_without_details(
        session, auth_client):
    employer = make_employer(session)
    job = make_job(session, employer)
    client = auth_client(make_survivor(session))
    session.commit()
    client.put(f"{API}/me/saved-jobs/{job.id}")
    employer.vetting_status = VettingStatus.SUSPENDED
    session.commit()
    item = client.get(f"{API}/me/saved-jobs").get_json()["items"][0]
    assert item == {"job_id": str(job.id), "saved_at": item["saved_at"], "available": False,
                    "job": None}


def test_saved_jobs_are_private_to_their_owner(session, auth_client):
    job = make_job(session, make_employer(session))
    mine, theirs = make_survivor(session), make_survivor(session)
    session.commit()
    auth_client(mine).put(f"{API}/me/saved-jobs/{job.id}")
    assert auth_client(theirs).get(f"{API}/me/saved-jobs").get_json()["items"] == []


def test_saved_jobs_page_by_cursor(session, auth_client):
    employer = make_employer(session)
    jobs = [make_job(session, employer) for _ in range(5)]
    client = auth_client(make_survivor(session))
    session.commit()
    for job in jobs:
        client.put(f"{API}/me/saved-jobs/{job.id}")
    seen, cursor = [], None
    while True:
        body = client.get(f"{API}/me/saved-jobs?limit=2" + (f"&cursor={cursor}" if cursor
                                                             else "")).get_json()
        seen += [item["job_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(str(j.id) for j in jobs)


def test_saved_search_is_created_and_validated(session, auth_client):
    client = auth_client(make_survivor(session))
    session.commit()
    created = client.post(f"{API}/me/saved-searches", json={
        "name": "Night baking", "query": {"q": "baker", "skills": ["baking", "pastry"],
                                          "min_pay": 1500, "workplace": "onsite"}})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["name"] == "Night baking"
    assert body["query"] == {"q": "baker", "skills": "baking,pastry", "min_pay": 1500,
                             "workplace": "onsite"}
    listed = client.get(f"{API}/me/saved-searches").get_json()["items"]
    assert [s["id"] for s in listed] == [body["id"]]
    assert_problem(client.post(f"{API}/me/saved-searches", json={
        "name": "x", "query": {"workplace": "moon"}}), 422, field="query.workplace")
    assert_problem(client.post(f"{API}/me/saved-searches", json={
        "name": "x", "query": {"colour": "blue"}}), 422, field="query.colour")
    assert_problem(client.post(f"{API}/me/saved-searches", json={
        "name": "x", "query": {"q": "a" * 201}}), 422, field="query.q")
    assert_problem(client.post(f"{API}/me/saved-searches", json={"query": {}}), 422,
                   field="name")


def test_matches_list_postings_published_since_last_read(session, auth_client):
    employer = make_employer(session)
    survivor = make_survivor(session)
    make_job(session, employer, title="Old baker job", skills=["baking"],
             published_ago=timedelta(days=2))
    session.commit()
    client = auth_client(survivor)
    saved = client.post(f"{API}/me/saved-searches", json={
        "name": "Baking", "query": {"skills": "baking"}}).get_json()
    search = session.get(SavedSearch, uuid.UUID(saved["id"]))
    search.last_read_at = utcnow() - timedelta(days=1)
    make_job(session, employer, title="New baker job", skills=["baking"],
             published_ago=timedelta(hours=2))
    make_job(session, employer, title="New cook job", skills=["cooking"],
             published_ago=timedelta(hours=2))
    session.commit()
    url = f"{API}/me/saved-searches/{saved['id']}/matches"
    first = client.get(url).get_json()
    assert [item["title"] for item in first["items"]] == ["New baker job"]
    assert client.get(url).get_json()["items"] == []  # reading marked them read


def test_matches_pages_keep_the_window_of_the_first_read(session, auth_client):
    employer = make_employer(session)
    client = auth_client(make_survivor(session))
    session.commit()
    saved = client.post(f"{API}/me/saved-searches", json={
        "name": "All", "query": {}}).get_json()
    search = session.get(SavedSearch, uuid.UUID(saved["id"]))
    search.last_read_at = utcnow() - timedelta(days=1)
    for i in range(5):
        make_job(session, employer, title=f"Job {i}", published_ago=timedelta(minutes=10 + i))
    session.commit()
    url = f"{API}/me/saved-searches/{saved['id']}/matches?limit=2"
    seen, cursor = [], None
    while True:
        body = client.get(url + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [item["title"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Job {i}" for i in range(5)]


def test_saved_searches_are_private(session, auth_client):
    owner, other = make_survivor(session), make_survivor(session)
    session.commit()
    saved = auth_client(owner).post(f"{API}/me/saved-searches", json={
        "name": "Mine", "query": {}}).get_json()
    intruder = auth_client(other)
    assert_problem(intruder.get(f"{API}/me/saved-searches/{saved['id']}"), 404)
    assert_problem(intruder.get(f"{API}/me/saved-searches/{saved['id']}/matches"), 404)
    assert_problem(intruder.delete(f"{API}/me/saved-searches/{saved['id']}"), 404)
    assert auth_client(owner).delete(
        f"{API}/me/saved-searches/{saved['id']}").status_code == 204


def test_export_and_erasure_cover_saved_jobs_and_searches(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    client.put(f"{API}/me/saved-jobs/{job.id}")
    client.post(f"{API}/me/saved-searches", json={"name": "Cooks", "query": {"q": "cook"}})
    exported = client.get(f"{API}/me/export").get_json()["jobs"]
    assert [s["job_id"] for s in exported["saved_jobs"]] == [str(job.id)]
    assert [s["name"] for s in exported["saved_searches"]] == ["Cooks"]
    assert client.delete(f"{API}/me", json={"password": PASSWORD}).status_code == 204
    session.expire_all()
    for model in (SavedJob, SavedSearch):
        assert session.scalar(select(func.count()).select_from(model)
                              .where(model.user_id == survivor.id)) == 0
