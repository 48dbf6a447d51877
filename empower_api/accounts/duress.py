"""Duress password: a second password that opens a harmless decoy session.

Someone forced to sign in in front of another person can use it. The log-in looks
exactly like a normal one (same status, body shape, and the same two Argon2
verifications on every path), but opens a session on a hidden decoy account that
shows the survivor's alias, a few saved public jobs and nothing else. Because the
decoy is an account of its own, every domain shows it nothing real without code of
its own. Every other session of the real account ends; admins see an audit event.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from empower_api.accounts.models import User
from empower_api.accounts.security_models import DuressPassword
from empower_api.audit import service as audit
from empower_api.errors import Invalid
from empower_api.security import passwords

if TYPE_CHECKING:
    from empower_api.accounts.service import Tokens

# The decoy's log-in logs exactly as a real one does (same logger, same event): a log
# reader must not learn that a duress log-in happened.
log = structlog.get_logger("empower_api.accounts.service")

PASSWORD = "password"
DURESS = "duress"
DECOY_SAVED_JOBS = 3
# Looked up for unknown log-in names too, so every path asks the database the same.
_NOBODY = uuid.UUID(int=0)


def check_password(session: Session, user: User | None, password: str) -> str | None:
    """``PASSWORD``, ``DURESS`` or None. Always exactly two Argon2 verifications,
    whether the account exists, has a duress password, or either one matches."""
    row = session.get(DuressPassword, user.id if user is not None else _NOBODY)
    real = passwords.verify_password(user.password_hash if user is not None else None, password)
    duress = passwords.verify_password(row.password_hash if row is not None else None, password)
    if real:
        return PASSWORD
    return DURESS if duress else None


def set_duress_password(session: Session, *, user: User, password: str,
                        duress_password: str) -> None:
    """Set or replace the caller's duress password; needs the real one.

    Raises Invalid on ``password`` (not the account's) or ``duress_password`` (weak, or
    the same as the real password).
    """
    if not passwords.verify_password(user.password_hash, password):
        raise Invalid("password", "This is not your password.")
    reason = passwords.password_problem(
        duress_password, context=tuple(c for c in (user.alias, user.email, user.phone) if c))
    if reason:
        raise Invalid("duress_password", reason)
    if duress_password == password:
        raise Invalid("duress_password", "Choose a password different from your real one.")
    row = session.get(DuressPassword, user.id)
    hashed = passwords.hash_password(duress_password)
    if row is None:
        row = DuressPassword(user_id=user.id, password_hash=hashed)
        session.add(row)
    row.password_hash = hashed
    session.flush()
    decoy = _ensure_decoy(session, user, row)
    decoy.password_hash = hashed
    session.flush()
    audit.record(session, action="account.duress_password_set", actor=user,
                 subject_type="user", subject_id=user.id)


def _ensure_decoy(session: Session, user: User, row: DuressPassword) -> User:
    """The live decoy of ``user``, made (with a few saved public jobs) when missing."""
    decoy = session.get(User, row.decoy_user_id) if row.decoy_user_id else None
    if decoy is None or decoy.erased_at is not None:
        decoy = User(
            id=uuid.uuid4(), role=user.role, anonymous=user.anonymous, is_decoy=True,
            created_at=user.created_at, languages=list(user.languages or []), skills=[],
            password_hash=row.password_hash,
        )
        session.add(decoy)
        session.flush()
        row.decoy_user_id = decoy.id
        _save_some_public_jobs(session, decoy)
    # What the person forcing the log-in may know: the alias and contact shown in-app.
    # No alias key or blind index, so log-in and uniqueness checks never find it.
    decoy.alias, decoy.display_name = user.alias, user.display_name
    decoy.email, decoy.phone = user.email, user.phone
    session.flush()
    return decoy


def _save_some_public_jobs(session: Session, decoy: User) -> None:
    from empower_api.db import utcnow
    from empower_api.jobs.models import Job, JobStatus, SavedJob
    from empower_api.jobs.service import is_public

    now = utcnow()
    recent = session.scalars(
        select(Job).options(joinedload(Job.employer))
        .where(Job.status == JobStatus.PUBLISHED, Job.valid_through > now)
        .order_by(Job.published_at.desc(), Job.id).limit(DECOY_SAVED_JOBS * 4)
    ).unique()
    public = [job for job in recent if is_public(job, now)][:DECOY_SAVED_JOBS]
    for job in public:
        session.add(SavedJob(user_id=decoy.id, job_id=job.id))
    session.flush()


def open_decoy_session(session: Session, *, user: User, device_label: str | None) -> Tokens:
    """The duress log-in: end the real account's sessions, audit, sign in the decoy."""
    from empower_api.accounts import service

    row = session.get(DuressPassword, user.id)
    assert row is not None
    decoy = _ensure_decoy(session, user, row)
    service.end_all_sessions(session, user=user, reason="ended_elsewhere")
    audit.record(session, action="auth.duress_login", actor=user, subject_type="user",
                 subject_id=user.id)
    log.info("user_logged_in", user_id=str(decoy.id))
    return service.start_session(session, decoy, device_label)


def follow_decoy_password(session: Session, *, decoy: User) -> None:
    """A password changed inside the decoy session becomes the duress password, so
    the new password signs in to the decoy again, as it would to a real account."""
    row = session.scalar(select(DuressPassword).where(DuressPassword.decoy_user_id == decoy.id))
    if row is not None and decoy.password_hash:
        row.password_hash = decoy.password_hash
        session.flush()
