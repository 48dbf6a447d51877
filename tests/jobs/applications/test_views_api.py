"""The employer's list per posting and the survivor's own list."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import assert_problem
from tests.factories.accounts import make_employer_user, make_survivor
from tests.factories.applications import make_application
from tests.factories.jobs import make_employer, make_job, owner_of
from tests.jobs.applications.helpers import counted

API = "/api/v1"


def _job_with_applications(session, count, statuses=()):
    job = make_job(session, make_employer(session))
    applications = []
    for index in range(count):
        status = statuses[index] if index < len(statuses) else "submitted"
        application = make_application(session, job, make_survivor(session, skills=["baking"]),
                                       fields=["skills"], status=status)
        # Distinct submission times, one minute apart, oldest first.
        application.created_at = application.created_at - timedelta(minutes=count - index)
        applications.append(application)
    session.commit()
    return job, applications


def test_employer_lists_applications_newest_first_in_cursor_pages(session, auth_client):
    job, applications = _job_with_applications(session, 5)
    client = auth_client(owner_of(session, job.employer))
    seen, cursor = [], None
    for _ in range(3):
        url = f"{API}/jobs/{job.id}/applications?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(a.id) for a in reversed(applications)]
    item = client.get(f"{API}/jobs/{job.id}/applications?limit=1").get_json()["items"][0]
    assert item["shared"] == {"fields": {"skills": ["baking"]}, "credentials": []}
    assert item["cover_note"] == "I would like this job."
    assert "notes" not in item


def test_employer_list_filters_by_status(session, auth_client):
    job, applications = _job_with_applications(session, 4, ("submitted", "interview",
                                                            "declined", "interview"))
    client = auth_client(owner_of(session, job.employer))
    body = client.get(f"{API}/jobs/{job.id}/applications?status=interview").get_json()
    assert [i["id"] for i in body["items"]] == [str(applications[3].id), str(applications[1].id)]
    assert_problem(client.get(f"{API}/jobs/{job.id}/applications?status=lost"), 422, "status")
    assert_problem(client.get(f"{API}/jobs/{job.id}/applications?cursor=forged"), 422, "cursor")


def test_employer_list_pages_cost_at_most_five_statements_whatever_their_size(
        app, session, auth_client):
    job, _applications = _job_with_applications(session, 12, ("viewed", "interview"))
    client = auth_client(owner_of(session, job.employer))
    sizes = {}
    for limit in (1, 12):
        with counted(app) as statements:
            response = client.get(f"{API}/jobs/{job.id}/applications?limit={limit}")
        assert len(response.get_json()["items"]) == limit
        sizes[limit] = len(statements)
    assert sizes[1] == sizes[12] <= 5, sizes


def test_my_applications_pages_cost_at_most_five_statements(app, session, auth_client):
    survivor = make_survivor(session)
    employer = make_employer(session)
    for _ in range(6):
        make_application(session, make_job(session, employer), survivor)
    session.commit()
    client = auth_client(survivor)
    sizes = {}
    for limit in (1, 6):
        with counted(app) as statements:
            response = client.get(f"{API}/me/applications?limit={limit}")
        assert len(response.get_json()["items"]) == limit
        sizes[limit] = len(statements)
    assert sizes[1] == sizes[6] <= 5, sizes


def test_other_employers_cannot_list_a_postings_applications(session, auth_client):
    job, _applications = _job_with_applications(session, 1)
    outsider = make_employer_user(session)
    session.commit()
    assert_problem(auth_client(outsider).get(f"{API}/jobs/{job.id}/applications"), 403)
    assert_problem(auth_client(outsider).get(f"{API}/jobs/{outsider.id}/applications"), 404)


def test_my_applications_show_status_and_history_without_notes(session, auth_client):
    survivor = make_survivor(session)
    job = make_job(session, make_employer(session))
    application = make_application(session, job, survivor, status="interview")
    other = make_application(session, job, make_survivor(session))
    session.commit()
    owner = auth_client(owner_of(session, job.employer))
    owner.post(f"{API}/applications/{application.id}/notes", json={"body": "Private remark"})
    response = auth_client(survivor).get(f"{API}/me/applications")
    body = response.get_json()
    assert [i["id"] for i in body["items"]] == [str(application.id)]
    item = body["items"][0]
    assert item["status"] == "interview"
    assert [h["status"] for h in item["history"]] == ["submitted", "viewed", "interview"]
    assert item["job"] == {"id": str(job.id), "title": job.title,
                           "employer_name": job.employer.name, "status": "published"}
    assert "Private remark" not in response.get_data(as_text=True)
    assert str(other.id) not in response.get_data(as_text=True)
    filtered = auth_client(survivor).get(f"{API}/me/applications?status=hired").get_json()
    assert filtered["items"] == []


def test_forged_cursors_are_422_on_every_list(session, auth_client):
    survivor = make_survivor(session)
    application = make_application(session, make_job(session, make_employer(session)), survivor)
    session.commit()
    client = auth_client(survivor)
    for path in ("/me/applications", f"/applications/{application.id}/messages",
                 "/me/notifications"):
        assert_problem(client.get(f"{API}{path}?cursor=not-a-cursor"), 422, "cursor")
    assert_problem(client.get(f"{API}/applications/not-a-uuid"), 404)
