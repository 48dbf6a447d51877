"""Programs and applying, over HTTP."""

from __future__ import annotations

from datetime import timedelta

from empower_api.db import utcnow
from empower_api.timefmt import rfc3339
from tests.conftest import assert_problem
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.grants import make_application, make_program, unique_plan

API = "/api/v1"


def _body(**overrides):
    now = utcnow()
    body = {"name": "Fresh Start", "currency": "usd", "budget_amount": 100_000,
            "max_award_amount": 30_000, "dual_approval_threshold_amount": 20_000,
            "opens_at": rfc3339(now - timedelta(days=1)),
            "closes_at": rfc3339(now + timedelta(days=30)), "description": "Small grants."}
    body.update(overrides)
    return body


def test_staff_create_a_program_and_survivors_see_the_open_ones(session, auth_client):
    staff, survivor = make_staff(session), make_survivor(session)
    session.commit()
    created = auth_client(staff).post(f"{API}/staff/grant-programs", json=_body())
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["currency"] == "USD" and body["budget_amount"] == 100_000
    assert body["awards_per_survivor"] == 1 and body["opens_at"].endswith("Z")
    future = _body(name="Later", opens_at=rfc3339(utcnow() + timedelta(days=5)),
                   closes_at=rfc3339(utcnow() + timedelta(days=9)))
    assert auth_client(staff).post(f"{API}/staff/grant-programs", json=future).status_code == 201
    listed = auth_client(survivor).get(f"{API}/grant-programs").get_json()
    names = [p["name"] for p in listed["items"]]
    assert "Fresh Start" in names and "Later" not in names


def test_program_validation_names_the_field(session, auth_client):
    staff = auth_client(make_staff(session))
    session.commit()
    assert_problem(staff.post(f"{API}/staff/grant-programs", json=_body(currency="XXZ")), 422,
                   "currency")
    assert_problem(staff.post(f"{API}/staff/grant-programs", json=_body(budget_amount=10.5)),
                   422, "budget_amount")
    backwards = _body(closes_at=rfc3339(utcnow() - timedelta(days=3)))
    assert_problem(staff.post(f"{API}/staff/grant-programs", json=backwards), 422, "closes_at")
    assert_problem(staff.post(f"{API}/staff/grant-programs", json=_body(extra=1)), 422, "extra")


def test_apply_see_status_and_withdraw(session, auth_client):
    program = make_program(session)
    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    response = client.post(f"{API}/grant-programs/{program.id}/applications", json={
        "requested_amount": 12_000, "purpose": "Oven", "plan": unique_plan()})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "submitted"
    app_id = response.get_json()["id"]
    mine = client.get(f"{API}/me/grant-applications").get_json()["items"]
    assert [(a["id"], a["status"], a["requested_amount"]) for a in mine] == [
        (app_id, "submitted", 12_000)]
    withdrawn = client.post(f"{API}/me/grant-applications/{app_id}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert_problem(client.post(f"{API}/me/grant-applications/{app_id}/withdraw"), 409)


def test_over_max_award_is_422_and_outside_the_window_409(session, auth_client):
    program = make_program(session)
    closed = make_program(session, opens_at=utcnow() - timedelta(days=9),
                          closes_at=utcnow() - timedelta(days=1))
    survivor = auth_client(make_survivor(session))
    session.commit()
    body = {"requested_amount": 30_001, "purpose": "Oven", "plan": unique_plan()}
    assert_problem(survivor.post(f"{API}/grant-programs/{program.id}/applications", json=body),
                   422, "requested_amount")
    body["requested_amount"] = 1000
    problem = assert_problem(
        survivor.post(f"{API}/grant-programs/{closed.id}/applications", json=body), 409)
    assert problem["code"] == "outside_window"


def test_one_application_per_survivor_by_default(session, auth_client):
    program = make_program(session)
    survivor = make_survivor(session)
    make_application(session, program, survivor)
    session.commit()
    body = {"requested_amount": 1000, "purpose": "More", "plan": unique_plan()}
    problem = assert_problem(auth_client(survivor).post(
        f"{API}/grant-programs/{program.id}/applications", json=body), 409)
    assert problem["code"] == "award_cap_reached"


def test_eligibility_answers_must_match_the_questions(session, auth_client):
    program = make_program(session, eligibility_questions=["Do you live in the region?"])
    survivor = auth_client(make_survivor(session))
    session.commit()
    body = {"requested_amount": 1000, "purpose": "Tools", "plan": unique_plan()}
    url = f"{API}/grant-programs/{program.id}/applications"
    assert_problem(survivor.post(url, json=body), 422, "answers")
    assert survivor.post(url, json={**body, "answers": ["yes"]}).status_code == 201


def test_another_survivors_application_is_404(session, auth_client):
    program = make_program(session)
    owner, other = make_survivor(session), make_survivor(session)
    application = make_application(session, program, owner)
    session.commit()
    assert_problem(auth_client(other).post(
        f"{API}/me/grant-applications/{application.id}/withdraw"), 404)
    assert auth_client(other).get(f"{API}/me/grant-applications").get_json()["items"] == []
