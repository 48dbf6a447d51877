"""Argon2id password hashing (OWASP parameters) and the password policy."""

from __future__ import annotations

import contextlib
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from empower_api.i18n import N_, plural

MIN_LENGTH = 10
MAX_LENGTH = 256

# OWASP: Argon2id, m=19 MiB, t=2, p=1. Tests may select a cheaper profile; hashes
# made with other parameters are upgraded on the next successful log-in.
PROFILES = {
    "owasp": PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
_profile = "owasp"


def set_profile(name: str) -> None:
    global _profile
    if name not in PROFILES:
        raise ValueError(f"unknown password hash profile {name!r}")
    _profile = name


def _hasher() -> PasswordHasher:
    return PROFILES[_profile]


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("empower_api.security").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, *, context: tuple[str, ...] = ()) -> str | None:
    """Why this password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return plural("Use at least {num} character.", "Use at least {num} characters.",
                      MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return plural("Use at most {num} character.", "Use at most {num} characters.",
                      MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return N_("This password is too common; choose another.")
    if any(c and c.lower() == lowered for c in context):
        return N_("The password must not be the same as your alias or e-mail.")
    return None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


_DUMMY_HASH: dict[str, str] = {}


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, spend the same time and return False."""
    hasher = _hasher()
    if password_hash is None:
        # Made once per profile (setdefault would hash on every call: a timing oracle).
        dummy = _DUMMY_HASH.get(_profile)
        if dummy is None:
            dummy = _DUMMY_HASH[_profile] = hasher.hash("dummy-password-for-timing")
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(dummy, password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
