"""HTTP routes for the notification feed."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.db import db
from empower_api.notifications import service
from empower_api.notifications.schemas import NotificationPageSchema, NotificationSchema
from empower_api.pagination import PageQuerySchema
from empower_api.security.permissions import auth_required, require_actor

blp = Blueprint("notifications", __name__, url_prefix="/api/v1",
                description="Discreet notifications")


@blp.route("/me/notifications")
class Notifications(MethodView):
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """The caller's notifications, newest first.

        Texts are neutral; ``kind`` and ``subject_type``/``subject_id`` tell the app what
        to open."""
        return service.list_notifications(db.session, actor=require_actor(),
                                          limit=query["limit"], cursor=query["cursor"])


@blp.route("/me/notifications/<uuid:notification_id>/read")
class NotificationRead(MethodView):
    @auth_required()
    @blp.response(200, NotificationSchema)
    def post(self, notification_id: uuid.UUID) -> Any:
        """Mark a notification read.

        Marking it again changes nothing."""
        return service.mark_read(db.session, actor=require_actor(),
                                 notification_id=notification_id)
