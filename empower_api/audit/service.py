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

from flask import g, has_request_context
from sqlalchemy import func, select, text
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
    # Added later: events written before it existed keep the hash they were given.
    if event.request_id is not None:
        body["request_id"] = event.request_id
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
        request_id=g.get("request_id") if has_request_context() else None,
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
    # Why an anchor did not hold ("hash" or "count"), when one was given.
    anchor_mismatch: str | None = None


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head hash and its length: kept outside the database, they pin it."""

    head_hash: str
    count: int

    def __str__(self) -> str:
        return f"{self.head_hash}:{self.count}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """``<64 hex digits>:<count>``; ValueError otherwise."""
        head, sep, count = text.strip().partition(":")
        if not sep or len(head) != 64 or any(c not in "0123456789abcdef" for c in head):
            raise ValueError("expected <sha256 hex>:<count>")
        number = int(count)
        if number < 0:
            raise ValueError("the count cannot be negative")
        return cls(head, number)


def checkpoint(session: Session) -> Checkpoint:
    """The current head hash and event count (GENESIS and 0 for an empty chain)."""
    head = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return Checkpoint(head or GENESIS, count)


def verify(session: Session, batch: int = 1000, *, against: Checkpoint | None = None
           ) -> VerifyResult:
    """Walk the chain in order; report the first event whose hash does not hold.

    With ``against``, the event at position ``against.count`` must also carry
    ``against.head_hash``: a chain rewritten from some point on, however consistent,
    cannot reproduce a hash kept outside the database (the checkpoint).
    """
    prev = GENESIS
    checked = 0
    last_seq = 0

    def anchored() -> VerifyResult:
        if against is None:
            return VerifyResult(ok=True, checked=checked)
        if checked < against.count:
            return VerifyResult(ok=False, checked=checked, anchor_mismatch="count")
        return VerifyResult(ok=True, checked=checked)

    if against is not None and against.count == 0 and against.head_hash != GENESIS:
        return VerifyResult(ok=False, checked=0, anchor_mismatch="hash")
    while True:
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.seq > last_seq)
                .order_by(AuditEvent.seq).limit(batch)
            )
        )
        if not events:
            return anchored()
        for event in events:
            if event.prev_hash != prev or _digest(event) != event.hash:
                return VerifyResult(ok=False, checked=checked, broken_at=event.seq)
            prev = event.hash
            checked += 1
            last_seq = event.seq
            if against is not None and checked == against.count and prev != against.head_hash:
                return VerifyResult(ok=False, checked=checked, broken_at=event.seq,
                                    anchor_mismatch="hash")
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


# Actions that are a staff member reading a person's records: they form that person's
# access log (GET /me/access-log). Domains with staff reads of their own add to it.
ACCESS_ACTIONS: set[str] = {"staff.read_user"}


def register_access_action(action: str) -> str:
    """Declare an audited action as a staff read of the subject user's records."""
    ACCESS_ACTIONS.add(action)
    return action


def _accesses(user_id: str) -> Any:
    return select(AuditEvent).where(AuditEvent.subject_id == user_id,
                                    AuditEvent.action.in_(sorted(ACCESS_ACTIONS)))


def events_about(session: Session, *, subject_id: str) -> list[AuditEvent]:
    """Every staff read of this user's records, oldest first."""
    return list(session.scalars(_accesses(subject_id).order_by(AuditEvent.seq)))


def access_log(session: Session, *, user_id: str, limit: int, cursor: str | None
               ) -> Page[AuditEvent]:
    """Staff reads of one user's records, newest first (time, staff role, reason)."""
    return paginate(session, _accesses(user_id),
                    keys=[SortKey(AuditEvent.seq, descending=True)],
                    limit=limit, cursor=cursor, scope=f"access-log:{user_id}")
