"""PII key rotation: re-encrypt every encrypted column under the current key."""

from __future__ import annotations

from sqlalchemy import String, select, type_coerce, update
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.security.crypto import EncryptedText, cipher


def encrypted_columns() -> list[tuple[type, str]]:
    """Every (model, attribute) stored with ``EncryptedText``, across all domains."""
    from empower_api.db import Base

    found = []
    for mapper in Base.registry.mappers:
        for column in mapper.columns:
            if isinstance(column.type, EncryptedText):
                found.append((mapper.class_, column.key))
    return found


def rotate_pii_keys(session: Session, batch: int = 500) -> int:
    """Rewrite each ciphertext under the first key; returns how many values changed."""
    count = 0
    for model, attribute in encrypted_columns():
        column = getattr(model, attribute)
        raw = type_coerce(column, String)
        pk = model.__mapper__.primary_key[0]
        last = None
        while True:
            stmt = select(pk, raw).where(column.is_not(None)).order_by(pk).limit(batch)
            if last is not None:
                stmt = stmt.where(pk > last)
            rows = session.execute(stmt).all()
            if not rows:
                break
            for key, token in rows:
                session.execute(
                    update(model.__table__)
                    .where(model.__table__.c[pk.key] == key)
                    .values({column.key: type_coerce(cipher().rotate(token), String)})
                )
                count += 1
            last = rows[-1][0]
    session.flush()
    return count


__all__ = ["User", "encrypted_columns", "rotate_pii_keys"]
