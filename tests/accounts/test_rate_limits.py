"""Credential endpoints are rate-limited per IP and per log-in name."""

from __future__ import annotations

import pytest

from empower_api import create_app
from tests.accounts.test_auth_api import API, STRONG
from tests.conftest import assert_problem, make_config


@pytest.fixture
def limited_client(database_url):
    app = create_app(make_config(DATABASE_URL=database_url, RATELIMIT_ENABLED=True,
                                 RATELIMIT_AUTH="3/minute"))
    return app.test_client()


def test_login_limited_per_login_name_across_addresses(limited_client):
    statuses = []
    for i in range(4):
        response = limited_client.post(
            f"{API}/auth/login", json={"login": "target-name", "password": "guess-guess-1"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"})
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 429]


def test_register_limited_per_ip(limited_client):
    statuses = []
    for i in range(4):
        response = limited_client.post(f"{API}/auth/register", json={
            "mode": "anonymous", "alias": f"ratelimited{i}x", "password": "short"})
        statuses.append(response.status_code)
    assert statuses == [422, 422, 422, 429]
    assert_problem(response, 429)
    assert response.headers["Retry-After"]


@pytest.mark.parametrize("path,body", [
    ("/auth/recover", {"alias": "a1b", "recovery_code": "x", "new_password": STRONG}),
    ("/auth/refresh", None),
])
def test_recover_and_refresh_are_limited(limited_client, path, body):
    statuses = [limited_client.post(f"{API}{path}", json=body).status_code for _ in range(4)]
    assert statuses[-1] == 429
    assert 429 not in statuses[:3]
