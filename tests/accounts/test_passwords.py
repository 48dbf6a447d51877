"""Password hashing and policy."""

from __future__ import annotations

import pytest

from empower_api.security import passwords
from tests.accounts.test_auth_api import API


def test_default_profile_is_owasp_argon2id():
    hasher = passwords.PROFILES["owasp"]
    encoded = hasher.hash("some-long-password")
    assert encoded.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in encoded


@pytest.mark.parametrize("candidate,ok", [
    ("short", False), ("password123", False), ("aaaaaaaaaaaa", False),
    ("correct-horse-battery", True), ("x" * 257, False),
])
def test_policy(candidate, ok):
    assert (passwords.password_problem(candidate) is None) is ok


def test_login_spends_a_hash_verification_even_for_unknown_accounts(client, session,
                                                                     monkeypatch):
    from tests.factories.accounts import make_survivor

    make_survivor(session, alias="realperson")
    session.commit()
    calls = []
    hasher = passwords.PROFILES["fast"]
    original = type(hasher).verify

    def counting(self, hash_, password):
        calls.append(hash_)
        return original(self, hash_, password)

    monkeypatch.setattr(type(hasher), "verify", counting)
    client.post(f"{API}/auth/login", json={"login": "realperson", "password": "wrong-wrong-1"})
    client.post(f"{API}/auth/login", json={"login": "ghostperson", "password": "wrong-wrong-1"})
    # Two Argon2 verifications each (password, duress password): similar time either way.
    assert len(calls) == 4
