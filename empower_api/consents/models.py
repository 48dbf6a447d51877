"""A survivor's consent decisions: the current state per purpose, and every change.

``consents`` holds one row per (user, purpose) that the survivor has ever decided;
a purpose without a row is at its default. ``consent_events`` is append-only: each
decision adds a row and none is ever edited, so the history the survivor reads is
the history the service acted on.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from empower_api.db import Base, utcnow


class Consent(Base):
    __tablename__ = "consents"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str] = mapped_column(String(48), primary_key=True)
    granted: Mapped[bool]
    # The version of the purpose's wording this decision was made on.
    version: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentEvent(Base):
    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_user_purpose_seq", "user_id", "purpose", "seq"),)

    # Orders the history even when two decisions share a second.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(48))
    granted: Mapped[bool]
    version: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = ["Consent", "ConsentEvent"]
