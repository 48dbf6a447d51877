"""Users for tests, made directly (fast) rather than through the HTTP API."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sqlalchemy.orm import Session

from empower_api.accounts import service
from empower_api.accounts.models import Role, User
from empower_api.security.passwords import hash_password

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def make_user(session: Session, role: str = Role.SURVIVOR, *, anonymous: bool | None = None,
              alias: str | None = None, email: str | None = None, phone: str | None = None,
              password: str = PASSWORD, **profile: Any) -> User:
    n = next(_counter)
    if anonymous is None:
        anonymous = role == Role.SURVIVOR and not email and not phone
    user = User(id=uuid.uuid4(), role=role, anonymous=anonymous,
                password_hash=hash_password(password), languages=[], skills=[])
    if anonymous or alias:
        user.alias = alias or f"user{n}x{uuid.uuid4().hex[:6]}"
        user.alias_key = user.alias.lower()
    if not anonymous:
        user.display_name = profile.pop("display_name", f"Person {n}")
        if email is None and phone is None:
            email = f"person{n}-{uuid.uuid4().hex[:6]}@example.org"
        if email:
            user.email, user.email_index = email, service.email_index(email)
        if phone:
            user.phone, user.phone_index = phone, service.phone_index(phone)
    for key, value in profile.items():
        setattr(user, key, value)
    session.add(user)
    session.flush()
    return user


def make_survivor(session: Session, **kw: Any) -> User:
    return make_user(session, Role.SURVIVOR, **kw)


def make_employer_user(session: Session, **kw: Any) -> User:
    return make_user(session, Role.EMPLOYER, **kw)


def make_staff(session: Session, **kw: Any) -> User:
    return make_user(session, Role.STAFF, **kw)


def make_admin(session: Session, **kw: Any) -> User:
    return make_user(session, Role.ADMIN, **kw)
