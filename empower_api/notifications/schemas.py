"""Shapes of the notification feed."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from empower_api.notifications.service import text_of
from empower_api.pagination import page_schema
from empower_api.timefmt import UtcDateTime


class NotificationSchema(ma.Schema):
    id = fields.UUID()
    kind = fields.String(metadata={"description": "message.new | application.updated"})
    text = fields.Function(lambda n: text_of(n),
                           metadata={"description": "neutral text to show, in the request's "
                                                    "language (Content-Language)"})
    subject_type = fields.String()
    subject_id = fields.String()
    created_at = UtcDateTime()
    read_at = UtcDateTime(allow_none=True)
    read = fields.Function(lambda n: n.read_at is not None)


NotificationPageSchema = page_schema(NotificationSchema, "NotificationPage")
