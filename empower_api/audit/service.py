"""Recording and verifying audit events.

Each event's hash covers its content and the previous event's hash, so editing or
deleting any row breaks the chain from there on; ``flask audit verify`` finds it.
Events hold ids and decisions, never personal data.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from empower_api.audit.models import AuditEvent
from empower_api.db import utcnow
from empower_api.pagination import Page, SortKey, paginate

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 7_241_001  # pg_advisory_xact_lock key that serialises appends


def _digest(event: AuditEvent) -> str:
    body = {
        "id": str(event.id),
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "actor_role": event.actor_role,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "reason": event.reason,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    *,
    action: str,
    actor: Any | None = None,
    subject_type: str | None = None,
    subject_id: Any | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain (in the caller's transaction)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    last_hash = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    event = AuditEvent(
        id=uuid.uuid4(),
        occurred_at=utcnow().replace(microsecond=0),
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(actor, "role", None),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id) if subject_id is not None else None,
        reason=reason,
        data=data or {},
        prev_hash=last_hash or GENESIS,
    )
    event.hash = _digest(event)
    session.add(event)
    session.flush()
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_at: int | None = None


def verify(session: Session, batch: int = 1000) -> VerifyResult:
    """Walk the chain in order; report the first event whose hash does not hold."""
    prev = GENESIS
    checked = 0
    last_seq = 0
    while True:
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.seq > last_seq)
                .order_by(AuditEvent.seq).limit(batch)
            )
        )
        if not events:
            return VerifyResult(ok=True, checked=checked)
        for event in events:
            if event.prev_hash != prev or _digest(event) != event.hash:
                return VerifyResult(ok=False, checked=checked, broken_at=event.seq)
            prev = event.hash
            checked += 1
            last_seq = event.seq
        session.expunge_all()


def list_events(session: Session, *, action: str | None, subject_id: str | None, limit: int,
                cursor: str | None) -> Page[AuditEvent]:
    """Audit events, newest first, optionally filtered."""
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if subject_id:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    return paginate(session, stmt, keys=[SortKey(AuditEvent.seq, descending=True)],
                    limit=limit, cursor=cursor, scope="audit")


def events_about(session: Session, *, subject_id: str) -> list[AuditEvent]:
    """Every event whose subject is this id, oldest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.subject_id == subject_id).order_by(AuditEvent.seq)
    ))
