"""Who may call what: the role decorator and the current actor.

Authorization lives in two places only: ``auth_required`` on the route (signed in,
right role) and the object check inside each service.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask_jwt_extended import get_current_user, verify_jwt_in_request

from empower_api.errors import Forbidden, Unauthorized
from empower_api.extensions import extend_apidoc

F = TypeVar("F", bound=Callable[..., Any])

BEARER_SECURITY = [{"bearerAuth": []}]


def current_actor() -> Any | None:
    """The signed-in user of this request, or None for an anonymous visitor.

    The user is whatever the accounts domain's token callback loaded (its ``User``);
    this module reads only ``role``, so it needs no import of that domain.
    """
    try:
        return get_current_user()
    except RuntimeError:
        return None


def require_actor() -> Any:
    """The signed-in user (as :func:`current_actor`); ``Unauthorized`` when anonymous."""
    actor = current_actor()
    if actor is None:
        raise Unauthorized("Sign in to do this.")
    return actor


def auth_required(*roles: str, optional: bool = False, refresh: bool = False) -> Callable[[F], F]:
    """Require a valid access token (or refresh token), and one of ``roles`` if given."""

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request(optional=optional, refresh=refresh)
            actor = current_actor()
            if actor is None and not optional:
                raise Unauthorized("Sign in to do this.")
            if roles and actor is not None and actor.role not in roles:
                raise Forbidden("Your account cannot do this.")
            return fn(*args, **kwargs)

        extend_apidoc(wrapper, lambda doc: doc.__setitem__(
            "security", [] if optional else BEARER_SECURITY))
        return wrapper  # type: ignore[return-value]

    return decorator
