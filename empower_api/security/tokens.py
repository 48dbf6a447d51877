"""JWT set-up: short access tokens bound to a server-side session.

Every access and refresh token carries ``sid``, the id of its ``AuthSession``. A
token is accepted only while that session is active, so logout, safety-exit and
refresh-token reuse take effect at once, also for access tokens already issued.

This module knows nothing of users or sessions: the accounts domain hands it two
callbacks (:class:`TokenSubjects`) at app start, so ``security/`` depends on no domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, Response
from flask_jwt_extended import JWTManager

from empower_api.errors import problem

ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)


def _unauthorized(detail: str) -> Response:
    return problem(401, detail, code="unauthorized", headers={"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class TokenSubjects:
    """What a verified token's claims resolve to, supplied by the accounts domain.

    ``load_user(claims)`` returns the signed-in user or None (the token is then refused
    as "session has ended"); ``session_is_active(sid)`` says whether the session named
    by the ``sid`` claim may still be used.
    """

    load_user: Callable[[dict[str, Any]], Any | None]
    session_is_active: Callable[[Any], bool]


def configure_jwt(app: Flask, jwt: JWTManager, subjects: TokenSubjects) -> None:
    """Bind ``jwt`` to ``app``'s settings, problem+json refusals and ``subjects``."""
    app.config.setdefault("JWT_ACCESS_TOKEN_EXPIRES", ACCESS_TOKEN_LIFETIME)
    app.config.setdefault("JWT_REFRESH_TOKEN_EXPIRES", REFRESH_TOKEN_LIFETIME)
    app.config.setdefault("JWT_TOKEN_LOCATION", ["headers"])
    app.config.setdefault("JWT_ALGORITHM", "HS256")

    @jwt.user_lookup_loader
    def _load_user(_header: dict[str, Any], payload: dict[str, Any]) -> Any:
        return subjects.load_user(payload)

    @jwt.token_in_blocklist_loader
    def _is_revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        return not subjects.session_is_active(payload.get("sid"))

    @jwt.unauthorized_loader
    def _missing(_reason: str) -> Response:
        return _unauthorized("Sign in to do this.")

    @jwt.invalid_token_loader
    def _invalid(_reason: str) -> Response:
        return _unauthorized("The access token is not valid.")

    @jwt.expired_token_loader
    def _expired(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _unauthorized("The token has expired.")

    @jwt.revoked_token_loader
    def _revoked(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _unauthorized("This session has ended. Sign in again.")

    @jwt.user_lookup_error_loader
    def _no_user(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _unauthorized("This session has ended. Sign in again.")

    @jwt.needs_fresh_token_loader
    def _needs_fresh(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _unauthorized("Sign in again to do this.")

    @jwt.encode_key_loader
    def _key(_identity: Any) -> str:
        return app.config["JWT_SECRET_KEY"]
