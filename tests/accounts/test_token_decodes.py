"""An access token is parsed and verified once per request (issue #15).

``PyJWS._load`` splits and base64-decodes a compact token; every decode, verified or
not (flask-jwt-extended's unverified header and claims reads included), goes through
it. The role decorator, ``get_jwt()`` in views and rate-limit keys share one result.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jwt.api_jws import PyJWS

from empower_api.extensions import limiter
from tests.conftest import assert_problem
from tests.factories.accounts import make_survivor
from tests.factories.jobs import make_employer, make_job

API = "/api/v1"


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times a token was parsed; reset it with ``decodes.clear()``."""
    calls: list[int] = []
    original = PyJWS._load

    def counting(self: PyJWS, token: Any) -> Any:
        calls.append(1)
        return original(self, token)

    monkeypatch.setattr(PyJWS, "_load", counting)
    yield calls


def test_an_authenticated_get_decodes_its_token_once(session, auth_client, decodes):
    me = auth_client(make_survivor(session))
    session.commit()
    decodes.clear()
    assert me.get(f"{API}/me").status_code == 200
    assert len(decodes) == 1


def test_a_view_reading_the_claims_again_decodes_once(session, auth_client, decodes):
    me = auth_client(make_survivor(session))
    session.commit()
    decodes.clear()
    # Logging out reads get_jwt()["sid"] in the view after the decorator's check.
    assert me.post(f"{API}/auth/logout").status_code == 204
    assert len(decodes) == 1


def test_a_rate_limit_key_and_the_view_share_one_decode(session, auth_client, decodes):
    job = make_job(session, make_employer(session))
    reporter = auth_client(make_survivor(session))
    session.commit()
    limiter.enabled = True  # the autouse fixture puts the suite's limiter state back
    decodes.clear()
    response = reporter.post(f"{API}/jobs/{job.id}/reports",
                             json={"reason": "misleading", "details": "Pay is not as said."})
    assert response.status_code == 201, response.get_json()
    assert len(decodes) == 1


def test_a_bad_token_is_refused_with_one_decode(session, client, decodes):
    decodes.clear()
    assert_problem(client.get(f"{API}/me", headers={"Authorization": "Bearer a.b.c"}), 401)
    assert len(decodes) <= 1


def test_an_authenticated_get_checks_session_and_user_in_one_statement(app, session,
                                                                       auth_client):
    from tests.sqlcount import counted

    me = auth_client(make_survivor(session))
    session.commit()
    with counted(app) as statements:
        assert me.get(f"{API}/me").status_code == 200
    # The session check brings the user; GET /me needs nothing more.
    assert len(statements) == 1, statements
    assert "auth_sessions" in statements[0] and "users" in statements[0]


def test_a_revoked_session_is_refused_at_once_by_the_same_check(session, auth_client):
    survivor = make_survivor(session)
    session.commit()
    me = auth_client(survivor)
    assert me.get(f"{API}/me").status_code == 200
    assert me.post(f"{API}/auth/logout").status_code in (200, 204)
    assert_problem(me.get(f"{API}/me"), 401)
