"""Re-authentication for changes that could lock the owner out (OWASP ASVS 5.0 V6/V7).

A borrowed phone holds a valid access token; that must not be enough to change how
the account is signed in to or recovered. Such a change needs either the current
password in the body (``current_password``) or an access token whose session was
started by a log-in (register, log-in, recovery) within :data:`REAUTH_WINDOW`; the
``auth_time`` claim (OpenID Connect Core §2) says when that was and survives refresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask_jwt_extended import get_jwt

from empower_api.errors import Forbidden, Invalid
from empower_api.extensions import extend_apidoc
from empower_api.security import passwords

F = TypeVar("F", bound=Callable[..., Any])

REAUTH_WINDOW = timedelta(minutes=5)
PASSWORD_FIELD = "current_password"
_MINUTES = int(REAUTH_WINDOW.total_seconds()) // 60
REAUTH_DESCRIPTION = (
    "Needs re-authentication: send the current password as `current_password` in the "
    f"body, or use an access token from a log-in in the last {_MINUTES} minutes. "
    "Otherwise 403 `reauthentication_required`; a wrong password is 422."
)


def auth_time_claim(now: float | None = None) -> dict[str, int]:
    """The claim a log-in puts in its tokens: seconds since the epoch, UTC."""
    return {"auth_time": int(time.time() if now is None else now)}


def recently_authenticated(claims: dict[str, Any]) -> bool:
    """True when the token's session was started by a log-in within the window."""
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int):
        return False
    return 0 <= time.time() - auth_time <= REAUTH_WINDOW.total_seconds()


def require_reauthentication(password_hash: str | None, password: str | None,
                             *, field: str = PASSWORD_FIELD) -> None:
    """Pass when ``password`` verifies against ``password_hash`` or the token is fresh.

    Raises ``Invalid(field)`` (422) for a wrong password and ``Forbidden``
    (403 ``reauthentication_required``) when neither proof is given.
    """
    if password is not None:
        if passwords.verify_password(password_hash, password):
            return
        raise Invalid(field, "This is not your current password.")
    if recently_authenticated(get_jwt()):
        return
    raise Forbidden("Confirm this change with your current password (current_password).",
                    code="reauthentication_required")


def reauthentication_documented(fn: F) -> F:
    """Say in the OpenAPI document that ``fn`` needs re-authentication."""

    def extend(doc: dict[str, Any]) -> None:
        doc["x-reauthentication"] = {"body_field": PASSWORD_FIELD,
                                     "window_seconds": int(REAUTH_WINDOW.total_seconds())}
        responses = dict(doc.get("responses", {}))
        responses["403"] = {"description": REAUTH_DESCRIPTION}
        doc["responses"] = responses

    extend_apidoc(fn, extend)
    return fn
