"""Celery entry point: ``celery -A empower_api.worker worker`` (and ``beat``)."""

from __future__ import annotations

from empower_api import create_app
from empower_api.tasks import worker_celery

flask_app = create_app()
# Every task module and the beat schedule, loaded here even without a broker.
celery = worker_celery()
