"""HTTP routes for jobs."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("jobs", __name__, url_prefix="/api/v1", description="Jobs")
