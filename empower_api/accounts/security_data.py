"""What two-factor and the duress password add to a user's export and erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from empower_api.accounts import service
from empower_api.accounts.models import User
from empower_api.accounts.security_models import (
    DuressPassword,
    MfaBackupCode,
    MfaChallenge,
    MfaSecret,
)
from empower_api.audit import service as audit
from empower_api.timefmt import rfc3339


@service.register_exporter("access_log")
def export_access_log(session: Session, user: User) -> list[dict[str, Any]]:
    """Staff reads of the user's records: time, staff role, stated reason."""
    return [{"occurred_at": rfc3339(event.occurred_at), "staff_role": event.actor_role,
             "reason": event.reason}
            for event in audit.events_about(session, subject_id=str(user.id))]


@service.register_exporter("two_factor")
def export_two_factor(session: Session, user: User) -> dict[str, Any]:
    """Whether two-factor is on and how many backup codes are left (never the secret)."""
    secret = session.get(MfaSecret, user.id)
    left = session.scalar(select(func.count()).select_from(MfaBackupCode).where(
        MfaBackupCode.user_id == user.id, MfaBackupCode.used_at.is_(None))) or 0
    return {"enabled": bool(secret and secret.active),
            "enabled_at": rfc3339(secret.confirmed_at) if secret else None,
            "backup_codes_left": left}


@service.register_eraser
def erase_security(session: Session, user: User) -> None:
    """Second factors go; a duress password goes with its decoy account's data."""
    session.execute(delete(MfaSecret).where(MfaSecret.user_id == user.id))
    session.execute(delete(MfaBackupCode).where(MfaBackupCode.user_id == user.id))
    session.execute(delete(MfaChallenge).where(MfaChallenge.user_id == user.id))
    row = session.get(DuressPassword, user.id)
    if row is None:
        return
    decoy = session.get(User, row.decoy_user_id) if row.decoy_user_id else None
    session.delete(row)
    session.flush()
    if decoy is not None and decoy.erased_at is None:
        service.erase_account(session, user=decoy)
