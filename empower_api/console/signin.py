"""Who is signed in to the staff console, and for how long.

The console keeps its own session: Flask's signed cookie ``empower_console`` (path
``/console``, ``HttpOnly``, ``SameSite=Strict``, ``Secure`` in production) holds the id of
an ``AuthSession`` row, the same kind of session the API opens at log-in, so sessions
lists, safety-exit, ``flask users deactivate-staff`` and a two-factor reset end console
sessions too. Every request checks that row, the account (not deactivated, not erased,
still staff or admin) and the idle time: after ``IDLE_TIMEOUT`` without a request the
session ends. A bearer token is never read here: it opens no console page.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Flask, current_app, flash, g, redirect, session, url_for
from flask_babel import gettext as _
from flask_jwt_extended import decode_token

from empower_api.accounts import service as accounts
from empower_api.accounts.models import STAFF_ROLES, User
from empower_api.accounts.service import Tokens
from empower_api.db import db
from empower_api.errors import NotFound
from empower_api.extensions import rate_limit_key
from empower_api.i18n import user_locale_changed

COOKIE_NAME = "empower_console"
COOKIE_PATH = "/console"
IDLE_TIMEOUT = timedelta(minutes=15)
# What the staff member sees in their sessions list for a console sign-in.
DEVICE_LABEL = "Staff console"


def configure(app: Flask) -> None:
    """The cookie settings above. Flask's session serves only the console (the API is
    stateless and never writes it), so these app-wide settings concern the console only."""
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_PATH=COOKIE_PATH,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=app.config.get("EMPOWER_ENV") == "production",
        PERMANENT_SESSION_LIFETIME=IDLE_TIMEOUT,
    )


def forget() -> None:
    """Empty the cookie, CSRF token included (a new one is made for the next form; the
    request's cached copy goes too, or this response's forms would carry the old one)."""
    session.clear()
    g.pop("csrf_token", None)


def start(tokens: Tokens) -> None:
    """Remember a fresh log-in (a new cookie content: no fixation of an older one)."""
    session_id = decode_token(tokens.access_token)["sid"]
    forget()
    session.permanent = True
    session["sid"] = str(session_id)
    session["uid"] = str(tokens.user.id)
    session["seen"] = int(time.time())


def end(user: User | None, *, reason: str) -> None:
    """End the signed-in session (its ``AuthSession`` row too) and forget the cookie."""
    sid = session.get("sid")
    if user is not None and sid:
        with contextlib.suppress(NotFound):  # already gone: nothing more to end
            accounts.end_session(db.session, user=user, session_id=uuid.UUID(sid),
                                 reason=reason)
    forget()


def _user() -> User | None:
    try:
        return db.session.get(User, uuid.UUID(str(session.get("uid"))))
    except ValueError:
        return None


def signed_in() -> User | None:
    """The staff member signed in to this browser, or None (then the cookie is cleared).

    Ends the session after ``IDLE_TIMEOUT`` idle, or when its row was revoked, or the
    account was deactivated, erased or is no longer staff. A staff member found becomes
    ``g.console_user``, and the request speaks their ``locale`` (empower_api.i18n)."""
    if "sid" not in session:
        return None
    user = _user()
    seen = session.get("seen")
    if not isinstance(seen, int) or time.time() - seen > IDLE_TIMEOUT.total_seconds():
        end(user, reason="idle_timeout")
        flash(_("You were signed out after 15 minutes without activity."), "info")
        return None
    if not accounts.session_is_active(session["sid"]) or user is None \
            or user.erased_at is not None or user.deactivated_at is not None \
            or user.role not in STAFF_ROLES:
        end(user, reason="revoked")
        return None
    session["seen"] = int(time.time())
    # The page speaks the staff member's ``locale`` from here on (else Accept-Language).
    g.console_user = user
    user_locale_changed()
    return user


def staff_page(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A console view for signed-in staff (and only ``roles``, when given). The view gets
    the staff member as its first argument; others go to the sign-in page (303), or
    see a 403 page when their role is not enough."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = signed_in()
            if user is None:
                return redirect(url_for("console.index"), 303)
            g.console_user = user
            if roles and user.role not in roles:
                from empower_api.console.pages import error_page

                return error_page(403, _("Only administrators can open this page."))
            return view(user, *args, **kwargs)

        return wrapper

    return decorator


def login_form_key() -> str:
    """Rate-limit key of a console log-in: the log-in name tried, as the API keys it."""
    from empower_api.extensions import login_name_key

    return login_name_key()


def code_form_key() -> str:
    """Rate-limit key of the code step: the challenge held in the cookie (hashed)."""
    token = str(session.get("mfa_token") or "")
    if not token:
        return f"ip:{rate_limit_key()}"
    return "mfa:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def auth_limit() -> str:
    return str(current_app.config.get("RATELIMIT_AUTH", "5/minute"))
