"""Export and erasure: erased accounts' credentials still verify but lead to nobody."""

from __future__ import annotations

from sqlalchemy import select

from empower_api.training.models import Credential, Enrollment, PriorLearningClaim
from tests.factories.accounts import PASSWORD, make_survivor
from tests.factories.training import make_credential, make_enrollment

API = "/api/v1"


def test_export_holds_enrollments_credentials_and_claims(session, auth_client):
    survivor = make_survivor(session)
    credential = make_credential(session, survivor)
    make_enrollment(session, survivor)
    session.commit()
    client = auth_client(survivor)
    client.post(f"{API}/me/prior-learning", json={
        "title": "First aid", "issuer": "Red Cross", "earned_on": "2023-02-01",
        "evidence_note": "certificate in my bag"})
    training = client.get(f"{API}/me/export").get_json()["training"]
    assert [c["id"] for c in training["credentials"]] == [str(credential.id)]
    assert training["credentials"][0]["jws"] == credential.jws
    assert sorted(e["status"] for e in training["enrollments"]) == ["active", "completed"]
    assert training["prior_learning"][0]["evidence_note"] == "certificate in my bag"


def test_erasure_keeps_credentials_verifiable_but_unlinked(session, client, auth_client):
    survivor = make_survivor(session)
    credential = make_credential(session, survivor)
    session.commit()
    own = auth_client(survivor)
    own.post(f"{API}/me/prior-learning", json={
        "title": "First aid", "issuer": "Red Cross", "earned_on": "2023-02-01"})
    assert own.delete(f"{API}/me", json={"password": PASSWORD}).status_code == 204
    body = client.post(f"{API}/credentials/verify", json={"jws": credential.jws}).get_json()
    assert body["valid"] is True and body["revoked"] is False
    session.expire_all()
    kept = session.get(Credential, credential.id)
    assert kept.user_id is None and kept.enrollment_id is None
    assert session.scalars(select(Enrollment).where(Enrollment.user_id == survivor.id)).all() == []
    assert session.scalars(select(PriorLearningClaim)
                           .where(PriorLearningClaim.user_id == survivor.id)).all() == []
    assert str(survivor.id) not in credential.jws
