"""With Redis configured, revocation is still immediate (cached per session)."""

from __future__ import annotations

import pytest
import redis

from empower_api import create_app
from tests.accounts.test_auth_api import API, STRONG, bearer
from tests.conftest import assert_problem, make_config

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not redis_available(),
                                reason="no Redis on 127.0.0.1:6379 (.ci/run starts one)")


@pytest.fixture
def redis_client(app):
    # Same database as the suite's app, so the per-test rollback applies to it.
    state = app.extensions["empower_db"]
    cached_app = create_app(make_config(DATABASE_URL=str(state["engine"].url.render_as_string(
        hide_password=False)), REDIS_URL=REDIS_URL))
    cached_app.extensions["empower_db"]["sessionmaker"] = state["sessionmaker"]
    return cached_app.test_client()


def test_safety_exit_is_immediate_with_cached_sessions(redis_client):
    tokens = redis_client.post(f"{API}/auth/register", json={
        "mode": "anonymous", "alias": "cachedfox", "password": STRONG}).get_json()
    headers = bearer(tokens["access_token"])
    assert redis_client.get(f"{API}/me", headers=headers).status_code == 200  # now cached
    assert redis_client.get(f"{API}/me", headers=headers).status_code == 200
    assert redis_client.post(f"{API}/auth/safety-exit", headers=headers).status_code == 204
    assert_problem(redis_client.get(f"{API}/me", headers=headers), 401)


def test_unreachable_redis_falls_back_to_the_database(app):
    state = app.extensions["empower_db"]
    broken = create_app(make_config(DATABASE_URL="sqlite://", REDIS_URL="redis://127.0.0.1:1/0"))
    broken.extensions["empower_db"] = state
    client = broken.test_client()
    tokens = client.post(f"{API}/auth/register", json={
        "mode": "anonymous", "alias": "nocache1", "password": STRONG}).get_json()
    headers = bearer(tokens["access_token"])
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    assert client.post(f"{API}/auth/logout", headers=headers).status_code == 204
    assert_problem(client.get(f"{API}/me", headers=headers), 401)
