"""HTTP routes for savings."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("savings", __name__, url_prefix="/api/v1", description="Savings")
