"""Celery entry point: ``celery -A empower_api.worker worker`` (and ``beat``)."""

from __future__ import annotations

from empower_api import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
