"""Issued credentials verify independently, and verification fails closed."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import uuid
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from empower_api.db import utcnow
from empower_api.timefmt import rfc3339
from empower_api.training import credentials as credential_service
from empower_api.training import status_list
from empower_api.training.enrollments import complete_by_staff
from tests.conftest import assert_problem
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.training import make_course, make_enrollment

API = "/api/v1"


def b64d(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws_parts(token: str) -> tuple[dict, dict, bytes, bytes]:
    header, payload, signature = token.split(".")
    return (json.loads(b64d(header)), json.loads(b64d(payload)), signature and b64d(signature),
            f"{header}.{payload}".encode())


@pytest.fixture
def issued(session, auth_client):
    """A survivor, staff, and a credential issued over HTTP by staff completion."""
    survivor, staff = make_survivor(session), make_staff(session)
    enrollment = make_enrollment(session, survivor, make_course(session, staff=staff))
    session.commit()
    response = auth_client(staff).post(f"{API}/staff/enrollments/{enrollment.id}/complete")
    assert response.status_code == 201, response.get_data(as_text=True)
    return {"survivor": survivor, "staff": staff, "credential": response.get_json()["credential"],
            "enrollment": enrollment}


def verify(client, token):
    response = client.post(f"{API}/credentials/verify", json={"jws": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_jws_verifies_with_published_jwks_using_cryptography_only(client, issued):
    token = issued["credential"]["jws"]
    header, payload, signature, signing_input = jws_parts(token)
    assert header["alg"] == "EdDSA" and header["kid"]
    keys = client.get("/.well-known/jwks.json").get_json()["keys"]
    jwk = next(k for k in keys if k["kid"] == header["kid"])
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk
    public_key = Ed25519PublicKey.from_public_bytes(b64d(jwk["x"]))
    public_key.verify(signature, signing_input)  # raises if it does not verify
    with pytest.raises(InvalidSignature):
        public_key.verify(signature, signing_input.replace(b".", b".x", 1))
    assert payload == issued["credential"]["vc"]


def test_document_is_a_vc2_open_badge_with_a_pseudonymous_subject(app, issued):
    vc = issued["credential"]["vc"]
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(vc["type"])
    assert vc["issuer"]["name"] == app.config["CREDENTIAL_ISSUER_NAME"]
    assert vc["issuer"]["id"].startswith("did:web:")
    assert vc["validFrom"].endswith("Z") and len(vc["validFrom"]) == 20
    subject = vc["credentialSubject"]
    assert subject["id"].startswith("urn:uuid:")
    assert str(issued["survivor"].id) not in json.dumps(vc)
    assert issued["survivor"].alias not in json.dumps(vc)
    assert subject["achievement"]["name"] == "Food Safety Basics"
    status = vc["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert 0 <= int(status["statusListIndex"]) < status_list.LIST_SIZE
    assert issued["credential"]["status"] == "active"


def test_valid_credential_verifies(client, issued):
    body = verify(client, issued["credential"]["jws"])
    assert body == {"valid": True, "revoked": False, "issuer": "Skills Credential Issuer",
                    "credential_name": "Food Safety Basics",
                    "issued_at": issued["credential"]["vc"]["validFrom"]}


def _flip(token: str, part: int) -> str:
    pieces = token.split(".")
    text = pieces[part]
    middle = len(text) // 2
    pieces[part] = text[:middle] + ("A" if text[middle] != "A" else "B") + text[middle + 1:]
    return ".".join(pieces)


def _signed(header: dict, payload: dict, sign) -> str:
    signing_input = f"{b64e(json.dumps(header).encode())}.{b64e(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64e(sign(signing_input.encode()))}"


def test_tampered_payload_is_invalid(client, issued):
    body = verify(client, _flip(issued["credential"]["jws"], 1))
    assert body["valid"] is False and body["reason"] in {"bad_signature", "malformed"}


def test_changed_claim_with_old_signature_is_invalid(client, issued):
    header, payload, signature, _ = jws_parts(issued["credential"]["jws"])
    payload["name"] = "Brain surgeon"
    body = verify(client, _signed(header, payload, lambda _data: signature))
    assert body["valid"] is False and body["reason"] == "bad_signature"


def test_swapped_key_is_invalid(client, issued):
    header, payload, _sig, _ = jws_parts(issued["credential"]["jws"])
    other = Ed25519PrivateKey.generate()
    body = verify(client, _signed(header, payload, other.sign))
    assert body["valid"] is False and body["reason"] == "bad_signature"


def test_unknown_kid_is_invalid(client, issued):
    header, payload, _sig, _ = jws_parts(issued["credential"]["jws"])
    other = Ed25519PrivateKey.generate()
    body = verify(client, _signed({**header, "kid": header["kid"] + "x"}, payload, other.sign))
    assert body["valid"] is False and body["reason"] == "unknown_key"


def test_alg_none_is_invalid(client, issued):
    header, payload, _sig, _ = jws_parts(issued["credential"]["jws"])
    unsigned = _signed({**header, "alg": "none"}, payload, lambda _data: b"")
    for token in (unsigned, unsigned.rsplit(".", 1)[0] + "."):
        body = verify(client, token)
        assert body["valid"] is False and body["reason"] == "unsupported_algorithm"


def test_hs256_signed_with_the_public_key_is_invalid(client, issued):
    header, payload, _sig, _ = jws_parts(issued["credential"]["jws"])
    jwk = client.get("/.well-known/jwks.json").get_json()["keys"][0]
    for secret in (b64d(jwk["x"]), jwk["x"].encode(), json.dumps(jwk).encode()):
        token = _signed({**header, "alg": "HS256"}, payload,
                        lambda data, s=secret: hmac.new(s, data, hashlib.sha256).digest())
        body = verify(client, token)
        assert body["valid"] is False and body["reason"] == "unsupported_algorithm"


@pytest.mark.parametrize("garbage", [
    "", "garbage", "a.b.c", "..", "....", "eyJhbGciOiJFZERTQSJ9..", "e30.e30.e30",
    "W10.W10.", "bnVsbA.bnVsbA.", "\u00e9\u00e9.\u00e9.\u00e9", "x" * 20_000,
    "eyJhbGciOiJFZERTQSIsImtpZCI6WzFdfQ.e30.AAAA",  # kid is a list
])
def test_garbage_is_invalid_never_a_500(client, garbage):
    body = verify(client, garbage)
    assert body["valid"] is False and body["reason"]


@pytest.mark.parametrize("value", [None, 12, ["a"], {"a": 1}, "x" * 20_001])
def test_non_string_or_huge_input_is_a_422(client, value):
    assert_problem(client.post(f"{API}/credentials/verify", json={"jws": value}), 422, "jws")


def _resign(session, payload_change):
    """A credential signed with the real key but with a changed document."""
    survivor = make_survivor(session)
    enrollment = make_enrollment(session, survivor)
    credential = complete_by_staff(session, actor=make_staff(session),
                                   enrollment_id=enrollment.id)
    document = dict(credential.vc)
    payload_change(document)
    token, _kid = credential_service.sign(document)
    session.commit()
    return token


def test_expired_credential_is_invalid(client, session):
    token = _resign(session, lambda d: d.update(validUntil=rfc3339(utcnow() - timedelta(days=1))))
    body = verify(client, token)
    assert body["valid"] is False and body["reason"] == "expired"


def test_not_yet_valid_credential_is_invalid(client, session):
    token = _resign(session, lambda d: d.update(validFrom=rfc3339(utcnow() + timedelta(days=1))))
    assert verify(client, token)["reason"] == "not_yet_valid"


def test_other_issuer_is_invalid(client, session):
    token = _resign(session, lambda d: d.update(issuer={"id": "did:web:evil.example"}))
    assert verify(client, token)["reason"] == "unknown_issuer"


def test_missing_status_means_revocation_could_not_be_checked(client, session):
    token = _resign(session, lambda d: d.pop("credentialStatus"))
    body = verify(client, token)
    assert body["valid"] is False and body["revoked"] is None
    assert body["reason"] == "revocation could not be checked"


def test_unreadable_status_means_revocation_could_not_be_checked(client, issued, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("database gone"))

    monkeypatch.setattr(status_list, "is_revoked", broken)
    body = verify(client, issued["credential"]["jws"])
    assert body["valid"] is False and body["revoked"] is None
    assert body["reason"] == "revocation could not be checked"


def test_revocation_takes_effect_at_once_and_in_the_status_list(client, auth_client, issued):
    credential = issued["credential"]
    status = credential["vc"]["credentialStatus"]
    list_path = status["statusListCredential"].split("localhost:5000", 1)[1]
    before = client.get(list_path)
    assert before.status_code == 200
    encoded = before.get_json()["credentialSubject"]["encodedList"]
    assert status_list.decode_bit(encoded, int(status["statusListIndex"])) is False
    unchanged = client.get(list_path, headers={"If-None-Match": before.headers["ETag"]})
    assert unchanged.status_code == 304

    staff = auth_client(issued["staff"])
    response = staff.post(f"{API}/staff/credentials/{credential['id']}/revoke",
                          json={"reason": "issued_in_error"})
    assert response.status_code == 200 and response.get_json()["status"] == "revoked"
    assert_problem(staff.post(f"{API}/staff/credentials/{credential['id']}/revoke", json={}),
                   409)

    body = verify(client, credential["jws"])
    assert body["valid"] is False and body["revoked"] is True and body["reason"] == "revoked"
    after = client.get(list_path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # the list changed, so the old ETag no longer matches
    encoded = after.get_json()["credentialSubject"]["encodedList"]
    assert status_list.decode_bit(encoded, int(status["statusListIndex"])) is True
    owner = auth_client(issued["survivor"]).get(f"{API}/credentials/{credential['id']}")
    assert owner.get_json()["status"] == "revoked"


def test_status_list_is_large_and_indexes_are_random(client, session):
    survivor, staff = make_survivor(session), make_staff(session)
    course = make_course(session, staff=staff)
    indexes = []
    for _ in range(6):
        enrollment = make_enrollment(session, survivor, course)
        credential = complete_by_staff(session, actor=staff, enrollment_id=enrollment.id)
        indexes.append(credential.status_index)
    session.commit()
    assert len(set(indexes)) == 6 and indexes != sorted(indexes)
    list_url = credential.vc["credentialStatus"]["statusListCredential"]
    document = client.get(list_url.split("localhost:5000", 1)[1]).get_json()
    assert {"VerifiableCredential", "BitstringStatusListCredential"} <= set(document["type"])
    encoded = document["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(b64d(encoded[1:]))
    assert len(bits) * 8 >= 131_072


def test_status_list_can_be_fetched_signed(client, issued):
    url = issued["credential"]["vc"]["credentialStatus"]["statusListCredential"]
    response = client.get(url.split("localhost:5000", 1)[1],
                          headers={"Accept": "application/vc+jwt"})
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    _header, payload, _sig, _ = jws_parts(response.get_data(as_text=True))
    assert "BitstringStatusListCredential" in payload["type"]


def test_did_document_publishes_the_jwks_keys(client, app):
    did = client.get("/.well-known/did.json").get_json()
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert did["id"] == "did:web:localhost%3A5000"
    assert [m["id"] for m in did["verificationMethod"]] == [k["kid"] for k in jwks["keys"]]
    assert [m["publicKeyJwk"]["x"] for m in did["verificationMethod"]] == \
        [k["x"] for k in jwks["keys"]]
    assert did["assertionMethod"] == [k["kid"] for k in jwks["keys"]]


def test_owner_reads_and_lists_credentials_others_get_404(session, auth_client, issued):
    credential_id = issued["credential"]["id"]
    owner = auth_client(issued["survivor"])
    body = owner.get(f"{API}/credentials/{credential_id}").get_json()
    assert {"id", "vc", "jws", "status"} <= set(body) and body["jws"] == \
        issued["credential"]["jws"]
    listed = owner.get(f"{API}/me/credentials").get_json()
    assert [c["id"] for c in listed["items"]] == [credential_id]
    other = auth_client(make_survivor(session))
    assert_problem(other.get(f"{API}/credentials/{credential_id}"), 404)
    assert other.get(f"{API}/me/credentials").get_json()["items"] == []


def test_share_carries_only_the_jws_and_optionally_the_holders_name(session, auth_client,
                                                                      issued):
    owner = auth_client(issued["survivor"])
    credential_id = issued["credential"]["id"]
    shared = owner.get(f"{API}/credentials/{credential_id}/share").get_json()
    assert shared["jws"] == shared["qr_payload"] == issued["credential"]["jws"]
    assert shared["link"].endswith("#" + shared["jws"]) and shared["holder_name"] is None
    assert shared["verify_url"].endswith("/api/v1/credentials/verify")
    named = owner.get(f"{API}/credentials/{credential_id}/share?include_name=true").get_json()
    assert named["holder_name"] == issued["survivor"].alias
    assert named["jws"] == shared["jws"]  # the name is beside the credential, never in it


def test_credentials_for_sharing(session, issued):
    from empower_api.errors import Invalid
    from empower_api.training.credentials import credentials_for_sharing

    survivor = session.get(type(issued["survivor"]), issued["survivor"].id)
    credential_id = issued["credential"]["id"]
    items = credentials_for_sharing(session, user=survivor,
                                    credential_ids=[uuid.UUID(credential_id)])
    assert items == [{"id": credential_id, "credential_name": "Food Safety Basics",
                      "issuer": "Skills Credential Issuer",
                      "issued_at": issued["credential"]["issued_at"],
                      "jws": issued["credential"]["jws"]}]
    other = make_survivor(session)
    with pytest.raises(Invalid) as raised:
        credentials_for_sharing(session, user=other, credential_ids=[uuid.UUID(credential_id)])
    assert "share.credential_ids" in raised.value.errors
    with pytest.raises(Invalid):
        credentials_for_sharing(session, user=survivor, credential_ids=[uuid.uuid4()])
