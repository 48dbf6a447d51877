"""``Idempotency-Key`` for money-moving POSTs.

A retry with the same key (per user, per endpoint) returns the first response —
same status, same body — without running the view again. The same key with a
different body is a 422. The record is written in the request's own transaction,
so it exists exactly when the effect does. On PostgreSQL concurrent attempts with one
key queue on a transaction-scoped advisory lock and each later one replays the first
answer; SQLite serialises writing requests anyway. Should two first attempts still
meet, they collide on the unique key and the loser gets a 409 (retry: it replays).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, request
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from empower_api.db import Base, IdMixin, db, utcnow
from empower_api.errors import Invalid
from empower_api.extensions import extend_apidoc
from empower_api.security.permissions import current_actor

HEADER = "Idempotency-Key"
F = TypeVar("F", bound=Callable[..., Any])


class IdempotencyRecord(IdMixin, Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "scope", "key"),)

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def _request_hash() -> str:
    body = request.get_json(silent=True)
    canonical = json.dumps(
        {"path": request.path, "body": body}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# pg_advisory_xact_lock(classid, objid): this class id keeps idempotency keys apart from
# the audit chain's single-key lock; objid is a 32-bit digest of (user, scope, key).
_LOCK_CLASS = 7_241_002


def _wait_for_key(session: Any, user_id: uuid.UUID | None, scope: str, key: str) -> None:
    """Hold this key until the transaction ends, so a concurrent retry waits for the first
    attempt's commit and then finds its record (PostgreSQL; a digest collision only
    makes two unrelated requests wait for each other)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{user_id}\x1f{scope}\x1f{key}".encode()).digest()
    objid = int.from_bytes(digest[:4], "big", signed=True)
    session.execute(select(func.pg_advisory_xact_lock(_LOCK_CLASS, objid)))


def idempotent(fn: F) -> F:
    """Decorate a POST view (inside ``auth_required``) to honour ``Idempotency-Key``."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if not key:
            return fn(*args, **kwargs)
        if len(key) > 255 or not key.isprintable():
            raise Invalid(HEADER, "Use a printable key of at most 255 characters.")
        actor = current_actor()
        user_id = actor.id if actor is not None else None
        scope = request.url_rule.rule if request.url_rule else request.path
        scope = f"{request.method} {scope}"
        digest = _request_hash()
        session = db.session
        _wait_for_key(session, user_id, scope, key)
        found = session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.user_id == user_id,
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key == key,
            )
        )
        if found is not None:
            if found.request_hash != digest:
                raise Invalid(HEADER, "This key was used with a different request.",
                              code="idempotency_key_reused")
            replay = Response(found.body, status=found.status, mimetype=found.content_type)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = current_app.make_response(fn(*args, **kwargs))
        if response.status_code < 400:
            session.add(IdempotencyRecord(
                user_id=user_id, scope=scope, key=key, request_hash=digest,
                status=response.status_code, body=response.get_data(as_text=True),
                content_type=response.mimetype or "application/json",
            ))
            session.flush()
        return response

    header = {"in": "header", "name": HEADER, "required": False,
              "schema": {"type": "string", "maxLength": 255},
              "description": "Retries with the same key return the first response."}
    extend_apidoc(wrapper, lambda doc: doc.__setitem__(
        "parameters", [*doc.get("parameters", []), header]))
    return wrapper  # type: ignore[return-value]
