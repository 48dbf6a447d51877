"""Liveness, readiness and metrics: outside /api/v1, no auth."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from empower_api.db import db
from empower_api.errors import problem
from empower_api.observability import metrics_response

blp = Blueprint("ops", __name__, description="Health and metrics")


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200)
    def get(self) -> Any:
        """Liveness: 200 while the process serves."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200)
    @blp.alt_response(503, description="The database does not answer")
    def get(self) -> Any:
        """Readiness: 200 when the database answers, else 503."""
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return problem(503, "The database is not reachable.", code="not_ready")
        return {"status": "ok", "database": "ok"}


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.response(200)
    def get(self) -> Response:
        """Prometheus metrics."""
        return metrics_response()
