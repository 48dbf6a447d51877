from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.accounts.models import Role
from empower_api.audit import service
from empower_api.audit.schemas import AuditEventPageSchema, AuditQuerySchema
from empower_api.db import db
from empower_api.security.permissions import auth_required

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Audit log (admins)")


@blp.route("/staff/audit-log")
class AuditLog(MethodView):
    @auth_required(Role.ADMIN)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEventPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The audit log, newest first."""
        return service.list_events(db.session, action=args.get("action"),
                                   subject_id=args.get("subject_id"), limit=args["limit"],
                                   cursor=args.get("cursor"))
