"""Encryption of personal data at rest, and blind indexes for lookups.

PII columns use ``EncryptedText``: Fernet (AES-128-CBC + HMAC-SHA256) through
``MultiFernet`` so keys rotate: the first key of ``PII_ENCRYPTION_KEYS`` encrypts,
every listed key decrypts. ``blind_index`` is an HMAC-SHA256 of the normalised value
under ``PII_INDEX_KEY``, so log-in by e-mail or phone finds the row without
decrypting any.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class PiiCipher:
    def __init__(self, keys: str | list[str], index_key: str) -> None:
        key_list = [k.strip() for k in keys.split(",")] if isinstance(keys, str) else keys
        key_list = [k for k in key_list if k]
        if not key_list:
            raise ValueError("PII_ENCRYPTION_KEYS is empty")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in key_list])
        self._index_key = index_key.encode()

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the first (current) key."""
        return self._fernet.rotate(token.encode()).decode()

    def blind_index(self, normalised: str) -> str:
        return hmac.new(self._index_key, normalised.encode(), hashlib.sha256).hexdigest()


_cipher: PiiCipher | None = None


def set_cipher(cipher: PiiCipher) -> None:
    global _cipher
    _cipher = cipher


def cipher() -> PiiCipher:
    if _cipher is None:
        raise RuntimeError("PII cipher not configured; create the app first")
    return _cipher


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; reads give the plaintext back."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else cipher().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return cipher().decrypt(value)
        except InvalidToken:
            raise RuntimeError("PII column cannot be decrypted with the configured keys")
