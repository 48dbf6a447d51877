"""Liveness, readiness and metrics: outside /api/v1. Health needs no auth; metrics
need ``METRICS_TOKEN`` as a bearer token in production (open in development)."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Response, current_app, request
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
    # Either the token, or nothing where none is configured outside production (the
    # empty requirement): what the view does, so a client without a token is not wrong.
    @blp.doc(security=[{"metricsToken": []}, {}])
    @blp.response(200)
    @blp.alt_response(401, description="No or wrong METRICS_TOKEN (production)")
    @blp.alt_response(404, description="No METRICS_TOKEN configured (production)")
    def get(self) -> Response:
        """Prometheus metrics.

        In production only with ``Authorization: Bearer <METRICS_TOKEN>`` (404 when no
        token is configured); open in development unless a token is set.
        """
        token = current_app.config.get("METRICS_TOKEN")
        if token is None:
            if current_app.config["EMPOWER_ENV"] == "production":
                return problem(404, "Not found.", code="not_found")
            return metrics_response()
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return problem(401, "Send the metrics token.", code="unauthorized",
                           headers={"WWW-Authenticate": "Bearer"})
        return metrics_response()
