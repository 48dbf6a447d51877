"""Enrollments: enroll once, complete modules, withdraw; staff completion issues."""

from __future__ import annotations

from sqlalchemy import func, select

from empower_api.audit.models import AuditEvent
from empower_api.training.models import Credential
from tests.conftest import assert_problem
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.training import make_course

API = "/api/v1"


def test_enroll_once_then_409_and_again_after_withdrawing(session, auth_client):
    survivor, course = make_survivor(session), make_course(session)
    session.commit()
    client = auth_client(survivor)
    first = client.post(f"{API}/courses/{course.id}/enrollments")
    assert first.status_code == 201
    body = first.get_json()
    assert body["status"] == "active" and body["progress"] == 0 and body["id"]
    assert_problem(client.post(f"{API}/courses/{course.id}/enrollments"), 409)
    withdrawn = client.post(f"{API}/enrollments/{body['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert_problem(client.post(f"{API}/enrollments/{body['id']}/withdraw"), 409)
    again = client.post(f"{API}/courses/{course.id}/enrollments")
    assert again.status_code == 201 and again.get_json()["id"] != body["id"]
    listed = client.get(f"{API}/me/enrollments").get_json()["items"]
    assert [e["status"] for e in listed] == ["active", "withdrawn"]
    assert listed[0]["course"]["title"] == course.title


def test_enrolling_in_a_missing_course_is_404(session, auth_client):
    survivor = make_survivor(session)
    session.commit()
    response = auth_client(survivor).post(
        f"{API}/courses/00000000-0000-0000-0000-000000000000/enrollments")
    assert_problem(response, 404)


def test_modules_complete_one_by_one_with_progress(session, auth_client):
    survivor, course = make_survivor(session), make_course(session)
    session.commit()
    client = auth_client(survivor)
    enrollment = client.post(f"{API}/courses/{course.id}/enrollments").get_json()
    modules = client.get(f"{API}/courses/{course.id}").get_json()["modules"]
    progress = []
    for module in [modules[1], modules[1], modules[0], modules[2]]:
        response = client.post(
            f"{API}/enrollments/{enrollment['id']}/modules/{module['id']}/complete")
        assert response.status_code == 200
        progress.append(response.get_json()["progress"])
    assert progress == [33, 33, 66, 100]
    other_course = make_course(session)
    session.commit()
    foreign_module = client.get(f"{API}/courses/{other_course.id}").get_json()["modules"][0]
    assert_problem(client.post(
        f"{API}/enrollments/{enrollment['id']}/modules/{foreign_module['id']}/complete"), 404)


def test_another_survivor_cannot_touch_an_enrollment(session, auth_client):
    owner, other, course = make_survivor(session), make_survivor(session), make_course(session)
    session.commit()
    enrollment = auth_client(owner).post(f"{API}/courses/{course.id}/enrollments").get_json()
    module = auth_client(owner).get(f"{API}/courses/{course.id}").get_json()["modules"][0]
    intruder = auth_client(other)
    assert_problem(intruder.post(
        f"{API}/enrollments/{enrollment['id']}/modules/{module['id']}/complete"), 404)
    assert_problem(intruder.post(f"{API}/enrollments/{enrollment['id']}/withdraw"), 404)


def test_staff_completion_issues_the_credential_once_and_is_audited(session, auth_client):
    survivor, staff, course = make_survivor(session), make_staff(session), make_course(session)
    session.commit()
    enrollment = auth_client(survivor).post(f"{API}/courses/{course.id}/enrollments").get_json()
    staff_client = auth_client(staff)
    listed = staff_client.get(f"{API}/staff/courses/{course.id}/enrollments").get_json()
    assert [e["id"] for e in listed["items"]] == [enrollment["id"]]
    assert "user_id" not in listed["items"][0]
    response = staff_client.post(f"{API}/staff/enrollments/{enrollment['id']}/complete")
    assert response.status_code == 201
    credential = response.get_json()["credential"]
    assert credential["status"] == "active" and credential["jws"].count(".") == 2
    assert_problem(staff_client.post(f"{API}/staff/enrollments/{enrollment['id']}/complete"), 409)
    mine = auth_client(survivor).get(f"{API}/me/enrollments").get_json()["items"][0]
    assert mine["status"] == "completed" and mine["progress"] == 100
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Credential)) == 1
    actions = list(session.scalars(select(AuditEvent.action)))
    assert "training.enrollment_completed" in actions and "training.course_created" in actions


def test_completion_fails_whole_when_issuing_fails(session, auth_client, monkeypatch):
    survivor, staff, course = make_survivor(session), make_staff(session), make_course(session)
    session.commit()
    enrollment = auth_client(survivor).post(f"{API}/courses/{course.id}/enrollments").get_json()
    from empower_api.training import credentials

    def broken(_document):
        raise RuntimeError("signing device unavailable")

    monkeypatch.setattr(credentials, "sign", broken)
    response = auth_client(staff).post(f"{API}/staff/enrollments/{enrollment['id']}/complete")
    assert_problem(response, 500)
    mine = auth_client(survivor).get(f"{API}/me/enrollments").get_json()["items"][0]
    assert mine["status"] == "active"  # the completion rolled back with the issuance
