"""HTTP routes for accounts: thin views that call one service function each."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import get_jwt
from flask_smorest import Blueprint

from empower_api.accounts import service
from empower_api.accounts.models import Role
from empower_api.accounts.schemas import (
    LoginSchema,
    PasswordChangeSchema,
    PasswordSchema,
    ProfileSchema,
    ProfileUpdateSchema,
    ReauthSchema,
    RecoverSchema,
    RecoveryCodesSchema,
    RegisterSchema,
    SessionListSchema,
    TokensSchema,
)
from empower_api.accounts.security_schemas import LoginResultSchema
from empower_api.db import db, writes_on_get
from empower_api.extensions import limiter, login_name_key, rate_limit_key
from empower_api.i18n import user_locale_changed
from empower_api.security.permissions import auth_required, require_actor
from empower_api.security.reauth import reauthentication_documented

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Accounts and sessions")


def _auth_limit() -> str:
    return current_app.config.get("RATELIMIT_AUTH", "5/minute")


# Per IP and per log-in name: a shared connection is not locked out by one person,
# and one account is not guessed from many addresses.
auth_limits = [
    limiter.limit(_auth_limit, key_func=rate_limit_key, scope="auth-ip"),
    limiter.limit(_auth_limit, key_func=login_name_key, scope="auth-name"),
]


def limited(fn: Any) -> Any:
    for decorate in auth_limits:
        fn = decorate(fn)
    return fn


def _not_identity_change() -> bool:
    body = request.get_json(silent=True)
    return not (isinstance(body, dict) and any(f in body for f in service.IDENTITY_FIELDS))


# An answer that tells whether an alias, e-mail or phone is taken is limited like
# registration (per IP and per identity tried); other profile edits are not.
identity_check_limits = [
    limiter.limit(_auth_limit, key_func=rate_limit_key, scope="identity-ip",
                  methods=["PATCH"], exempt_when=_not_identity_change),
    limiter.limit(_auth_limit, key_func=login_name_key, scope="identity-name",
                  methods=["PATCH"], exempt_when=_not_identity_change),
]


def device_label(body: dict[str, Any]) -> str:
    """A coarse label the user recognises; never the full User-Agent string."""
    if body.get("device_label"):
        return str(body["device_label"])
    agent = request.user_agent.string.lower()
    for needle, label in (("iphone", "iPhone"), ("ipad", "iPad"), ("android", "Android phone"),
                          ("windows", "Windows computer"), ("mac os", "Mac"),
                          ("linux", "Linux computer")):
        if needle in agent:
            return label
    return "unknown device"


@blp.route("/auth/register")
class Register(MethodView):
    decorators = [limited]

    @blp.arguments(RegisterSchema)
    @blp.response(201, TokensSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create an account: anonymous (alias) or identified (e-mail or phone)."""
        return service.register(db.session, data=data, device_label=device_label(data))


@blp.route("/auth/login")
class Login(MethodView):
    decorators = [limited]

    @blp.arguments(LoginSchema)
    @blp.response(200, LoginResultSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Sign in with an alias, e-mail or phone.

        Accounts with two-factor get ``{"mfa_required": true, "mfa_token"}`` and finish
        with ``POST /auth/login/mfa``.
        """
        return service.login(db.session, login=data["login"], password=data["password"],
                             device_label=device_label(data))


@blp.route("/auth/refresh")
class Refresh(MethodView):
    decorators = [limiter.limit(_auth_limit, key_func=rate_limit_key, scope="refresh")]

    @auth_required(refresh=True)
    @blp.response(200, TokensSchema)
    def post(self) -> Any:
        """Swap a refresh token for new tokens; the old refresh token is spent."""
        return service.refresh(db.session, user=require_actor(), token=get_jwt())


@blp.route("/auth/recover")
class Recover(MethodView):
    decorators = [limited]

    @blp.arguments(RecoverSchema)
    @blp.response(200, TokensSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Set a new password with a single-use recovery code (anonymous accounts)."""
        return service.recover(db.session, alias=data["alias"], code=data["recovery_code"],
                               new_password=data["new_password"],
                               device_label=device_label(data))


@blp.route("/auth/logout")
class Logout(MethodView):
    @auth_required()
    @blp.response(204)
    def post(self) -> None:
        """End this session."""
        service.end_session(db.session, user=require_actor(),
                            session_id=uuid.UUID(get_jwt()["sid"]), reason="logout")


@blp.route("/auth/safety-exit")
class SafetyExit(MethodView):
    @auth_required()
    @blp.response(204)
    def post(self) -> None:
        """End every session of this account at once, on every device."""
        service.safety_exit(db.session, user=require_actor())


@blp.route("/me/sessions")
class Sessions(MethodView):
    @auth_required()
    @blp.response(200, SessionListSchema)
    def get(self) -> Any:
        """The devices signed in to this account."""
        current = get_jwt()["sid"]
        items = [
            {"id": s.id, "device_label": s.device_label, "created_at": s.created_at,
             "last_used_at": s.last_used_at, "current": str(s.id) == current}
            for s in service.list_sessions(db.session, user=require_actor())
        ]
        return {"items": items, "next_cursor": None}


@blp.route("/me/sessions/<uuid:session_id>")
class SessionItem(MethodView):
    @auth_required()
    @blp.response(204)
    def delete(self, session_id: uuid.UUID) -> None:
        """Sign one device out."""
        service.end_session(db.session, user=require_actor(), session_id=session_id,
                            reason="revoked")


@blp.route("/me")
class Me(MethodView):
    decorators = identity_check_limits
    @auth_required()
    @blp.response(200, ProfileSchema)
    def get(self) -> Any:
        """The caller's own account and profile."""
        return require_actor()

    @auth_required()
    @reauthentication_documented
    @blp.arguments(ProfileUpdateSchema)
    @blp.response(200, ProfileSchema)
    @blp.alt_response(429, description="Too many alias, e-mail or phone changes")
    def patch(self, data: dict[str, Any]) -> Any:
        """Change the profile; ``role``, ``id`` and ``anonymous`` are not writable.

        Changing ``alias``, ``email`` or ``phone`` needs re-authentication and is rate
        limited like registration.
        """
        if isinstance(data.get("date_of_birth"), date):
            data["date_of_birth"] = data["date_of_birth"].isoformat()
        password = data.pop("current_password", None)
        user = service.update_profile(db.session, user=require_actor(), data=data,
                                      current_password=password)
        if "locale" in data:
            user_locale_changed()  # this answer already speaks the new language
        return user

    @auth_required()
    @reauthentication_documented
    @blp.arguments(PasswordSchema)
    @blp.response(204)
    def delete(self, data: dict[str, Any]) -> None:
        """Erase this account's personal data; money records stay, pseudonymised.

        Needs the password (re-authentication).
        """
        service.erase(db.session, user=require_actor(), password=data["password"])


@blp.route("/me/password")
class Password(MethodView):
    @auth_required()
    @reauthentication_documented
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    def post(self, data: dict[str, Any]) -> None:
        """Change the password.

        Needs the current password (re-authentication).
        """
        service.change_password(db.session, user=require_actor(),
                                current=data["current_password"], new=data["new_password"],
                                keep_session_id=uuid.UUID(get_jwt()["sid"]))


@blp.route("/me/recovery-codes")
class RecoveryCodes(MethodView):
    @auth_required(Role.SURVIVOR)
    @reauthentication_documented
    @blp.arguments(ReauthSchema)
    @blp.response(201, RecoveryCodesSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Replace your recovery codes with 10 new ones; they are shown only this once.

        Needs re-authentication: new codes redirect recovery.
        """
        codes = service.new_recovery_codes(db.session, user=require_actor(),
                                           current_password=data.get("current_password"))
        return {"recovery_codes": codes}


@blp.route("/me/export")
class Export(MethodView):
    @writes_on_get
    @auth_required()
    @blp.response(200)
    def get(self) -> Any:
        """Everything the service holds about the caller, as JSON."""
        return service.export(db.session, user=require_actor())


@blp.route("/staff/users/<uuid:user_id>")
class StaffUser(MethodView):
    @writes_on_get
    @auth_required(Role.STAFF, Role.ADMIN)
    @blp.doc(parameters=[{"in": "header", "name": "X-Access-Reason", "required": True,
                          "schema": {"type": "string", "minLength": 10, "maxLength": 500}}])
    @blp.response(200, ProfileSchema)
    @blp.alt_response(428, description="No X-Access-Reason given")
    def get(self, user_id: uuid.UUID) -> Any:
        """Read one person's record (staff). Needs a reason; every read is audited."""
        return service.staff_read_user(db.session, actor=require_actor(), user_id=user_id,
                                       reason=request.headers.get("X-Access-Reason"))
