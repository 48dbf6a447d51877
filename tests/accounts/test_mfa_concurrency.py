"""The same TOTP code sent twice at the same moment opens one session only (PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.accounts.test_mfa import STAFF_PASSWORD, create_staff

pytestmark = pytest.mark.postgres_only
API = "/api/v1"


def test_a_code_raced_on_two_challenges_is_accepted_once(committing_app):
    app = committing_app
    with app.app_context():
        totp, _codes = create_staff(app, "race@org.example")
    client = app.test_client()
    tokens = [client.post(f"{API}/auth/login", json={
        "login": "race@org.example", "password": STAFF_PASSWORD}).get_json()["mfa_token"]
        for _ in range(4)]
    code = totp.at(int(time.time()))
    barrier = threading.Barrier(len(tokens))
    statuses: list[int] = []

    def second_step(token: str) -> None:
        barrier.wait(timeout=10)
        response = app.test_client().post(f"{API}/auth/login/mfa",
                                          json={"mfa_token": token, "code": code})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=second_step, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 401, 401, 401]
