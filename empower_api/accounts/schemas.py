"""Request and response shapes for accounts. Unknown fields are refused (422)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from empower_api.accounts.models import Role
from empower_api.i18n import N_, shipped_locales
from empower_api.inputs import FullMatch
from empower_api.timefmt import UtcDateTime

BCP47 = FullMatch(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
                        error=N_("Use a BCP 47 tag like 'en' or 'pt-BR'."))
Short = validate.Length(min=1, max=80)


class RegisterSchema(ma.Schema):
    mode = fields.String(required=True, validate=validate.OneOf(["anonymous", "identified"]))
    alias = fields.String(validate=validate.Length(min=1, max=40))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))
    email = fields.String(validate=validate.Length(max=254))
    phone = fields.String(validate=validate.Length(max=32))
    role = fields.String(validate=validate.OneOf([Role.SURVIVOR, Role.EMPLOYER],
                                                 error=N_("Choose survivor or employer.")))
    display_name = fields.String(validate=Short)
    device_label = fields.String(validate=validate.Length(max=80))


class LoginSchema(ma.Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))
    device_label = fields.String(validate=validate.Length(max=80))


class RecoverSchema(ma.Schema):
    alias = fields.String(required=True, validate=validate.Length(min=1, max=40))
    recovery_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))
    device_label = fields.String(validate=validate.Length(max=80))


class UserSchema(ma.Schema):
    id = fields.UUID(dump_only=True)
    role = fields.String(dump_only=True)
    anonymous = fields.Boolean(dump_only=True)
    alias = fields.String(allow_none=True)
    display_name = fields.String(allow_none=True)


class TokensSchema(ma.Schema):
    user = fields.Nested(UserSchema)
    access_token = fields.String()
    refresh_token = fields.String()
    recovery_codes = fields.List(fields.String())

    @ma.post_dump
    def _drop_empty_codes(self, data: dict, **_kw: object) -> dict:
        if data.get("recovery_codes") is None:
            data.pop("recovery_codes", None)
        return data


class ProfileSchema(UserSchema):
    """``GET /me``: the caller's own record, personal data decrypted for them only."""

    locale = fields.String(allow_none=True, metadata={
        "description": "Language the server speaks to this user; null: Accept-Language"})
    languages = fields.List(fields.String())
    skills = fields.List(fields.String())
    region = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    availability = fields.String(allow_none=True)
    accommodations = fields.String(allow_none=True)
    legal_name = fields.String(allow_none=True)
    date_of_birth = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    created_at = UtcDateTime(dump_only=True)


class ProfileUpdateSchema(ma.Schema):
    """``PATCH /me``: ``role``, ``id`` and ``anonymous`` are unknown here, hence 422."""

    alias = fields.String(allow_none=True, validate=validate.Length(min=1, max=40))
    display_name = fields.String(allow_none=True, validate=Short)
    locale = fields.String(allow_none=True, validate=validate.OneOf(
        shipped_locales(), error=N_("Choose one of the languages served: {choices}.")),
        metadata={"description": "A shipped locale (GET /labels lists them); it outranks "
                                 "Accept-Language. null: follow the device."})
    languages = fields.List(fields.String(validate=BCP47), validate=validate.Length(max=20))
    skills = fields.List(fields.String(validate=validate.Length(min=1, max=60)),
                         validate=validate.Length(max=50))
    region = fields.String(allow_none=True, validate=Short)
    city = fields.String(allow_none=True, validate=Short)
    availability = fields.String(allow_none=True, validate=validate.Length(max=200))
    accommodations = fields.String(allow_none=True, validate=validate.Length(max=1000))
    legal_name = fields.String(allow_none=True, validate=validate.Length(min=1, max=200))
    date_of_birth = fields.Date(allow_none=True)
    email = fields.String(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    current_password = fields.String(load_only=True, validate=validate.Length(max=256))


class ReauthSchema(ma.Schema):
    """The current password, for re-authentication (``security.reauth``)."""

    current_password = fields.String(load_only=True, validate=validate.Length(max=256))


class PasswordChangeSchema(ma.Schema):
    current_password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))


class RecoveryCodesSchema(ma.Schema):
    recovery_codes = fields.List(fields.String())


class PasswordSchema(ma.Schema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))


class SessionSchema(ma.Schema):
    id = fields.UUID()
    device_label = fields.String()
    created_at = UtcDateTime()
    last_used_at = UtcDateTime()
    current = fields.Boolean()


class SessionListSchema(ma.Schema):
    items = fields.List(fields.Nested(SessionSchema))
    next_cursor = fields.String(allow_none=True)
