"""Second factors (TOTP, backup codes, pending log-in challenges) and duress passwords."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from empower_api.db import Base, IdMixin, utcnow
from empower_api.security.crypto import EncryptedText


class MfaSecret(Base):
    """A user's TOTP seed (RFC 6238), encrypted at rest like other secrets."""

    __tablename__ = "mfa_secrets"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Until confirmed with a first code the seed is not asked for at log-in.
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The last 30-second step accepted: a code of that step or earlier is a replay.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger, default=None)

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None


class MfaBackupCode(IdMixin, Base):
    """A single-use backup code, stored only as a keyed hash."""

    __tablename__ = "mfa_backup_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class MfaChallenge(IdMixin, Base):
    """The step between a right password and a right code; its token works once."""

    __tablename__ = "mfa_challenges"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # A duress password opened this challenge: the code opens the decoy session.
    duress: Mapped[bool] = mapped_column(default=False)
    device_label: Mapped[str] = mapped_column(String(80), default="unknown device")
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class DuressPassword(Base):
    """A survivor's second password, and the hidden decoy account it opens."""

    __tablename__ = "duress_passwords"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    decoy_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = ["DuressPassword", "MfaBackupCode", "MfaChallenge", "MfaSecret"]
