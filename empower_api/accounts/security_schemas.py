"""Request and response shapes for two-factor, duress password and the access log."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from empower_api.accounts.schemas import TokensSchema
from empower_api.pagination import PageQuerySchema, page_schema
from empower_api.timefmt import UtcDateTime


class LoginResultSchema(TokensSchema):
    """``POST /auth/login``: the usual tokens, or for two-factor accounts only
    ``{"mfa_required": true, "mfa_token"}`` (then ``POST /auth/login/mfa``)."""

    mfa_required = fields.Boolean()
    mfa_token = fields.String()


class MfaLoginSchema(ma.Schema):
    mfa_token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    code = fields.String(required=True, validate=validate.Length(min=1, max=20),
                         metadata={"description": "6-digit app code, or a backup code"})
    device_label = fields.String(validate=validate.Length(max=80))


class MfaEnrolQuerySchema(ma.Schema):
    qr = fields.String(validate=validate.OneOf(["svg"]),
                       metadata={"description": "`svg` adds the URI as an SVG QR code"})


class MfaEnrolmentSchema(ma.Schema):
    otpauth_uri = fields.String(required=True)
    secret = fields.String(required=True, metadata={"description": "To type in by hand"})
    qr_svg = fields.String(metadata={"description": "Only with ?qr=svg"})


class MfaCodeSchema(ma.Schema):
    code = fields.String(required=True, validate=validate.Length(min=6, max=6))


class BackupCodesSchema(ma.Schema):
    backup_codes = fields.List(fields.String(), required=True,
                               metadata={"description": "10 single-use codes, shown once"})


class DuressPasswordSchema(ma.Schema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))
    duress_password = fields.String(required=True, load_only=True,
                                    validate=validate.Length(max=256))


class AccessLogEntrySchema(ma.Schema):
    occurred_at = UtcDateTime(required=True)
    staff_role = fields.String(required=True, attribute="actor_role")
    reason = fields.String(allow_none=True, required=True)


AccessLogPageSchema = page_schema(AccessLogEntrySchema, "AccessLogPageSchema")


class AccessLogQuerySchema(PageQuerySchema):
    pass
