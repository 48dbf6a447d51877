"""Accounts: registration, log-in, token rotation, sessions, profile, export, erasure.

Functions take the SQLAlchemy session explicitly and only flush; the request
commits once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from flask import current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token, get_jti
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from empower_api.accounts import duress, mfa
from empower_api.accounts.models import AuthSession, RecoveryCode, Role, User
from empower_api.audit import service as audit
from empower_api.db import checkpoint_after_commit, db, utcnow
from empower_api.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionRequired,
    Unauthorized,
)
from empower_api.i18n import N_, plural
from empower_api.idempotency import IdempotencyRecord
from empower_api.security import passwords
from empower_api.security.crypto import cipher
from empower_api.security.reauth import auth_time_claim, require_reauthentication
from empower_api.security.tokens import REFRESH_TOKEN_LIFETIME
from empower_api.timefmt import rfc3339

log = structlog.get_logger(__name__)

SELF_REGISTER_ROLES = (Role.SURVIVOR, Role.EMPLOYER)
RECOVERY_CODE_COUNT = 10
_ALIAS_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{2,39}")  # always fullmatch
# What a phone parser reads as a number: digits with separators, nothing else.
_PHONE_LIKE_RE = re.compile(r"\+?[0-9][0-9 ().\-_]*[0-9]")
PHONE_MIN_DIGITS = 7
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
WRONG_CREDENTIALS = N_("The log-in name or password is not right.")


# --- normalisation -------------------------------------------------------------


def looks_like_phone(text: str) -> bool:
    """True when the whole text is a run of digits and separators with 7+ digits."""
    return bool(_PHONE_LIKE_RE.fullmatch(text)) and sum(
        c.isdigit() for c in text) >= PHONE_MIN_DIGITS


def alias_problem(alias: str) -> str | None:
    if not _ALIAS_RE.fullmatch(alias):
        return N_("Use 3 to 40 letters, digits, '.', '_' or '-', starting with a letter or "
                  "digit.")
    if looks_like_phone(alias):
        return N_("An alias must not look like a phone number.")
    return None


def alias_key(alias: str) -> str:
    """The one form aliases are compared in: NFKC, stripped, case-folded (UTS #15, #21)."""
    return unicodedata.normalize("NFKC", alias).strip().casefold()


# Scripts that are written together in one word (Japanese); any other mix is refused.
_SCRIPT_FAMILIES = {"HIRAGANA": "JAPANESE", "KATAKANA": "JAPANESE", "CJK": "JAPANESE"}


def _scripts(text: str) -> set[str]:
    names = (unicodedata.name(c, "UNKNOWN").split(" ")[0] for c in text if c.isalpha())
    return {_SCRIPT_FAMILIES.get(name, name) for name in names}


def normalise_email(email: str) -> str:
    """NFKC, then the domain case-folded (RFC 5890 compares labels case-insensitively).

    A local part or domain label that mixes scripts (Latin ``o`` beside Cyrillic ``о``)
    is refused: it exists to look like another address (UTS #39 mixed-script check).
    """
    email = unicodedata.normalize("NFKC", email).strip()
    local, sep, domain = email.rpartition("@")
    if (not sep or not local or "." not in domain or len(email) > 254
            or any(c.isspace() for c in email)):
        raise Invalid("email", "Enter a valid e-mail address.")
    if any(len(_scripts(part)) > 1 for part in (local, *domain.split("."))):
        raise Invalid("email", "Use letters of one alphabet in each part of the address.")
    return f"{local}@{domain.casefold()}"


def normalise_phone(phone: str, field: str = "phone") -> str:
    """E.164 (``+15551234567``); numbers without a country code need DEFAULT_PHONE_REGION."""
    import phonenumbers  # its metadata loads on the first number, not at start-up

    region = current_app.config.get("DEFAULT_PHONE_REGION")
    try:
        parsed = phonenumbers.parse(unicodedata.normalize("NFKC", phone), region)
    except phonenumbers.NumberParseException:
        raise Invalid(field, "Enter a phone number with its country code, like +15551234567.")
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise Invalid(field, "This phone number is not valid.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def canonical_identity(raw: str, kind: str | None = None) -> tuple[str, str]:
    """``(kind, canonical value)`` of a log-in name: ``("email", NFKC + folded domain)``,
    ``("phone", E.164)`` or ``("alias", alias_key)``. ``kind`` forces the reading (a body's
    ``email`` field); otherwise it is guessed as log-in does. Never raises: what does
    not parse as an e-mail or phone is compared as an alias."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if kind == "email" or (kind is None and "@" in text):
        with contextlib.suppress(Invalid):
            return "email", normalise_email(text)
    if kind == "phone" or (kind is None and (text.startswith("+") or looks_like_phone(text))):
        with contextlib.suppress(Invalid):
            return "phone", normalise_phone(text)
    return "alias", alias_key(text)


def email_index(email: str) -> str:
    return cipher().blind_index("email:" + unicodedata.normalize("NFKC", email).lower())


def phone_index(phone: str) -> str:
    return cipher().blind_index("phone:" + phone)


def _check_password(password: str, *context: str | None) -> None:
    reason = passwords.password_problem(password, context=tuple(c for c in context if c))
    if reason:
        raise Invalid("password", reason)


# --- tokens and sessions ---------------------------------------------------------


@dataclass
class Tokens:
    user: User
    access_token: str
    refresh_token: str
    recovery_codes: list[str] | None = None


def _issue(session: Session, user: User, auth_session: AuthSession,
           auth_time: dict[str, int]) -> Tokens:
    """Both tokens carry the session id and when its log-in happened (``auth_time``)."""
    claims = {"sid": str(auth_session.id), "role": user.role, **auth_time}
    access = create_access_token(identity=str(user.id), additional_claims=claims)
    refresh = create_refresh_token(identity=str(user.id), additional_claims=claims)
    auth_session.refresh_jti = get_jti(refresh)
    auth_session.last_used_at = utcnow()
    session.flush()
    return Tokens(user=user, access_token=access, refresh_token=refresh)


def start_session(session: Session, user: User, device_label: str | None) -> Tokens:
    auth_session = AuthSession(
        id=uuid.uuid4(), user_id=user.id,
        device_label=(device_label or "unknown device")[:80], refresh_jti="",
    )
    session.add(auth_session)
    session.flush()
    return _issue(session, user, auth_session, auth_time_claim())


def user_for_token(payload: dict[str, Any]) -> User | None:
    try:
        user_id = uuid.UUID(str(payload.get("sub")))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.erased_at is not None or user.deactivated_at is not None:
        return None
    return user


def session_is_active(sid: Any) -> bool:
    """Checked on every authenticated request, so revocation is immediate.

    With Redis configured the answer is cached: "active" for a minute, set only if
    absent (``NX``), while a revocation overwrites it with "revoked" at once — so a
    cached "active" can never outlive a revocation on any host.
    """
    try:
        session_id = uuid.UUID(str(sid))
    except ValueError:
        return False
    cache = revocation_cache()
    key = f"{_CACHE_PREFIX}{session_id}"
    if cache is not None:
        from redis.exceptions import RedisError  # loaded with the client (REDIS_URL)

        try:
            cached = cache.get(key)
        except RedisError:
            log.warning("session_cache_unavailable")
            cache, cached = None, None
        if cached is not None:
            return cached == b"1"
    # One query answers and brings the user along: the user lookup that follows finds
    # it in the identity map. Only the user's row becomes an object (the session row's
    # columns were a third of this check's CPU, and nothing else in a request reads it).
    user = db.session.execute(_ACTIVE_SESSION_USER, {"session_id": session_id}).scalar()
    g.session_user = user  # a strong reference: the identity map's are weak
    active = user is not None
    if cache is not None:
        from redis.exceptions import RedisError

        with contextlib.suppress(RedisError):
            cache.set(key, b"1" if active else b"0",
                      ex=_CACHE_ACTIVE_SECONDS if active else _CACHE_REVOKED_SECONDS, nx=True)
    return active


# The user of a session that has not been revoked; built once (its compiled form is cached).
_ACTIVE_SESSION_USER = (
    select(User).join(AuthSession, AuthSession.user_id == User.id)
    .where(AuthSession.id == bindparam("session_id"), AuthSession.revoked_at.is_(None)))

_CACHE_PREFIX = "empower:session:"
_CACHE_ACTIVE_SECONDS = 60
_CACHE_REVOKED_SECONDS = int(REFRESH_TOKEN_LIFETIME.total_seconds())


def revocation_cache() -> Any | None:
    """A Redis client when ``REDIS_URL`` is set, else None (the database answers)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("empower_redis")
    if client is None:
        import redis  # only with REDIS_URL: the embedded default never loads it

        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        current_app.extensions["empower_redis"] = client
    return client


def _mark_revoked(session_ids: Iterable[uuid.UUID]) -> None:
    cache = revocation_cache()
    if cache is None:
        return
    from redis.exceptions import RedisError

    try:
        pipe = cache.pipeline()
        for session_id in session_ids:
            pipe.set(f"{_CACHE_PREFIX}{session_id}", b"0", ex=_CACHE_REVOKED_SECONDS)
        pipe.execute()
    except RedisError:
        # The database stays the truth; a cached "active" expires within a minute.
        log.warning("session_cache_revocation_failed")


def refresh(session: Session, *, user: User, token: dict[str, Any]) -> Tokens:
    """Rotate a refresh token. A spent one presented again ends the whole session.

    The row is locked and re-read (``populate_existing``): the token check loaded it
    earlier in this request, and a stale ``refresh_jti`` would let parallel refreshes
    with one token all succeed.
    """
    auth_session = session.get(AuthSession, uuid.UUID(token["sid"]), with_for_update=True,
                               populate_existing=True)
    if auth_session is None or auth_session.revoked_at is not None:
        raise Unauthorized("This session has ended. Sign in again.")
    if not hmac.compare_digest(auth_session.refresh_jti, token["jti"]):
        auth_session.revoked_at = utcnow()
        auth_session.revoked_reason = "refresh_reuse"
        session.flush()
        _mark_revoked([auth_session.id])
        log.warning("refresh_token_reuse", session_id=str(auth_session.id))
        audit.record(session, action="auth.token_reuse", actor=user, subject_type="session",
                     subject_id=auth_session.id)
        error = Unauthorized("This session has ended. Sign in again.")
        error.commit = True  # the revocation must persist although the request fails
        raise error
    auth_time = token.get("auth_time")
    return _issue(session, user, auth_session,
                  {"auth_time": auth_time} if isinstance(auth_time, int) else {})


def end_session(session: Session, *, user: User, session_id: uuid.UUID, reason: str) -> None:
    auth_session = session.get(AuthSession, session_id)
    if auth_session is None or auth_session.user_id != user.id:
        raise NotFound("No such session.")
    if auth_session.revoked_at is None:
        auth_session.revoked_at = utcnow()
        auth_session.revoked_reason = reason
    session.flush()
    _mark_revoked([auth_session.id])


def end_all_sessions(session: Session, *, user: User, reason: str) -> int:
    """Safety exit: end every session of the user at once."""
    ids = list(session.scalars(
        select(AuthSession.id)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    ))
    if ids:
        session.execute(
            update(AuthSession)
            .where(AuthSession.id.in_(ids))
            .values(revoked_at=utcnow(), revoked_reason=reason)
        )
    session.flush()
    _mark_revoked(ids)
    return len(ids)


def safety_exit(session: Session, *, user: User) -> None:
    """End every session of the user at once, and say so in the audit log."""
    end_all_sessions(session, user=user, reason="safety_exit")
    audit.record(session, action="auth.safety_exit", actor=user, subject_type="user",
                 subject_id=user.id)


def list_sessions(session: Session, *, user: User) -> list[AuthSession]:
    return list(
        session.scalars(
            select(AuthSession)
            .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
            .order_by(AuthSession.last_used_at.desc(), AuthSession.id)
        )
    )


# --- registration and log-in -------------------------------------------------------


def _recovery_hash(user_id: uuid.UUID, code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(f"{user_id}:{normalised}".encode()).hexdigest()


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(15))
        code = "-".join(raw[i : i + 5] for i in range(0, 15, 5))
        codes.append(code)
        session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user.id, code)))
    session.flush()
    return codes


_CONTACTS: dict[str, tuple[Callable[[str], str], Callable[[str], str], str]] = {
    "email": (normalise_email, email_index, N_("An account with this e-mail exists.")),
    "phone": (normalise_phone, phone_index, N_("An account with this phone exists.")),
}


def _set_contact(session: Session, user: User, field: str, value: str | None) -> None:
    """Set (or with None, remove) a user's e-mail or phone, with its blind index."""
    if value is None:
        setattr(user, field, None)
        setattr(user, f"{field}_index", None)
        return
    normalise, index, taken_message = _CONTACTS[field]
    normalised = normalise(value)
    key = index(normalised)
    taken = session.scalar(
        select(User.id).where(getattr(User, f"{field}_index") == key, User.id != user.id)
    )
    if taken:
        raise Conflict(taken_message, code=f"{field}_taken")
    setattr(user, field, normalised)
    setattr(user, f"{field}_index", key)


def _has_recovery_codes(session: Session, user: User) -> bool:
    return session.scalar(
        select(RecoveryCode.id)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)).limit(1)
    ) is not None


def new_recovery_codes(session: Session, *, user: User,
                       current_password: str | None = None) -> list[str]:
    """Replace the user's recovery codes with 10 new ones (shown once).

    Needs re-authentication (``security.reauth``): new codes redirect recovery.
    """
    require_reauthentication(user.password_hash, current_password)
    if not user.alias:
        raise Invalid("alias", "Set an alias first: recovery signs in with alias and code.")
    codes = _new_recovery_codes(session, user)
    audit.record(session, action="account.recovery_codes_renewed", actor=user,
                 subject_type="user", subject_id=user.id)
    return codes


def _flush_unique(session: Session, field: str, message: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(message, code=f"{field}_taken")


def register(session: Session, *, data: dict[str, Any], device_label: str | None) -> Tokens:
    """Self-registration as a survivor (anonymous or identified) or an employer."""
    mode = data["mode"]
    password = data["password"]
    if mode == "anonymous":
        alias = data.get("alias")
        if not alias:
            raise Invalid("alias", "An alias is required for an anonymous account.")
        for field in ("email", "phone", "display_name"):
            if data.get(field):
                raise Invalid(field, "An anonymous account holds no e-mail, phone or name.")
        if data.get("role", Role.SURVIVOR) != Role.SURVIVOR:
            raise Invalid("role", "Anonymous accounts are for survivors.")
        if reason := alias_problem(alias):
            raise Invalid("alias", reason)
        _check_password(password, alias)
        if session.scalar(select(User.id).where(User.alias_key == alias_key(alias))):
            raise Conflict("This alias is taken; choose another.", code="alias_taken")
        user = User(id=uuid.uuid4(), role=Role.SURVIVOR, anonymous=True, alias=alias,
                    alias_key=alias_key(alias))
    else:
        role = data.get("role") or Role.SURVIVOR
        if role not in SELF_REGISTER_ROLES:
            raise Invalid("role", "Choose survivor or employer.")
        if data.get("alias"):
            raise Invalid("alias", "Use display_name with an identified account.")
        email, phone = data.get("email"), data.get("phone")
        if not email and not phone:
            raise Invalid("email", "Give an e-mail address or a phone number.")
        _check_password(password, email, phone)
        user = User(id=uuid.uuid4(), role=role, anonymous=False,
                    display_name=data.get("display_name"))
        for field, value in (("email", email), ("phone", phone)):
            if value:
                _set_contact(session, user, field, value)
    user.password_hash = passwords.hash_password(password)
    session.add(user)
    _flush_unique(session, "account", N_("This account exists already."))
    codes = _new_recovery_codes(session, user) if user.anonymous else None
    tokens = start_session(session, user, device_label)
    tokens.recovery_codes = codes
    log.info("user_registered", user_id=str(user.id), role=user.role, anonymous=user.anonymous)
    return tokens


def find_by_login(session: Session, login: str) -> User | None:
    """The account a log-in name means, compared in its canonical form (one query)."""
    kind, value = canonical_identity(login)
    if kind == "email":
        return session.scalar(select(User).where(User.email_index == email_index(value)))
    if kind == "phone":
        # A number that is no one's phone may still be an alias made of digits.
        return session.scalar(
            select(User).where(or_(User.phone_index == phone_index(value),
                                   User.alias_key == alias_key(login)))
            .order_by(User.phone_index.is_(None)).limit(1)
        )
    return session.scalar(select(User).where(User.alias_key == value))


def login(session: Session, *, login: str, password: str,
          device_label: str | None) -> Tokens | dict[str, Any]:
    """Same answer, in similar time, whether or not the account exists.

    Accounts with two-factor get ``{"mfa_required": true, "mfa_token"}`` instead of
    tokens (accounts/mfa.py); a duress password opens a decoy session (accounts/duress.py).
    """
    user = find_by_login(session, login)
    if user is not None and (user.erased_at or user.deactivated_at or user.is_decoy):
        user = None
    outcome = duress.check_password(session, user, password)
    if outcome is None:
        audit.record(session, action="auth.login_failed", subject_type="user",
                     subject_id=user.id if user else None)
        error = Unauthorized(WRONG_CREDENTIALS, code="invalid_credentials")
        error.commit = True  # the audit event of the failure persists
        raise error
    assert user is not None
    if outcome == duress.PASSWORD and passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
    return finish_login(session, user, device_label=device_label,
                        is_duress=outcome == duress.DURESS)


def finish_login(session: Session, user: User, *, device_label: str | None,
                 is_duress: bool, second_factor_done: bool = False) -> Tokens | dict[str, Any]:
    """After the password (and, where needed, the second factor): open the session."""
    if not second_factor_done and mfa.required(session, user):
        return mfa.begin(session, user, device_label=device_label, duress=is_duress)
    if is_duress:
        return duress.open_decoy_session(session, user=user, device_label=device_label)
    audit.record(session, action="auth.login", actor=user, subject_type="user",
                 subject_id=user.id)
    log.info("user_logged_in", user_id=str(user.id))
    return start_session(session, user, device_label)


def login_second_step(session: Session, *, token: str, code: str) -> Tokens | dict[str, Any]:
    """``POST /auth/login/mfa``: a right code for a live challenge opens the session."""
    challenge = mfa.complete(session, token=token, code=code)
    user = session.get(User, challenge.user_id)
    if user is None or user.erased_at or user.deactivated_at:
        raise Unauthorized("This sign-in step has expired. Sign in again.",
                           code="mfa_token_invalid")
    return finish_login(session, user, device_label=challenge.device_label,
                        is_duress=challenge.duress, second_factor_done=True)


def recover(
    session: Session, *, alias: str, code: str, new_password: str, device_label: str | None
) -> Tokens:
    """Reset an anonymous account's password with a single-use recovery code."""
    user = session.scalar(select(User).where(User.alias_key == alias_key(alias)))
    wrong = Unauthorized("The alias or recovery code is not right.", code="invalid_recovery")
    if user is None or user.erased_at is not None:
        raise wrong
    digest = _recovery_hash(user.id, code)
    match = session.scalar(
        select(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest)
        .with_for_update().execution_options(populate_existing=True)
    )
    if match is None or match.used_at is not None:
        raise wrong
    _check_password(new_password, user.alias)
    match.used_at = utcnow()
    user.password_hash = passwords.hash_password(new_password)
    end_all_sessions(session, user=user, reason="recovered")
    log.info("account_recovered", user_id=str(user.id))
    return start_session(session, user, device_label)


def create_staff(session: Session, *, email: str, password: str, admin: bool = False) -> User:
    """Staff and admins are created from the command line only."""
    email = normalise_email(email)
    _check_password(password, email)
    key = email_index(email)
    if session.scalar(select(User.id).where(User.email_index == key)):
        raise Conflict("An account with this e-mail exists.", code="email_taken")
    user = User(
        id=uuid.uuid4(), role=Role.ADMIN if admin else Role.STAFF, anonymous=False,
        email=email, email_index=key, display_name="Staff",
        password_hash=passwords.hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(session, action=f"account.{user.role}_created", subject_type="user",
                 subject_id=user.id)
    return user


# --- profile -----------------------------------------------------------------------

PROFILE_FIELDS = ("display_name", "locale", "languages", "skills", "region", "city", "availability",
                  "accommodations", "legal_name", "date_of_birth")


IDENTITY_FIELDS = ("alias", "email", "phone")


def identity_change(user: User, data: dict[str, Any]) -> bool:
    """Whether ``data`` changes how the account is signed in to or recovered."""
    return any(field in data and data[field] != getattr(user, field)
               for field in IDENTITY_FIELDS)


def update_profile(session: Session, *, user: User, data: dict[str, Any],
                   current_password: str | None = None) -> User:
    """Change the caller's own profile. ``email``/``phone`` set to null removes them.

    Changing alias, e-mail or phone needs re-authentication (``security.reauth``,
    ASVS 5.0 V6/V7); a ``current_password`` given anyway must be right.
    """
    if identity_change(user, data) or current_password is not None:
        require_reauthentication(user.password_hash, current_password)
    if "alias" in data:
        alias = data["alias"]
        if alias is None:
            if user.anonymous:
                raise Invalid("alias", "An anonymous account needs its alias.")
            user.alias = user.alias_key = None
        else:
            if reason := alias_problem(alias):
                raise Invalid("alias", reason)
            taken = session.scalar(
                select(User.id).where(User.alias_key == alias_key(alias), User.id != user.id)
            )
            # A duress decoy wears the real alias without holding it (accounts/duress.py).
            if taken and not user.is_decoy:
                raise Conflict("This alias is taken; choose another.", code="alias_taken")
            user.alias, user.alias_key = alias, None if user.is_decoy else alias_key(alias)
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(user, field, data[field])
    for field in ("email", "phone"):
        if field in data:
            _set_contact(session, user, field, data[field])
    if not user.anonymous and not (user.email or user.phone) and user.role != Role.SURVIVOR:
        raise Invalid("email", "This account needs an e-mail address or a phone number.")
    if not user.alias and not user.email and not user.phone:
        raise Invalid("email", "Keep at least one way to sign in: an alias, e-mail or phone.")
    becomes_anonymous = user.role == Role.SURVIVOR and not (user.email or user.phone)
    if becomes_anonymous and not user.anonymous and not _has_recovery_codes(session, user):
        field = "email" if "email" in data else "phone"
        raise Invalid(field, "Create recovery codes first (POST /me/recovery-codes): without an "
                             "e-mail or phone they are the only way back into this account.")
    # An identified survivor with neither e-mail nor phone signs in with an alias.
    user.anonymous = becomes_anonymous
    _flush_unique(session, "account", N_("This alias, e-mail or phone is taken."))
    return user


def change_password(session: Session, *, user: User, current: str, new: str,
                    keep_session_id: uuid.UUID) -> None:
    """Change the password; every other signed-in device is signed out."""
    require_reauthentication(user.password_hash, current)
    _check_password(new, user.alias, user.email, user.phone)
    user.password_hash = passwords.hash_password(new)
    if user.is_decoy:
        duress.follow_decoy_password(session, decoy=user)
    others = list(session.scalars(
        select(AuthSession).where(AuthSession.user_id == user.id,
                                  AuthSession.revoked_at.is_(None),
                                  AuthSession.id != keep_session_id)
    ))
    for other in others:
        other.revoked_at, other.revoked_reason = utcnow(), "password_changed"
    session.flush()
    _mark_revoked([other.id for other in others])


# --- export and erasure --------------------------------------------------------------

Exporter = Callable[[Session, User], Any]
Eraser = Callable[[Session, User], None]
_exporters: dict[str, Exporter] = {}
_erasers: list[Eraser] = []
# Which tables each registration covers: a test walks the metadata and fails for any
# table that references a user (directly or through another such table) and is in
# neither list.
_exported_tables: dict[str, set[str]] = {}
_erased_tables: dict[str, set[str]] = {}
# The tables this module exports (``export``) and erases (``erase``) itself.
CORE_TABLES = ("users", "auth_sessions", "recovery_codes", "idempotency_records")
_exported_tables["accounts"] = set(CORE_TABLES)
_erased_tables["accounts"] = set(CORE_TABLES)


def register_exporter(name: str, *, tables: Iterable[str] = ()) -> Callable[[Exporter], Exporter]:
    """Domains add what they hold about a user to ``GET /me/export``; ``tables`` names
    every table whose rows about the user the exporter covers."""

    def decorator(fn: Exporter) -> Exporter:
        _exporters[name] = fn
        _exported_tables[name] = set(tables)
        return fn

    return decorator


def register_eraser(fn: Eraser | None = None, *, tables: Iterable[str] = ()) -> Any:
    """Domains erase a user's personal data on ``DELETE /me`` (money records stay);
    ``tables`` names every table whose rows about the user the eraser has dealt with
    (deleted, blanked or deliberately kept pseudonymous). Use bare or with ``tables``."""

    def decorator(eraser: Eraser) -> Eraser:
        _erasers.append(eraser)
        _erased_tables[f"{eraser.__module__}.{eraser.__qualname__}"] = set(tables)
        return eraser

    return decorator(fn) if fn is not None else decorator


def covered_tables() -> tuple[set[str], set[str]]:
    """(tables some exporter covers, tables some eraser covers)."""
    exported = set().union(*_exported_tables.values())
    erased = set().union(*_erased_tables.values())
    return exported, erased


def export(session: Session, *, user: User) -> dict[str, Any]:
    sessions = list(session.scalars(
        select(AuthSession).where(AuthSession.user_id == user.id)
        .order_by(AuthSession.created_at, AuthSession.id)
    ))
    data: dict[str, Any] = {
        "exported_at": rfc3339(utcnow()),
        "account": {
            "id": str(user.id), "role": user.role, "anonymous": user.anonymous,
            "created_at": rfc3339(user.created_at),
            "alias": user.alias, "display_name": user.display_name,
            "email": user.email, "phone": user.phone, "legal_name": user.legal_name,
            "date_of_birth": user.date_of_birth,
            "languages": user.languages or [], "skills": user.skills or [],
            "region": user.region, "city": user.city, "availability": user.availability,
            "accommodations": user.accommodations,
        },
        "sessions": [
            {"id": str(s.id), "device_label": s.device_label,
             "created_at": rfc3339(s.created_at), "last_used_at": rfc3339(s.last_used_at),
             "ended_at": rfc3339(s.revoked_at),
             "ended_because": s.revoked_reason}
            for s in sessions
        ],
        # Who looked at this record and when (staff identities stay with the service).
        "record_accesses": [
            {"action": event.action, "occurred_at": rfc3339(event.occurred_at)}
            for event in audit.events_about(session, subject_id=str(user.id))
        ],
    }
    for name, exporter in sorted(_exporters.items()):
        data[name] = exporter(session, user)
    audit.record(session, action="account.exported", actor=user, subject_type="user",
                 subject_id=user.id)
    return data


def erase(session: Session, *, user: User, password: str) -> None:
    """Erase personal data; money records stay, linked to a pseudonymous tombstone."""
    require_reauthentication(user.password_hash, password, field="password")
    erase_account(session, user=user)


def erase_account(session: Session, *, user: User) -> None:
    """Erase without a password: the account's own ``erase`` and the retention purge."""
    for eraser in _erasers:
        eraser(session, user)
    tombstone = f"erased-{uuid.uuid4().hex[:12]}"
    user.alias, user.alias_key = tombstone, tombstone
    for field in ("display_name", "email", "email_index", "phone", "phone_index", "legal_name",
                  "date_of_birth", "accommodations", "region", "city", "availability",
                  "password_hash"):
        setattr(user, field, None)
    user.languages, user.skills = [], []
    user.erased_at = utcnow()
    # Device labels are free text ("Maria's phone at …"); replay caches hold old bodies.
    session.execute(update(AuthSession).where(AuthSession.user_id == user.id)
                    .values(device_label="erased"))
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id))
    session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id).values(used_at=utcnow())
    )
    end_all_sessions(session, user=user, reason="erased")
    checkpoint_after_commit(session)
    audit.record(session, action="account.erased", actor=user, subject_type="user",
                 subject_id=user.id)
    log.info("user_erased", user_id=str(user.id))


ACCESS_REASON_MIN = 10
ACCESS_REASON_MAX = 500


def access_reason(reason: str | None, *, records: bool = False) -> str:
    """The stated reason of a staff read (``X-Access-Reason``), stripped, as audited.

    ``records`` words the 428 for a read of several records. Raises PreconditionRequired
    (428) when missing or shorter than ``ACCESS_REASON_MIN`` characters, and Invalid
    (422, naming the header) when longer than ``ACCESS_REASON_MAX``: the audit keeps the
    whole reason, never a cut one (the document's ``maxLength``; found by the fuzzer,
    which sent a longer one).
    """
    stated = (reason or "").strip()
    # Count what a reader sees: zero-width and other format characters state nothing.
    visible = [ch for ch in stated
               if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zs")]
    if len(visible) < ACCESS_REASON_MIN:
        if records:
            raise PreconditionRequired(plural(
                "State why you need these records in the X-Access-Reason header "
                "(at least {num} character).",
                "State why you need these records in the X-Access-Reason header "
                "(at least {num} characters).", ACCESS_REASON_MIN))
        raise PreconditionRequired(plural(
            "State why you need this record in the X-Access-Reason header "
            "(at least {num} character).",
            "State why you need this record in the X-Access-Reason header "
            "(at least {num} characters).", ACCESS_REASON_MIN))
    if len(stated) > ACCESS_REASON_MAX:
        raise Invalid("X-Access-Reason", plural(
            "Use at most {num} character.", "Use at most {num} characters.",
            ACCESS_REASON_MAX))
    return stated


def staff_read_user(session: Session, *, actor: User, user_id: uuid.UUID,
                    reason: str | None) -> User:
    """Staff read one person's record: only with a stated reason, always audited."""
    if actor.role not in (Role.STAFF, Role.ADMIN):
        raise Forbidden("Only staff can read another person's record.")
    stated = access_reason(reason)
    user = get_user(session, user_id)
    audit.record(session, action="staff.read_user", actor=actor, subject_type="user",
                 subject_id=user.id, reason=stated)
    return user


def get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.erased_at is not None or user.is_decoy:
        raise NotFound("No such user.")
    return user


def require_role(user: User, roles: Iterable[str]) -> None:
    if user.role not in tuple(roles):
        raise Forbidden("Your account cannot do this.")
