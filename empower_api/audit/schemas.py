from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from empower_api.pagination import PageQuerySchema, page_schema
from empower_api.timefmt import UtcDateTime


class AuditEventSchema(ma.Schema):
    seq = fields.Integer()
    id = fields.UUID()
    occurred_at = UtcDateTime()
    actor_id = fields.UUID(allow_none=True)
    actor_role = fields.String(allow_none=True)
    action = fields.String()
    subject_type = fields.String(allow_none=True)
    subject_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    data = fields.Dict()
    request_id = fields.String(allow_none=True)
    hash = fields.String()


AuditEventPageSchema = page_schema(AuditEventSchema, "AuditEventPageSchema")


class AuditQuerySchema(PageQuerySchema):
    action = fields.String(validate=ma.validate.Length(max=64))
    subject_id = fields.String(validate=ma.validate.Length(max=64))
