"""Messages inside an application: who may read and write, order, paging, closing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from empower_api.jobs.models import JobStatus
from tests.conftest import assert_problem
from tests.factories.accounts import make_employer_user, make_survivor
from tests.factories.applications import make_application
from tests.factories.jobs import make_employer, make_job, owner_of
from tests.jobs.applications.helpers import counted

API = "/api/v1"


def _setup(session, status="submitted"):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    application = make_application(session, job, survivor, status=status)
    owner = owner_of(session, job.employer)
    session.commit()
    return job, application, survivor, owner


def test_applicant_and_employer_exchange_messages_in_order(session, auth_client):
    _job, application, survivor, owner = _setup(session)
    applicant, employer = auth_client(survivor), auth_client(owner)
    url = f"{API}/applications/{application.id}/messages"
    sent = applicant.post(url, json={"body": "Is the early shift flexible?"})
    assert sent.status_code == 201
    assert sent.get_json()["sender_role"] == "applicant" and sent.get_json()["mine"] is True
    assert employer.post(url, json={"body": "Yes, we can talk about it."}).status_code == 201
    applicant.post(url, json={"body": "Thank you"})
    bodies = [m["body"] for m in employer.get(url).get_json()["items"]]
    assert bodies == ["Is the early shift flexible?", "Yes, we can talk about it.", "Thank you"]
    roles = [(m["sender_role"], m["mine"]) for m in applicant.get(url).get_json()["items"]]
    assert roles == [("applicant", True), ("employer", False), ("applicant", True)]


def test_messages_come_in_cursor_pages(session, auth_client):
    _job, application, survivor, _owner = _setup(session)
    client = auth_client(survivor)
    url = f"{API}/applications/{application.id}/messages"
    for n in range(5):
        client.post(url, json={"body": f"message {n}"})
    bodies, cursor = [], None
    while True:
        page = client.get(f"{url}?limit=2" + (f"&cursor={cursor}" if cursor else "")).get_json()
        bodies += [m["body"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert bodies == [f"message {n}" for n in range(5)]


def test_message_bodies_are_encrypted_at_rest(session, auth_client):
    _job, application, survivor, _owner = _setup(session)
    auth_client(survivor).post(f"{API}/applications/{application.id}/messages",
                               json={"body": "my secret plan"})
    raw = session.execute(text("SELECT body FROM application_messages")).scalars().all()
    assert raw and all("my secret plan" not in value for value in raw)


@pytest.mark.parametrize(("body", "status"), [("x" * 4000, 201), ("x" * 4001, 422), ("", 422)])
def test_bodies_hold_up_to_4000_characters(session, auth_client, body, status):
    _job, application, survivor, _owner = _setup(session)
    response = auth_client(survivor).post(f"{API}/applications/{application.id}/messages",
                                          json={"body": body})
    assert response.status_code == status
    if status == 422:
        assert_problem(response, 422, "body")


@pytest.mark.parametrize("status", ["withdrawn", "declined", "hired-and-closed"])
def test_closed_applications_are_readable_but_take_no_messages(session, auth_client, status):
    job, application, survivor, owner = _setup(
        session, status="hired" if status == "hired-and-closed" else "submitted")
    url = f"{API}/applications/{application.id}/messages"
    auth_client(survivor).post(url, json={"body": "before"})
    if status == "withdrawn":
        auth_client(survivor).post(f"{API}/applications/{application.id}/withdraw")
    elif status == "declined":
        auth_client(owner).post(f"{API}/applications/{application.id}/status",
                                json={"status": "declined"})
    else:
        job.status = JobStatus.CLOSED
        session.commit()
    for client in (auth_client(survivor), auth_client(owner)):
        body = assert_problem(client.post(url, json={"body": "after"}), 409)
        assert body["code"] == "application_closed"
        assert [m["body"] for m in client.get(url).get_json()["items"]] == ["before"]


def test_a_hire_whose_posting_is_open_still_takes_messages(session, auth_client):
    _job, application, survivor, _owner = _setup(session, status="hired")
    assert auth_client(survivor).post(f"{API}/applications/{application.id}/messages",
                                      json={"body": "See you Monday"}).status_code == 201


def test_only_the_applicant_and_the_employers_members_take_part(session, auth_client):
    _job, application, _survivor, _owner = _setup(session)
    url = f"{API}/applications/{application.id}/messages"
    for outsider in (make_survivor(session), make_employer_user(session)):
        session.commit()
        client = auth_client(outsider)
        assert_problem(client.get(url), 404)
        assert_problem(client.post(url, json={"body": "hi"}), 404)


def test_new_messages_notify_the_other_side_neutrally(session, auth_client):
    _job, application, survivor, owner = _setup(session)
    auth_client(owner).post(f"{API}/applications/{application.id}/messages",
                            json={"body": "Can you come Tuesday?"})
    feed = auth_client(survivor).get(f"{API}/me/notifications").get_json()["items"]
    assert [(n["kind"], n["text"], n["subject_id"]) for n in feed] == [
        ("message.new", "You have a new message", str(application.id))]


def test_message_pages_cost_at_most_five_statements_whatever_their_size(
        app, session, auth_client):
    _job, application, survivor, _owner = _setup(session)
    client = auth_client(survivor)
    url = f"{API}/applications/{application.id}/messages"
    for n in range(8):
        client.post(url, json={"body": f"message {n}"})
    sizes = {}
    for limit in (1, 8):
        with counted(app) as statements:
            assert len(client.get(f"{url}?limit={limit}").get_json()["items"]) == limit
        sizes[limit] = len(statements)
    assert sizes[1] == sizes[8] <= 5, sizes
