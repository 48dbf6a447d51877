"""Export and erasure of applications, messages, notes and feedback."""

from __future__ import annotations

from sqlalchemy import select

from empower_api.jobs.applications.models import (
    Application,
    ApplicationNote,
    Feedback,
    Message,
)
from tests.factories.accounts import PASSWORD, make_survivor
from tests.factories.applications import make_application
from tests.factories.jobs import make_employer, make_job, owner_of

API = "/api/v1"


def _conversation(session, auth_client, status="interview"):
    job = make_job(session, make_employer(session))
    survivor = make_survivor(session, skills=["sewing"], email="me@example.org")
    application = make_application(session, job, survivor, fields=["skills", "email"],
                                   cover_note="My cover note", status=status)
    owner = owner_of(session, job.employer)
    session.commit()
    url = f"{API}/applications/{application.id}/messages"
    auth_client(survivor).post(url, json={"body": "Applicant says hi"})
    auth_client(owner).post(url, json={"body": "Employer answers"})
    auth_client(owner).post(f"{API}/applications/{application.id}/notes",
                            json={"body": "Note about her"})
    return application, survivor, owner


def test_export_holds_applications_messages_and_feedback(session, auth_client):
    application, survivor, owner = _conversation(session, auth_client, status="hired")
    auth_client(survivor).post(f"{API}/applications/{application.id}/feedback", json={
        "commitments_kept": {name: True for name in (
            "flexible_scheduling", "fair_chance_hiring", "pay_transparency",
            "safe_workplace_policy", "trauma_informed_training", "accommodations",
            "language_support")}, "comment": "Good place"})
    exported = auth_client(survivor).get(f"{API}/me/export").get_json()["job_applications"]
    [item] = exported["applications"]
    assert item["id"] == str(application.id) and item["cover_note"] == "My cover note"
    assert item["shared"]["fields"] == {"skills": ["sewing"], "email": "me@example.org"}
    assert [(m["body"], m["mine"]) for m in exported["messages"]] == [
        ("Applicant says hi", True), ("Employer answers", False)]
    assert exported["feedback_given"][0]["comment"] == "Good place"
    assert "Note about her" not in str(exported)
    employer_export = auth_client(owner).get(f"{API}/me/export").get_json()["job_applications"]
    assert [m["body"] for m in employer_export["messages"]] == ["Employer answers"]
    assert [n["body"] for n in employer_export["notes_written"]] == ["Note about her"]


def test_erasing_the_applicant_pseudonymises_applications_and_erases_messages(
        session, auth_client):
    application, survivor, owner = _conversation(session, auth_client)
    assert auth_client(survivor).delete(f"{API}/me", json={"password": PASSWORD}) \
        .status_code == 204
    session.expire_all()
    row = session.get(Application, application.id)
    assert row.applicant_id is None and row.cover_note is None and row.shared_snapshot is None
    assert row.status == "withdrawn" and row.history[-1]["actor_role"] == "system"
    assert all(m.body is None for m in session.scalars(select(Message)))
    assert session.scalars(select(ApplicationNote)).all() == []
    seen = auth_client(owner).get(f"{API}/applications/{application.id}")
    assert seen.status_code == 200
    text = seen.get_data(as_text=True)
    assert "me@example.org" not in text and "My cover note" not in text
    messages = auth_client(owner).get(f"{API}/applications/{application.id}/messages")
    assert [(m["body"], m["erased"]) for m in messages.get_json()["items"]] == [
        (None, True), (None, True)]


def test_erasing_an_employer_member_erases_their_message_bodies(session, auth_client):
    application, survivor, owner = _conversation(session, auth_client)
    assert auth_client(owner).delete(f"{API}/me", json={"password": PASSWORD}).status_code \
        == 204
    items = auth_client(survivor).get(
        f"{API}/applications/{application.id}/messages").get_json()["items"]
    assert [m["body"] for m in items] == ["Applicant says hi", None]
    session.expire_all()
    assert [n.author_id for n in session.scalars(select(ApplicationNote))] == [None]


def test_feedback_loses_its_comment_with_the_account(session, auth_client):
    application, survivor, _owner = _conversation(session, auth_client, status="declined")
    auth_client(survivor).post(f"{API}/applications/{application.id}/feedback", json={
        "commitments_kept": {name: False for name in (
            "flexible_scheduling", "fair_chance_hiring", "pay_transparency",
            "safe_workplace_policy", "trauma_informed_training", "accommodations",
            "language_support")}, "comment": "Something personal"})
    auth_client(survivor).delete(f"{API}/me", json={"password": PASSWORD})
    session.expire_all()
    [feedback] = session.scalars(select(Feedback)).all()
    assert feedback.comment is None and feedback.kept_count == 0


def test_after_erasure_no_row_of_this_domain_references_the_person(session, auth_client):
    from empower_api.models import metadata

    application, survivor, owner = _conversation(session, auth_client)
    auth_client(survivor).get(f"{API}/me/notifications")
    tables = ("applications", "application_messages", "application_notes", "employer_feedback",
              "notifications")
    for person in (survivor, owner):
        assert auth_client(person).delete(f"{API}/me", json={"password": PASSWORD}) \
            .status_code == 204
        for name in tables:
            table = metadata.tables[name]
            for column in table.columns:
                if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                    found = session.execute(select(table).where(column == person.id)).first()
                    assert found is None, (name, column.name)
    assert session.get(Application, application.id) is not None
