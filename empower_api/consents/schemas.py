"""Request and response shapes for consents. Unknown body fields are refused (422)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from empower_api.pagination import page_schema
from empower_api.timefmt import UtcDateTime


class ConsentSchema(ma.Schema):
    purpose = fields.String(required=True)
    granted = fields.Boolean(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "Version of the purpose's wording this decision was made on."})
    current_version = fields.Integer(required=True)
    decided_at = UtcDateTime(allow_none=True, required=True, metadata={
        "description": "When the survivor decided; null while at the default."})
    is_default = fields.Boolean(required=True)
    description = fields.String(required=True)


ConsentListSchema = page_schema(ConsentSchema, "ConsentListSchema")


class JsonBoolean(fields.Boolean):
    """``true`` or ``false`` only: a decision is never inferred from ``1`` or ``"yes"``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class ConsentUpdateSchema(ma.Schema):
    granted = JsonBoolean(required=True)


class ConsentEventSchema(ma.Schema):
    granted = fields.Boolean(required=True)
    version = fields.Integer(required=True)
    decided_at = UtcDateTime(required=True)


ConsentHistorySchema = page_schema(ConsentEventSchema, "ConsentHistorySchema")


class CountSchema(ma.Schema):
    count = fields.Integer(required=True)
