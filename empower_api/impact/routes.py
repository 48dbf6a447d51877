"""``GET /impact``: public aggregate figures, cached for a few minutes."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.db import db
from empower_api.impact import service
from empower_api.impact.schemas import ImpactSchema

blp = Blueprint("impact", __name__, url_prefix="/api/v1", description="Impact figures")


@blp.route("/impact")
class Impact(MethodView):
    @blp.response(200, ImpactSchema)
    def get(self) -> Any:
        """Aggregate figures, overall and for each of the last 12 months.

        Public. Only survivors who allow it are counted, and any count under 5 is null."""
        figures = service.cached_figures(db.session)
        return figures, {"Cache-Control": f"public, max-age={service.cache_seconds()}"}
