"""Two-factor log-in: TOTP (RFC 6238) with single-use backup codes.

Staff and admins always need it; survivors and employers may opt in. A right password
for such an account yields a short-lived, single-use ``mfa_token`` instead of tokens;
``POST /auth/login/mfa`` swaps it and a code for the usual token body.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from empower_api.accounts.models import STAFF_ROLES, User
from empower_api.accounts.security_models import MfaBackupCode, MfaChallenge, MfaSecret
from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, Forbidden, Invalid, Unauthorized
from empower_api.i18n import N_
from empower_api.security import passwords
from empower_api.security.crypto import cipher

log = structlog.get_logger(__name__)

ISSUER = "Empower"
BACKUP_CODE_COUNT = 10
CHALLENGE_LIFETIME = timedelta(minutes=5)
# A challenge survives a few mistyped codes, then a fresh log-in is needed.
MAX_CHALLENGE_ATTEMPTS = 5
# One step either side of now: phones whose clocks drift by up to 30 s still work.
VALID_WINDOW = 1
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
WRONG_CODE = N_("The code is not right, or it has expired. Sign in again if this keeps "
                "happening.")


@dataclass
class Enrolment:
    secret: str
    uri: str


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads (Key Uri Format)."""
    # Staff see their work e-mail in their app; survivors their alias, never a contact.
    name = user.email if user.is_staff and user.email else (user.alias or "account")
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an SVG QR code (no scripts; safe to show inline)."""
    import segno  # only for the enrolment page's QR code

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False)
    return buffer.getvalue().decode()


def active_secret(session: Session, user: User) -> MfaSecret | None:
    row = session.get(MfaSecret, user.id)
    return row if row is not None and row.active else None


def required(session: Session, user: User) -> bool:
    """Whether a log-in to this account needs a second step."""
    return user.role in STAFF_ROLES or active_secret(session, user) is not None


def _backup_hash(user_id: uuid.UUID, code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").lower()
    return cipher().blind_index(f"mfa-backup:{user_id}:{normalised}")


def new_backup_codes(session: Session, user: User) -> list[str]:
    """Replace the user's backup codes with 10 fresh ones, shown only this once."""
    session.execute(delete(MfaBackupCode).where(MfaBackupCode.user_id == user.id))
    codes = []
    for _ in range(BACKUP_CODE_COUNT):
        raw = "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        session.add(MfaBackupCode(user_id=user.id, code_hash=_backup_hash(user.id, code)))
    session.flush()
    return codes


def enrol(session: Session, user: User, *, confirmed: bool = False) -> Enrolment:
    """Give the user a new TOTP seed (encrypted at rest).

    ``confirmed`` (staff created from the command line) makes it required at once;
    otherwise it waits for a first code (:func:`confirm`). Raises Conflict when
    two-factor is already on and the caller is not replacing it deliberately.
    """
    row = session.get(MfaSecret, user.id)
    if row is not None and row.active and not confirmed:
        raise Conflict("Two-factor is on already; turn it off first to start again.",
                       code="mfa_already_enabled")
    secret = pyotp.random_base32()
    if row is None:
        row = MfaSecret(user_id=user.id, secret=secret)
        session.add(row)
    row.secret, row.last_used_step = secret, None
    row.created_at = utcnow()
    row.confirmed_at = utcnow() if confirmed else None
    session.flush()
    if confirmed:
        audit.record(session, action="mfa.enabled", actor=user, subject_type="user",
                     subject_id=user.id)
    return Enrolment(secret=secret, uri=provisioning_uri(user, secret))


def _accept_totp(row: MfaSecret, code: str) -> bool:
    """True for a right code of a step not used before; records the step (no replay)."""
    totp = pyotp.TOTP(row.secret)
    now_step = int(time.time()) // totp.interval
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            if row.last_used_step is not None and step <= row.last_used_step:
                return False  # replay of a code already used in its window
            row.last_used_step = step
            return True
    return False


def confirm(session: Session, user: User, code: str) -> list[str]:
    """Turn two-factor on with a first right code; returns the 10 backup codes."""
    row = session.get(MfaSecret, user.id, with_for_update=True, populate_existing=True)
    if row is None:
        raise Conflict("Start with POST /me/mfa to get a code for your app.",
                       code="mfa_not_started")
    if row.active:
        raise Conflict("Two-factor is on already.", code="mfa_already_enabled")
    if not _accept_totp(row, code.strip()):
        raise Invalid("code", "This code is not right. Check your phone's clock and try again.")
    row.confirmed_at = utcnow()
    codes = new_backup_codes(session, user)
    audit.record(session, action="mfa.enabled", actor=user, subject_type="user",
                 subject_id=user.id)
    return codes


def disable(session: Session, user: User, password: str) -> None:
    """Turn two-factor off with the account's password (never for staff or admins)."""
    if user.role in STAFF_ROLES:
        raise Forbidden("Staff and admin accounts always need two-factor.")
    if not passwords.verify_password(user.password_hash, password):
        raise Invalid("password", "This is not your password.")
    row = session.get(MfaSecret, user.id)
    if row is None:
        return
    session.delete(row)
    session.execute(delete(MfaBackupCode).where(MfaBackupCode.user_id == user.id))
    session.flush()
    audit.record(session, action="mfa.disabled", actor=user, subject_type="user",
                 subject_id=user.id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin(session: Session, user: User, *, device_label: str | None, duress: bool = False
          ) -> dict[str, object]:
    """After a right password: a challenge whose token works once, for 5 minutes."""
    if user.role in STAFF_ROLES and active_secret(session, user) is None:
        raise Forbidden("Two-factor is not set up for this account. Ask an administrator "
                        "to run `flask users reset-mfa`.", code="mfa_setup_required")
    token = secrets.token_urlsafe(32)
    session.add(MfaChallenge(
        token_hash=_token_hash(token), user_id=user.id, duress=duress,
        device_label=(device_label or "unknown device")[:80],
        expires_at=utcnow() + CHALLENGE_LIFETIME,
    ))
    session.flush()
    return {"mfa_required": True, "mfa_token": token}


def _use_backup_code(session: Session, user_id: uuid.UUID, code: str) -> bool:
    used = session.execute(
        update(MfaBackupCode)
        .where(MfaBackupCode.user_id == user_id, MfaBackupCode.used_at.is_(None),
               MfaBackupCode.code_hash == _backup_hash(user_id, code))
        .values(used_at=utcnow())
    )
    return bool(used.rowcount)


def complete(session: Session, *, token: str, code: str) -> MfaChallenge:
    """Check a challenge's code (TOTP or a backup code) and spend the challenge.

    Raises Unauthorized (401) for an unknown, used or expired token and for a wrong or
    replayed code; a wrong code counts against the challenge and persists.
    """
    challenge = session.scalar(
        select(MfaChallenge).where(MfaChallenge.token_hash == _token_hash(token))
        .with_for_update().execution_options(populate_existing=True)
    )
    if challenge is None or challenge.used_at is not None or challenge.expires_at <= utcnow():
        raise Unauthorized("This sign-in step has expired. Sign in again.",
                           code="mfa_token_invalid")
    code = code.strip()
    row = session.get(MfaSecret, challenge.user_id, with_for_update=True,
                      populate_existing=True)
    accepted = False
    if row is not None and row.active:
        if code.isdigit():
            accepted = _accept_totp(row, code)
        else:
            accepted = _use_backup_code(session, challenge.user_id, code)
            if accepted:
                audit.record(session, action="mfa.backup_code_used",
                             actor=session.get(User, challenge.user_id),
                             subject_type="user", subject_id=challenge.user_id)
    if not accepted:
        challenge.attempts += 1
        if challenge.attempts >= MAX_CHALLENGE_ATTEMPTS:
            challenge.used_at = utcnow()
        audit.record(session, action="auth.mfa_failed", subject_type="user",
                     subject_id=challenge.user_id)
        error = Unauthorized(WRONG_CODE, code="invalid_mfa_code")
        error.commit = True  # the attempt and its audit event persist
        raise error
    challenge.used_at = utcnow()
    session.flush()
    return challenge
