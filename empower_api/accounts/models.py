"""Users, their sessions and recovery codes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from empower_api.db import Base, IdMixin, TimestampMixin, utcnow
from empower_api.security.crypto import EncryptedText


class Role(StrEnum):
    SURVIVOR = "survivor"
    EMPLOYER = "employer"
    STAFF = "staff"
    ADMIN = "admin"


STAFF_ROLES = (Role.STAFF, Role.ADMIN)


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    role: Mapped[str] = mapped_column(String(16))
    anonymous: Mapped[bool] = mapped_column(default=False)
    # Alias as typed, and its lower-case form for case-insensitive uniqueness.
    alias: Mapped[str | None] = mapped_column(String(40))
    alias_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))

    # Personal data: encrypted at rest; e-mail and phone also have blind indexes.
    email: Mapped[str | None] = mapped_column(EncryptedText())
    email_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText())
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    legal_name: Mapped[str | None] = mapped_column(EncryptedText())
    date_of_birth: Mapped[str | None] = mapped_column(EncryptedText())
    accommodations: Mapped[str | None] = mapped_column(EncryptedText())

    # Profile (not identifying on its own; location is coarse by design).
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(80))
    city: Mapped[str | None] = mapped_column(String(80))
    availability: Mapped[str | None] = mapped_column(String(200))
    # The language the app and the server speak to this user (a shipped BCP 47 tag);
    # None: the device's Accept-Language decides (empower_api.i18n).
    locale: Mapped[str | None] = mapped_column(String(16), default=None)

    erased_at: Mapped[datetime | None] = mapped_column(default=None)
    # A deactivated (staff) account can no longer sign in; its sessions ended at once.
    deactivated_at: Mapped[datetime | None] = mapped_column(default=None)
    # The hidden stand-in a duress log-in opens (accounts/duress.py): never found by
    # log-in, alias or contact uniqueness, nor listed to staff.
    is_decoy: Mapped[bool] = mapped_column(default=False, server_default=false())

    sessions: Mapped[list[AuthSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="raise"
    )

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def public_name(self) -> str:
        """What other people see: the alias, else the display name."""
        return self.alias or self.display_name or "member"


class AuthSession(IdMixin, Base):
    """One signed-in device. Tokens carry its id; revoking it ends them all."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_user_active", "user_id", "revoked_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    device_label: Mapped[str] = mapped_column(String(80), default="unknown device")
    refresh_jti: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(back_populates="sessions", lazy="raise")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class RecoveryCode(IdMixin, Base):
    """A single-use recovery code for an anonymous account, stored only as a hash."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(default=None)


__all__ = ["STAFF_ROLES", "AuthSession", "RecoveryCode", "Role", "User"]
