"""HTTP routes for two-factor log-in, the duress password and the access log."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.accounts import (
    duress,
    mfa,
    security_data,  # noqa: F401  (registers export and erasure)
    service,
)
from empower_api.accounts.models import Role
from empower_api.accounts.routes import _auth_limit
from empower_api.accounts.schemas import PasswordSchema, TokensSchema
from empower_api.accounts.security_schemas import (
    AccessLogPageSchema,
    AccessLogQuerySchema,
    BackupCodesSchema,
    DuressPasswordSchema,
    MfaCodeSchema,
    MfaEnrolmentSchema,
    MfaEnrolQuerySchema,
    MfaLoginSchema,
)
from empower_api.audit import service as audit
from empower_api.db import db
from empower_api.extensions import limiter, rate_limit_key
from empower_api.security.permissions import auth_required, require_actor

blp = Blueprint("account_security", __name__, url_prefix="/api/v1",
                description="Two-factor log-in, duress password and access log")

__all__ = ["blp"]


def mfa_token_key() -> str:
    """Rate-limit key of the second step: the challenge tried (hashed), not only the IP."""
    data = request.get_json(silent=True) or {}
    token = str(data.get("mfa_token") or "") if isinstance(data, dict) else ""
    if not token:
        return f"ip:{rate_limit_key()}"
    return "mfa:" + hashlib.sha256(token.encode()).hexdigest()[:32]


@blp.route("/auth/login/mfa")
class LoginSecondStep(MethodView):
    decorators = [limiter.limit(_auth_limit, key_func=rate_limit_key, scope="auth-mfa-ip"),
                  limiter.limit(_auth_limit, key_func=mfa_token_key, scope="auth-mfa-token")]

    @blp.arguments(MfaLoginSchema)
    @blp.response(200, TokensSchema)
    @blp.alt_response(401, description="Wrong, replayed or expired code, or a spent token")
    def post(self, data: dict[str, Any]) -> Any:
        """Finish signing in with a two-factor code.

        Swap the ``mfa_token`` from ``POST /auth/login`` (5 minutes, works once) and a
        6-digit app code or a backup code for the usual token body.
        """
        return service.login_second_step(db.session, token=data["mfa_token"],
                                         code=data["code"])


@blp.route("/me/mfa")
class MyMfa(MethodView):
    @auth_required(Role.SURVIVOR, Role.EMPLOYER)
    @blp.arguments(MfaEnrolQuerySchema, location="query")
    @blp.response(201, MfaEnrolmentSchema)
    def post(self, args: dict[str, Any]) -> Any:
        """Start two-factor: a new secret for an authenticator app.

        Returns an ``otpauth://`` URI (and an SVG QR code with ``?qr=svg``); it takes
        effect once confirmed with a first code (``POST /me/mfa/confirm``).
        """
        enrolment = mfa.enrol(db.session, require_actor())
        body: dict[str, Any] = {"otpauth_uri": enrolment.uri, "secret": enrolment.secret}
        if args.get("qr") == "svg":
            body["qr_svg"] = mfa.qr_svg(enrolment.uri)
        return body

    @auth_required(Role.SURVIVOR, Role.EMPLOYER)
    @blp.arguments(PasswordSchema)
    @blp.response(204)
    def delete(self, data: dict[str, Any]) -> None:
        """Turn two-factor off.

        Needs the account's password; staff and admin accounts cannot turn it off.
        """
        mfa.disable(db.session, require_actor(), data["password"])


@blp.route("/me/mfa/confirm")
class MyMfaConfirm(MethodView):
    @auth_required(Role.SURVIVOR, Role.EMPLOYER)
    @blp.arguments(MfaCodeSchema)
    @blp.response(200, BackupCodesSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Turn two-factor on with a first code from the app.

        Returns 10 single-use backup codes, shown only this once.
        """
        return {"backup_codes": mfa.confirm(db.session, require_actor(), data["code"])}


@blp.route("/me/duress-password")
class MyDuressPassword(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.arguments(DuressPasswordSchema)
    @blp.response(204)
    def put(self, data: dict[str, Any]) -> None:
        """Set a duress password (needs the real password).

        Signing in with it looks like a normal log-in but opens a harmless session, and
        every other session of the account ends.
        """
        duress.set_duress_password(db.session, user=require_actor(), password=data["password"],
                                   duress_password=data["duress_password"])


@blp.route("/me/access-log")
class MyAccessLog(MethodView):
    @auth_required()
    @blp.arguments(AccessLogQuerySchema, location="query")
    @blp.response(200, AccessLogPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Staff reads of your records, newest first.

        Each entry gives the time, the staff role (never the name) and the stated reason.
        """
        return audit.access_log(db.session, user_id=str(require_actor().id),
                                limit=args["limit"], cursor=args.get("cursor"))
