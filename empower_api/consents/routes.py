"""HTTP routes for consents: the survivor's own decisions, and the staff research count."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.accounts.models import Role
from empower_api.consents import service
from empower_api.consents.schemas import (
    ConsentHistorySchema,
    ConsentListSchema,
    ConsentSchema,
    ConsentUpdateSchema,
    CountSchema,
)
from empower_api.db import db
from empower_api.pagination import PageQuerySchema
from empower_api.security.permissions import auth_required, require_actor

blp = Blueprint("consents", __name__, url_prefix="/api/v1", description="Consents")

# Documents the purposes in OpenAPI; an unknown one is still a 404 problem from the service.
PURPOSE_PARAMETER = {"in": "path", "name": "purpose", "required": True,
                     "schema": {"type": "string", "enum": [str(p) for p in service.PURPOSES]}}


@blp.route("/me/consents")
class Consents(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.response(200, ConsentListSchema)
    def get(self) -> Any:
        """Your consent decisions, one per purpose.

        Each shows whether it is granted, the wording version and when you decided."""
        return {"items": service.list_consents(db.session, user=require_actor()),
                "next_cursor": None}


@blp.route("/me/consents/<string:purpose>")
class ConsentItem(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.doc(parameters=[PURPOSE_PARAMETER])
    @blp.arguments(ConsentUpdateSchema)
    @blp.response(200, ConsentSchema)
    @blp.alt_response(404, description="No such purpose")
    def put(self, data: dict[str, Any], purpose: str) -> Any:
        """Grant or withdraw one purpose.

        Takes effect at once; every change is kept in the purpose's history."""
        return service.set_consent(db.session, user=require_actor(), purpose=purpose,
                                   granted=data["granted"])


@blp.route("/me/consents/<string:purpose>/history")
class ConsentHistory(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, ConsentHistorySchema)
    @blp.alt_response(404, description="No such purpose")
    def get(self, args: dict[str, Any], purpose: str) -> Any:
        """Your decisions on one purpose, newest first.

        The history is append-only: nothing in it is ever changed."""
        return service.history(db.session, user=require_actor(), purpose=purpose,
                               limit=args["limit"], cursor=args.get("cursor"))


@blp.route("/staff/research-contacts/count")
class ResearchContactCount(MethodView):
    @auth_required(Role.STAFF, Role.ADMIN)
    @blp.response(200, CountSchema)
    def get(self) -> Any:
        """How many survivors allow research contact.

        Only survivors who granted ``research_contact`` are counted; no one is named."""
        return {"count": service.count_research_contacts(db.session)}
