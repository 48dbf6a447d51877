"""``flask keys rotate-signing``: new credentials use the new key, old ones still verify."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from tests.factories.accounts import make_staff, make_survivor
from tests.factories.training import make_course, make_enrollment

API = "/api/v1"


def b64d(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def kid_of(token: str) -> str:
    return json.loads(b64d(token.split(".")[0]))["kid"]


def verify_independently(client, token: str) -> None:
    header, payload, signature = token.split(".")
    keys = {k["kid"]: k for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    public_key = Ed25519PublicKey.from_public_bytes(b64d(keys[kid_of(token)]["x"]))
    public_key.verify(b64d(signature), f"{header}.{payload}".encode())


@pytest.fixture
def keys_in_instance(app, tmp_path, monkeypatch):
    """The app's signing keys as if generated into instance/ (development)."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "SECRETS_FROM_INSTANCE", ["CREDENTIAL_SIGNING_KEYS"])
    monkeypatch.setitem(app.config, "CREDENTIAL_SIGNING_KEYS", app.config[
        "CREDENTIAL_SIGNING_KEYS"])
    return tmp_path


def issue(session, auth_client, survivor, staff, course):
    enrollment = make_enrollment(session, survivor, course)
    session.commit()
    response = auth_client(staff).post(f"{API}/staff/enrollments/{enrollment.id}/complete")
    assert response.status_code == 201
    return response.get_json()["credential"]["jws"]


def test_rotation_end_to_end(app, session, client, auth_client, keys_in_instance):
    survivor, staff, course = make_survivor(session), make_staff(session), make_course(session)
    old_token = issue(session, auth_client, survivor, staff, course)
    old_kid = kid_of(old_token)

    result = app.test_cli_runner().invoke(args=["keys", "rotate-signing"])
    assert result.exit_code == 0, result.output
    stored = json.loads((keys_in_instance / "secrets.json").read_text())
    assert stored["CREDENTIAL_SIGNING_KEYS"] == app.config["CREDENTIAL_SIGNING_KEYS"]
    assert len(stored["CREDENTIAL_SIGNING_KEYS"].split(",")) == 2

    new_token = issue(session, auth_client, survivor, staff, make_course(session))
    new_kid = kid_of(new_token)
    assert new_kid != old_kid and new_kid in result.output
    from empower_api.audit.models import AuditEvent

    session.expire_all()
    rotations = session.scalars(select(AuditEvent)
                                .where(AuditEvent.action == "keys.signing_rotated")).all()
    assert [e.data["kid"] for e in rotations] == [new_kid]
    jwks = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert [k["kid"] for k in jwks] == [new_kid, old_kid]
    did = client.get("/.well-known/did.json").get_json()
    assert [m["id"] for m in did["verificationMethod"]] == [new_kid, old_kid]
    for token in (old_token, new_token):
        verify_independently(client, token)
        body = client.post(f"{API}/credentials/verify", json={"jws": token}).get_json()
        assert body["valid"] is True, body


def test_dropping_a_retired_key_makes_its_credentials_unknown(app, session, client,
                                                                 auth_client, keys_in_instance):
    survivor, staff, course = make_survivor(session), make_staff(session), make_course(session)
    old_token = issue(session, auth_client, survivor, staff, course)
    app.test_cli_runner().invoke(args=["keys", "rotate-signing"])
    app.config["CREDENTIAL_SIGNING_KEYS"] = app.config["CREDENTIAL_SIGNING_KEYS"].split(",")[0]
    body = client.post(f"{API}/credentials/verify", json={"jws": old_token}).get_json()
    assert body["valid"] is False and body["reason"] == "unknown_key"


def test_rotation_with_keys_from_the_environment_prints_the_new_value(app, monkeypatch):
    monkeypatch.setitem(app.config, "SECRETS_FROM_INSTANCE", [])
    before = app.config["CREDENTIAL_SIGNING_KEYS"]
    monkeypatch.setitem(app.config, "CREDENTIAL_SIGNING_KEYS", before)
    result = app.test_cli_runner().invoke(args=["keys", "rotate-signing"])
    assert result.exit_code == 0, result.output
    printed = result.output.strip().splitlines()[-1]
    assert printed.endswith("," + before) and printed == app.config["CREDENTIAL_SIGNING_KEYS"]
