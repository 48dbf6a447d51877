"""JWT set-up: short access tokens bound to a server-side session.

Every access and refresh token carries ``sid``, the id of its ``AuthSession``. A
token is accepted only while that session is active, so logout, safety-exit and
refresh-token reuse take effect at once, also for access tokens already issued.

A request's token is parsed and verified once (:func:`request_token`): the role
decorator, ``get_jwt()`` in a view and a rate-limit key all share that one result.
flask-jwt-extended's own ``verify_jwt_in_request`` parses the same token four times
(unverified claims, unverified header twice, then the verified decode).

This module knows nothing of users or sessions: the accounts domain hands it two
callbacks (:class:`TokenSubjects`) at app start, so ``security/`` depends on no domain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt as pyjwt
from flask import Flask, Response, g, request
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config
from flask_jwt_extended.exceptions import (
    InvalidHeaderError,
    JWTDecodeError,
    JWTExtendedException,
    NoAuthorizationError,
    UserLookupError,
)
from flask_jwt_extended.internal_utils import (
    custom_verification_for_token,
    user_lookup,
    verify_token_not_blocklisted,
    verify_token_type,
)
from jwt.exceptions import ExpiredSignatureError, PyJWTError

from empower_api.errors import problem
from empower_api.i18n import user_locale_changed

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
        # The signed-in user's own locale now outranks Accept-Language.
        user_locale_changed()
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


# --- one decode per request ---------------------------------------------------------

_MEMO = "_empower_token"


def bearer_token() -> str:
    """The token of ``Authorization: Bearer <token>`` (RFC 6750 §2.1).

    Raises ``NoAuthorizationError`` when there is none and ``InvalidHeaderError`` when
    the Bearer part is malformed: the same reading and errors as flask-jwt-extended.
    """
    name, kind = config.header_name, config.header_type
    header = request.headers.get(name, "").strip().strip(",")
    if not header:
        raise NoAuthorizationError(f"Missing {name} Header")
    bearers = [part for part in re.split(r",\s*", header) if part and part.split()[0] == kind]
    if len(bearers) != 1:
        raise NoAuthorizationError(f"Missing '{kind}' type in '{name}' header.")
    parts = bearers[0].split()
    if len(parts) != 2:
        raise InvalidHeaderError(f"Bad {name} header. Expected '{name}: {kind} <JWT>'")
    return parts[1]


def _decode(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(header, claims)`` of a token whose signature, expiry, audience and issuer
    verify; one parse. Raises PyJWT's errors or ``JWTDecodeError``, which the
    JWTManager turns into 401 problems."""
    options: dict[str, Any] = {"verify_aud": config.decode_audience is not None,
                               "verify_sub": config.verify_sub}
    settings: dict[str, Any] = {
        "key": config.decode_key, "algorithms": config.decode_algorithms,
        "audience": config.decode_audience, "issuer": config.decode_issuer,
        "leeway": config.leeway}
    try:
        decoded = pyjwt.decode_complete(token, options=options, **settings)
    except ExpiredSignatureError as error:
        # The expired-token handler reads these (only on this path: a second decode).
        expired = pyjwt.decode_complete(token, options={**options, "verify_exp": False},
                                        **settings)
        error.jwt_header = expired["header"]  # type: ignore[attr-defined]
        error.jwt_data = _with_defaults(expired["payload"])  # type: ignore[attr-defined]
        raise
    claims = decoded["payload"]
    if config.identity_claim_key not in claims:
        raise JWTDecodeError(f"Missing claim: {config.identity_claim_key}")
    return decoded["header"], _with_defaults(claims)


def _with_defaults(claims: dict[str, Any]) -> dict[str, Any]:
    claims.setdefault("type", "access")
    claims.setdefault("fresh", False)
    claims.setdefault("jti", None)
    return claims


def request_token() -> tuple[dict[str, Any], dict[str, Any]]:
    """``(header, claims)`` of this request's bearer token, verified once per request.

    Raises what :func:`bearer_token` and the decode raise (the same error again on a
    second call: a refused token is not parsed twice either).
    """
    token = bearer_token()
    memo = g.get(_MEMO)
    if memo is None or memo[0] != token:
        try:
            outcome: Any = _decode(token)
        except (PyJWTError, JWTExtendedException) as error:
            outcome = error
        memo = (token, outcome)
        setattr(g, _MEMO, memo)
    if isinstance(memo[1], Exception):
        raise memo[1]
    return memo[1]


def request_claims() -> dict[str, Any] | None:
    """The verified claims of this request's token, or None when it has none or a bad
    one (rate-limit keys: the view answers 401 for a bad token anyway)."""
    try:
        return request_token()[1]
    except (PyJWTError, JWTExtendedException):
        return None


def verify_request_token(*, optional: bool = False, refresh: bool = False) -> None:
    """flask-jwt-extended's ``verify_jwt_in_request`` with one decode of the token.

    The same checks in the same order (token type, session still active, user found)
    with the same errors; afterwards ``get_jwt()`` and ``get_current_user()`` work.
    A missing token is allowed when ``optional`` (an anonymous caller).
    """
    if request.method in config.exempt_methods:
        return
    try:
        header, claims = request_token()
    except NoAuthorizationError:
        if not optional:
            raise
        g._jwt_extended_jwt, g._jwt_extended_jwt_header = {}, {}
        g._jwt_extended_jwt_user = {"loaded_user": None}
        g._jwt_extended_jwt_location = None
        return
    verify_token_type(claims, refresh)
    verify_token_not_blocklisted(header, claims)
    custom_verification_for_token(header, claims)
    user = user_lookup(header, claims)
    if user is None:
        raise UserLookupError("The token's user was not found.", header, claims)
    # The names flask-jwt-extended's get_jwt() and get_current_user() read.
    g._jwt_extended_jwt_user = {"loaded_user": user}
    g._jwt_extended_jwt_header = header
    g._jwt_extended_jwt = claims
    g._jwt_extended_jwt_location = "headers"
