"""Issuing, reading, sharing and revoking credentials.

A credential is a W3C Verifiable Credentials 2.0 document shaped as an Open Badges
3.0 ``OpenBadgeCredential``, secured as a compact JWS (VC-JOSE-COSE: the payload is
the credential itself, header ``alg: EdDSA``, ``typ: vc+jwt``, ``kid`` the issuer's
DID URL). Signing goes through PyJWT on ``cryptography``'s Ed25519.

The subject is a fresh random ``urn:uuid`` per credential: never a name, and two
credentials of the same person cannot be linked through it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import jwt
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, Invalid, NotFound
from empower_api.i18n import SOURCE_LOCALE, plural, translate_in
from empower_api.pagination import Page, SortKey, paginate
from empower_api.timefmt import rfc3339
from empower_api.training import issuer_keys, status_list
from empower_api.training.models import Course, Credential, Enrollment

VC_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
JWS_TYPE = "vc+jwt"


def achievement_description(course: Course, locale: str | None) -> tuple[str, str]:
    """(description, its BCP 47 tag): staff's translation for ``locale`` when there is
    one, else the description as written (English)."""
    translated = (course.credential_description_translations or {}).get(locale or "")
    return (translated, locale) if translated and locale else (
        course.credential_description, SOURCE_LOCALE)


def build_document(*, credential_id: uuid.UUID, subject_id: uuid.UUID, course: Course,
                   issued_at: Any, status: dict[str, Any],
                   locale: str | None = None) -> dict[str, Any]:
    """The unsigned credential (VC 2.0 data model, Open Badges 3.0 vocabulary).

    ``locale``: the learner's language; the achievement's description is in it when
    staff supplied that translation (Open Badges ``inLanguage`` says which)."""
    base = current_app.config["PUBLIC_BASE_URL"]
    description, language = achievement_description(course, locale)
    return {
        "@context": list(VC_CONTEXT),
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_keys.issuer_did(), "type": ["Profile"],
                   "name": issuer_keys.issuer_name()},
        "validFrom": rfc3339(issued_at),
        "name": course.credential_name,
        "credentialSubject": {
            "id": f"urn:uuid:{subject_id}",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"{base}/api/v1/courses/{course.id}",
                "type": ["Achievement"],
                "name": course.credential_name,
                "description": description,
                "inLanguage": language,
                "criteria": {"narrative": translate_in(language, plural(
                    "Completed every module of “{title}” ({num} hour).",
                    "Completed every module of “{title}” ({num} hours).",
                    course.duration_hours, title=course.title))},
                "tag": list(course.skills or []),
            },
        },
        "credentialStatus": status,
    }


def sign(document: dict[str, Any]) -> tuple[str, str]:
    """(compact JWS, kid) of ``document`` under the current key."""
    key = issuer_keys.current_key()
    token = jwt.encode(document, key.private_key, algorithm="EdDSA",
                       headers={"kid": key.kid, "typ": JWS_TYPE})
    return token, key.kid


def issue(session: Session, *, enrollment: Enrollment, course: Course) -> Credential:
    """Issue the course's credential for a completed enrollment (flushes, no commit).

    The caller completes the enrollment in the same transaction, so a credential
    exists if and only if the completion does.
    """
    if enrollment.user_id is None:
        raise Conflict("This enrollment has no learner any more.")
    learner = session.get(User, enrollment.user_id)
    status_list_row, index = status_list.allocate(session)
    credential_id, subject_id, issued_at = uuid.uuid4(), uuid.uuid4(), utcnow()
    document = build_document(credential_id=credential_id, subject_id=subject_id,
                              course=course, issued_at=issued_at,
                              status=status_list.entry(status_list_row.id, index),
                              locale=learner.locale if learner is not None else None)
    token, kid = sign(document)
    credential = Credential(
        id=credential_id, user_id=enrollment.user_id, enrollment_id=enrollment.id,
        course_id=course.id, name=course.credential_name, skills=list(course.skills or []),
        subject_id=subject_id, kid=kid, vc=document, jws=token,
        issued_at=issued_at.replace(microsecond=0), status_list_id=status_list_row.id,
        status_index=index)
    session.add(credential)
    session.flush()
    return credential


def list_mine(session: Session, *, user: User, limit: int, cursor: str | None) -> Page[Any]:
    """The caller's credentials, newest first (revoked ones too, marked so)."""
    stmt = select(Credential).where(Credential.user_id == user.id)
    return paginate(session, stmt, keys=[SortKey(Credential.issued_at, True),
                                         SortKey(Credential.id, True)],
                    limit=limit, cursor=cursor, scope="me-credentials")


def get_mine(session: Session, *, user: User, credential_id: uuid.UUID) -> Credential:
    """The owner's credential; anyone else gets 404 (existence must not leak)."""
    credential = session.get(Credential, credential_id)
    if credential is None or credential.user_id != user.id:
        raise NotFound("No such credential.")
    return credential


def share(session: Session, *, user: User, credential_id: uuid.UUID,
          include_name: bool) -> dict[str, Any]:
    """What a survivor shows: the JWS alone (link or QR), optionally with a name.

    The name is never inside the signed credential: it travels next to it, marked as
    stated by the holder, only when the survivor asks for it.
    ``{"jws", "verify_url", "link", "qr_payload", "holder_name"}``.
    """
    credential = get_mine(session, user=user, credential_id=credential_id)
    if credential.revoked_at is not None:
        raise Conflict("This credential was revoked and cannot be shared.")
    base = current_app.config["PUBLIC_BASE_URL"]
    # The JWS sits in the fragment, which browsers never send to a server.
    return {"jws": credential.jws, "verify_url": f"{base}/api/v1/credentials/verify",
            "link": f"{base}/verify#{credential.jws}", "qr_payload": credential.jws,
            "holder_name": (user.display_name or user.alias) if include_name else None}


def credentials_for_sharing(session: Session, *, user: User,
                            credential_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """The caller's active credentials with these ids, for a job application.

    Each item: ``{"id", "credential_name", "issuer", "issued_at" (RFC 3339), "jws"}``,
    in the order asked. Raises ``Invalid("share.credential_ids", ...)`` when an id is
    not one of the caller's active (unrevoked) credentials.
    """
    wanted = list(dict.fromkeys(credential_ids))
    if not wanted:
        return []
    found = {c.id: c for c in session.scalars(select(Credential).where(
        Credential.id.in_(wanted), Credential.user_id == user.id,
        Credential.revoked_at.is_(None)))}
    if len(found) != len(wanted):
        raise Invalid("share.credential_ids", "Choose only your own active credentials.")
    return [{"id": str(c.id), "credential_name": c.name,
             "issuer": c.vc.get("issuer", {}).get("name"),
             "issued_at": rfc3339(c.issued_at), "jws": c.jws}
            for c in (found[i] for i in wanted)]


def revoke(session: Session, *, actor: User, credential_id: uuid.UUID,
           reason: str | None) -> Credential:
    """Staff revoke a credential: its status bit is set now (audited; 409 if already)."""
    credential = session.get(Credential, credential_id, with_for_update=True,
                             populate_existing=True)
    if credential is None:
        raise NotFound("No such credential.")
    if credential.revoked_at is not None:
        raise Conflict("This credential is already revoked.")
    credential.revoked_at, credential.revoked_by_id = utcnow(), actor.id
    audit.record(session, action="training.credential_revoked", actor=actor,
                 subject_type="credential", subject_id=credential.id,
                 data={"reason": reason or "other"})
    session.flush()
    return credential
