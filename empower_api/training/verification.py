"""``POST /credentials/verify``: check a compact JWS credential, failing closed.

Order of checks: shape (three base64url parts, JSON header and payload), ``alg``
exactly ``EdDSA`` (RFC 8037; ``none``, HMAC and every other algorithm refused before
any key is touched), ``kid`` one of this issuer's published keys, the signature
(PyJWT on ``cryptography``), the document (VC 2.0 types, this issuer), validity dates
(``validFrom``/``validUntil``, VC 2.0 §4.9) and last revocation (Bitstring Status
List). The first failure decides the answer: ``valid`` is true only when every check
passed. When the status cannot be read, the answer says so and is not valid.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from empower_api.db import utcnow
from empower_api.timefmt import rfc3339, to_utc
from empower_api.training import issuer_keys, status_list

log = structlog.get_logger(__name__)

ALGORITHM = "EdDSA"
MAX_JWS_LENGTH = 20_000

# Reasons, as codes; ``reason`` in the response is one of these.
MALFORMED = "malformed"
BAD_ALGORITHM = "unsupported_algorithm"
UNKNOWN_KEY = "unknown_key"
BAD_SIGNATURE = "bad_signature"
NOT_A_CREDENTIAL = "not_a_credential"
WRONG_ISSUER = "unknown_issuer"
NOT_YET_VALID = "not_yet_valid"
EXPIRED = "expired"
REVOKED = "revoked"
STATUS_UNCHECKED = "revocation could not be checked"


@dataclass
class Verdict:
    valid: bool
    revoked: bool | None = None  # None: not known (not reached, or the status unreadable)
    issuer: str | None = None
    credential_name: str | None = None
    issued_at: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {"valid": self.valid, "revoked": self.revoked, "issuer": self.issuer,
               "credential_name": self.credential_name, "issued_at": self.issued_at}
        if self.reason:
            out["reason"] = self.reason
        return out


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _json_part(part: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise _Refused(MALFORMED)
    if not isinstance(value, dict):
        raise _Refused(MALFORMED)
    return value


def _moment(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _Refused(NOT_A_CREDENTIAL)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Refused(NOT_A_CREDENTIAL)
    if moment.tzinfo is None:
        raise _Refused(NOT_A_CREDENTIAL)
    return to_utc(moment)


def _signed_payload(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or len(token) > MAX_JWS_LENGTH or token.count(".") != 2:
        raise _Refused(MALFORMED)
    header = _json_part(token.split(".")[0])
    if header.get("alg") != ALGORITHM:
        raise _Refused(BAD_ALGORITHM)
    kid = header.get("kid")
    public_key = issuer_keys.public_key_for(kid) if isinstance(kid, str) else None
    if public_key is None:
        raise _Refused(UNKNOWN_KEY)
    try:
        payload = jwt.decode(token, key=public_key, algorithms=[ALGORITHM],
                             options={"verify_aud": False, "verify_iss": False})
    except jwt.InvalidSignatureError:
        raise _Refused(BAD_SIGNATURE)
    except jwt.PyJWTError:
        raise _Refused(MALFORMED)
    return payload


def _check(session: Session, token: str, now: datetime, verdict: Verdict) -> None:
    payload = _signed_payload(token)
    types = payload.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise _Refused(NOT_A_CREDENTIAL)
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != issuer_keys.issuer_did():
        raise _Refused(WRONG_ISSUER)
    verdict.issuer = issuer.get("name") if isinstance(issuer, dict) else issuer_id
    name = payload.get("name")
    verdict.credential_name = name if isinstance(name, str) else None
    valid_from = _moment(payload.get("validFrom"))
    verdict.issued_at = rfc3339(valid_from)
    if valid_from > now:
        raise _Refused(NOT_YET_VALID)
    if "validUntil" in payload and _moment(payload["validUntil"]) <= now:
        raise _Refused(EXPIRED)
    entry = payload.get("credentialStatus")
    try:
        index = int(entry["statusListIndex"])
        verdict.revoked = status_list.is_revoked(
            session, list_url_value=str(entry["statusListCredential"]), index=index)
    except (LookupError, TypeError, ValueError):
        raise _Refused(STATUS_UNCHECKED)
    except SQLAlchemyError:
        session.rollback()  # the status could not be read; the answer says so
        raise _Refused(STATUS_UNCHECKED)
    if verdict.revoked:
        raise _Refused(REVOKED)


def verify(session: Session, *, token: Any, now: datetime | None = None) -> Verdict:
    """Verify a compact JWS credential. Never raises: any failure is a Verdict with
    ``valid: False`` and a ``reason`` (the check that failed)."""
    verdict = Verdict(valid=False)
    try:
        _check(session, token, now or utcnow(), verdict)
    except _Refused as refused:
        verdict.reason = refused.reason
        return verdict
    except Exception as error:  # fail closed: an unforeseen input is never "valid"
        log.warning("credential_verify_failed", error_type=type(error).__name__)
        verdict.reason = MALFORMED
        return verdict
    verdict.valid = True
    return verdict
