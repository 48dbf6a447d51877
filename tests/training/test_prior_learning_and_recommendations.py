"""Prior-learning claims, staff decisions, and recommendations that use them."""

from __future__ import annotations

from sqlalchemy import select

from empower_api.audit.models import AuditEvent
from empower_api.jobs.models import SavedJob
from tests.conftest import assert_problem
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.jobs import make_employer, make_job
from tests.factories.training import make_course, make_credential

API = "/api/v1"
REASON = {"X-Access-Reason": "reviewing prior learning claims"}


def claim(client, **overrides):
    return client.post(f"{API}/me/prior-learning", json={
        "title": "Forklift licence", "issuer": "City Works", "earned_on": "2024-05-01",
        "evidence_note": "Card number on request", "skills": ["Forklift"], **overrides})


def test_claim_is_pending_then_staff_verify_it(session, auth_client):
    survivor, staff = make_survivor(session), make_staff(session)
    session.commit()
    client = auth_client(survivor)
    response = claim(client)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending" and body["skills"] == ["forklift"]
    assert client.get(f"{API}/me/prior-learning").get_json()["items"][0]["id"] == body["id"]

    staff_client = auth_client(staff)
    assert_problem(staff_client.get(f"{API}/staff/prior-learning"), 428)
    queue = staff_client.get(f"{API}/staff/prior-learning", headers=REASON).get_json()
    assert [c["id"] for c in queue["items"]] == [body["id"]]
    decided = staff_client.post(f"{API}/staff/prior-learning/{body['id']}/decision",
                                json={"decision": "verify", "note": "Saw the card."})
    assert decided.status_code == 200 and decided.get_json()["status"] == "verified"
    assert_problem(staff_client.post(f"{API}/staff/prior-learning/{body['id']}/decision",
                                     json={"decision": "decline", "note": "x"}), 409)
    session.expire_all()
    events = {e.action: e for e in session.scalars(select(AuditEvent))}
    assert events["training.prior_learning_decided"].data == {"decision": "verify"}
    assert "Saw the card" not in str(events["training.prior_learning_decided"].data)
    assert "staff.read_prior_learning" in events


def test_bad_claims_are_422(session, auth_client):
    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    assert_problem(claim(client, earned_on="2999-01-01"), 422, "earned_on")
    assert_problem(claim(client, earned_on="yesterday"), 422, "earned_on")
    assert_problem(claim(client, title=""), 422, "title")
    assert_problem(claim(client, status="verified"), 422, "status")
    assert_problem(auth_client(make_staff(session)).post(
        f"{API}/staff/prior-learning/00000000-0000-0000-0000-000000000000/decision",
        json={"decision": "maybe", "note": "x"}), 422, "decision")


def test_recommended_jobs_rank_by_shared_skills_with_reasons(session, auth_client):
    survivor = make_survivor(session, skills=["baking"])
    employer = make_employer(session)
    both = make_job(session, employer, title="Baker and driver", skills=["baking", "driving"])
    one = make_job(session, employer, title="Baker", skills=["baking"])
    make_job(session, employer, title="Welder", skills=["welding"])
    hidden = make_employer(session, status="suspended")
    make_job(session, hidden, title="Hidden baker", skills=["baking", "driving"])
    make_credential(session, survivor, make_course(session, skills=["driving"]))
    session.commit()
    body = auth_client(survivor).get(f"{API}/me/recommendations").get_json()
    assert [r["job"]["title"] for r in body["jobs"]] == ["Baker and driver", "Baker"]
    assert body["jobs"][0]["reason"] == "Matches 2 skills of yours."
    assert body["jobs"][1]["reason"] == "Matches 1 skill of yours."
    assert body["jobs"][0]["job"]["id"] == str(both.id) and one.id


def test_verified_claims_count_for_matching_pending_ones_do_not(session, auth_client):
    survivor, staff = make_survivor(session), make_staff(session)
    make_job(session, make_employer(session), title="Forklift driver", skills=["forklift"])
    session.commit()
    client = auth_client(survivor)
    claim_id = claim(client).get_json()["id"]
    assert client.get(f"{API}/me/recommendations").get_json()["jobs"] == []
    auth_client(staff).post(f"{API}/staff/prior-learning/{claim_id}/decision",
                            json={"decision": "verify", "note": "ok"})
    jobs = client.get(f"{API}/me/recommendations").get_json()["jobs"]
    assert [r["job"]["title"] for r in jobs] == ["Forklift driver"]


def test_recommended_courses_teach_what_saved_jobs_ask_for(session, auth_client):
    survivor = make_survivor(session, skills=["baking"])
    employer = make_employer(session)
    for title, skills in (("A", ["forklift", "baking"]), ("B", ["forklift", "excel"]),
                          ("C", ["excel"]), ("D", ["forklift"])):
        job = make_job(session, employer, title=title, skills=skills)
        session.add(SavedJob(user_id=survivor.id, job_id=job.id))
    make_course(session, title="Forklift course", skills=["forklift"])
    make_course(session, title="Excel course", skills=["excel"])
    make_course(session, title="Baking course", skills=["baking"])
    session.commit()
    body = auth_client(survivor).get(f"{API}/me/recommendations").get_json()
    assert [r["course"]["title"] for r in body["courses"]] == ["Forklift course", "Excel course"]
    assert body["courses"][0]["reason"] == "Teaches forklift, asked for by 3 jobs you saved."
