"""Notifications and credentials reach people in their own language."""

from __future__ import annotations

from empower_api.notifications.service import notify, push_payload
from tests.conftest import assert_problem
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.training import course_payload, make_course, make_credential

API = "/api/v1"


def test_a_push_is_written_in_the_recipients_locale(session):
    user = make_survivor(session, locale="es")
    notification = notify(session, user_id=user.id, kind="message.new",
                          subject_type="application", subject_id=user.id)
    assert push_payload(notification, user.locale)["text"] == "Tienes un mensaje nuevo"
    assert push_payload(notification, "ar")["text"] == "لديك رسالة جديدة"
    assert push_payload(notification)["text"] == "You have a new message"


def test_the_feed_speaks_the_readers_locale(session, auth_client):
    user = make_survivor(session, locale="fr")
    notify(session, user_id=user.id, kind="check_in.new", subject_type="check_in",
           subject_id=user.id)
    session.commit()
    feed = auth_client(user).get(f"{API}/me/notifications",
                                 headers={"Accept-Language": "en"}).get_json()["items"]
    assert [item["text"] for item in feed] == ["Vous avez une nouvelle question"]
    assert [item["kind"] for item in feed] == ["check_in.new"]


def test_a_credential_is_issued_in_its_learners_language(session):
    course = make_course(session, credential={
        "name": "Food Safety Basics", "description": "Handles food safely.",
        "description_translations": {"es": "Manipula alimentos de forma segura."}})
    spanish = make_credential(session, make_survivor(session, locale="es"), course)
    achievement = spanish.vc["credentialSubject"]["achievement"]
    assert achievement["description"] == "Manipula alimentos de forma segura."
    assert achievement["inLanguage"] == "es"
    assert achievement["criteria"]["narrative"].startswith("Completó todos los módulos")
    # No French translation from staff: the description as written, and said so.
    french = make_credential(session, make_survivor(session, locale="fr"), course)
    achievement = french.vc["credentialSubject"]["achievement"]
    assert achievement["description"] == "Handles food safely."
    assert achievement["inLanguage"] == "en"
    assert achievement["criteria"]["narrative"].startswith("Completed every module")


def test_the_course_shows_the_description_in_the_request_language(session, client):
    course = make_course(session, credential={
        "name": "Food Safety Basics", "description": "Handles food safely.",
        "description_translations": {"pt": "Manipula alimentos com segurança."}})
    session.commit()
    in_portuguese = client.get(f"{API}/courses/{course.id}",
                               headers={"Accept-Language": "pt-BR"}).get_json()["credential"]
    assert in_portuguese["description"] == "Manipula alimentos com segurança."
    assert in_portuguese["description_translations"] == {
        "pt": "Manipula alimentos com segurança."}
    in_english = client.get(f"{API}/courses/{course.id}").get_json()["credential"]
    assert in_english["description"] == "Handles food safely."


def test_translations_of_a_description_are_validated(session, auth_client):
    staff = make_staff(session)
    session.commit()
    payload = course_payload(credential={
        "name": "Food Safety Basics", "description": "Handles food safely.",
        "description_translations": {"xx": "?", "es": ""}})
    response = auth_client(staff).post(f"{API}/courses", json=payload)
    body = assert_problem(response, 422, "credential.description_translations.xx.key")
    assert set(body["errors"]) == {"credential.description_translations.xx.key",
                                   "credential.description_translations.es.value"}
