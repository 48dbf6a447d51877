"""Helpers for the hardening tests: tokens whose log-in is older than the re-auth window."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from flask_jwt_extended import create_access_token, decode_token

from empower_api.accounts import service
from empower_api.db import db
from tests.conftest import ApiClient


def stale_client(app: Flask, user: Any, *, minutes_ago: int = 30) -> ApiClient:
    """A client whose access token belongs to a session logged in ``minutes_ago``
    (a phone picked up later: the token is valid, the log-in is not fresh)."""
    with app.app_context():
        db_user = db.session.get(type(user), user.id)
        tokens = service.start_session(db.session, db_user, "borrowed phone")
        db.session.commit()
        sid = decode_token(tokens.access_token)["sid"]
        access = create_access_token(
            identity=str(user.id),
            additional_claims={"sid": str(sid), "role": db_user.role,
                               "auth_time": int(time.time()) - minutes_ago * 60})
    app.test_client_class = ApiClient
    client: ApiClient = app.test_client()  # type: ignore[assignment]
    client.token = access
    return client
