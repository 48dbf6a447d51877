"""The notification feed: neutral texts, opaque payloads, cursor pages, mark read."""

from __future__ import annotations

import pytest

from empower_api.notifications import service
from empower_api.notifications.service import TEXTS, notify, push_payload
from tests.conftest import assert_problem
from tests.factories.accounts import make_employer_user, make_survivor
from tests.factories.applications import make_application
from tests.factories.jobs import make_employer, make_job, owner_of
from tests.jobs.applications.helpers import counted

API = "/api/v1"
# Words a notification must never carry: a watched phone could show them.
FORBIDDEN = ("traffick", "empower", "survivor", "bakery", "employer", "job", "sex", "rescue")


def test_status_changes_notify_the_applicant_without_naming_anything(session, auth_client):
    job = make_job(session, make_employer(session, name="Harbor Bakery"), title="Baker")
    survivor = make_survivor(session)
    application = make_application(session, job, survivor)
    owner = owner_of(session, job.employer)
    session.commit()
    auth_client(owner).post(f"{API}/applications/{application.id}/status",
                            json={"status": "declined"})
    response = auth_client(survivor).get(f"{API}/me/notifications")
    feed = response.get_json()["items"]
    assert [(n["kind"], n["text"], n["subject_type"], n["subject_id"], n["read"])
            for n in feed] == [("application.updated", "An application was updated",
                                "application", str(application.id), False)]
    lowered = response.get_data(as_text=True).lower()
    assert "harbor" not in lowered and "baker" not in lowered


def test_new_applications_and_withdrawals_notify_the_members(session, auth_client):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session)
    owner = owner_of(session, job.employer)
    session.commit()
    application = make_application(session, job, survivor, status="withdrawn")
    session.commit()
    feed = auth_client(owner).get(f"{API}/me/notifications").get_json()["items"]
    assert [n["subject_id"] for n in feed] == [str(application.id)] * 2
    assert {n["kind"] for n in feed} == {"application.updated"}


@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_every_text_is_neutral(kind):
    assert not any(word in TEXTS[kind].lower() for word in FORBIDDEN)


def test_the_push_payload_carries_only_kind_text_and_opaque_ids(session):
    user = make_survivor(session)
    notification = notify(session, user_id=user.id, kind="message.new",
                          subject_type="application", subject_id=user.id)
    assert set(push_payload(notification)) == {"id", "kind", "text", "subject_type",
                                               "subject_id"}


def test_unknown_kinds_are_refused(session):
    user = make_survivor(session)
    with pytest.raises(ValueError):
        notify(session, user_id=user.id, kind="grant.paid_by_program", subject_type="x",
               subject_id=1)


def test_feed_is_newest_first_in_cursor_pages_and_marks_read(session, auth_client):
    user = make_survivor(session)
    made = [notify(session, user_id=user.id, kind="message.new", subject_type="application",
                   subject_id=n) for n in range(5)]
    for offset, notification in enumerate(made):
        notification.created_at = notification.created_at.replace(microsecond=0) \
            .replace(second=offset)
    session.commit()
    client = auth_client(user)
    ids, cursor = [], None
    while True:
        page = client.get(f"{API}/me/notifications?limit=2"
                          + (f"&cursor={cursor}" if cursor else "")).get_json()
        ids += [n["subject_id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids == ["4", "3", "2", "1", "0"]
    read = client.post(f"{API}/me/notifications/{made[0].id}/read")
    assert read.status_code == 200 and read.get_json()["read"] is True
    first_read_at = read.get_json()["read_at"]
    assert client.post(f"{API}/me/notifications/{made[0].id}/read").get_json()["read_at"] \
        == first_read_at


def test_someone_elses_notification_is_404(session, auth_client):
    owner = make_survivor(session)
    notification = notify(session, user_id=owner.id, kind="message.new",
                          subject_type="application", subject_id=1)
    other = make_employer_user(session)
    session.commit()
    assert_problem(auth_client(other).post(f"{API}/me/notifications/{notification.id}/read"),
                   404)
    assert auth_client(other).get(f"{API}/me/notifications").get_json()["items"] == []


def test_export_and_erasure_cover_the_feed(session):
    user = make_survivor(session)
    notify(session, user_id=user.id, kind="message.new", subject_type="application",
           subject_id=1)
    assert [n["text"] for n in service.export_user(session, user)] == ["You have a new message"]
    service.erase_user(session, user)
    assert service.export_user(session, user) == []


def test_feed_pages_cost_at_most_five_statements_whatever_their_size(app, session, auth_client):
    user = make_survivor(session)
    for n in range(6):
        notify(session, user_id=user.id, kind="message.new", subject_type="application",
               subject_id=n)
    session.commit()
    client = auth_client(user)
    sizes = {}
    for limit in (1, 6):
        with counted(app) as statements:
            assert len(client.get(f"{API}/me/notifications?limit={limit}")
                       .get_json()["items"]) == limit
        sizes[limit] = len(statements)
    assert sizes[1] == sizes[6] <= 5, sizes
