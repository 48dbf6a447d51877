"""Staff and admin accounts from the command line: creation with two-factor,
two-factor reset and deactivation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.accounts import mfa, service
from empower_api.accounts.models import STAFF_ROLES, User
from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, NotFound


@dataclass
class StaffCredentials:
    """What the operator hands the new staff member, once."""

    user: User
    otpauth_uri: str
    backup_codes: list[str]


def create_staff_account(session: Session, *, email: str, password: str,
                         admin: bool = False) -> StaffCredentials:
    """A staff (or admin) account with two-factor on from the start (RFC 6238 TOTP)."""
    user = service.create_staff(session, email=email, password=password, admin=admin)
    enrolment = mfa.enrol(session, user, confirmed=True)
    return StaffCredentials(user, enrolment.uri, mfa.new_backup_codes(session, user))


def find_staff(session: Session, email: str) -> User:
    """The staff or admin account with this e-mail; NotFound otherwise."""
    user = session.scalar(select(User).where(
        User.email_index == service.email_index(service.normalise_email(email))))
    if user is None or user.role not in STAFF_ROLES or user.erased_at is not None:
        raise NotFound("No staff or admin account has this e-mail.")
    return user


def reset_mfa(session: Session, *, email: str) -> StaffCredentials:
    """A new TOTP seed and backup codes for a staff member who lost their device."""
    user = find_staff(session, email)
    if user.deactivated_at is not None:
        raise Conflict("This account is deactivated.", code="account_deactivated")
    enrolment = mfa.enrol(session, user, confirmed=True)
    service.end_all_sessions(session, user=user, reason="mfa_reset")
    return StaffCredentials(user, enrolment.uri, mfa.new_backup_codes(session, user))


def deactivate_staff(session: Session, *, email: str) -> int:
    """End every session of the account at once and refuse its log-ins from now on.

    Returns how many sessions ended. Deactivating twice changes nothing more.
    """
    user = find_staff(session, email)
    ended = service.end_all_sessions(session, user=user, reason="deactivated")
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
        session.flush()
        audit.record(session, action=f"account.{user.role}_deactivated", subject_type="user",
                     subject_id=user.id, data={"sessions_ended": ended})
    return ended
