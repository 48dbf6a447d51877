"""Celery: eager, in process, in the embedded default; workers when a broker is set."""

from __future__ import annotations

import importlib
from typing import Any

from celery import Celery, Task
from flask import Flask, has_app_context

celery = Celery("empower_api")

# Each domain's tasks module defines its tasks and a BEAT_SCHEDULE of periodic ones.
DOMAIN_TASK_MODULES = (
    "empower_api.jobs.tasks", "empower_api.savings.tasks", "empower_api.grants.tasks",
    "empower_api.retention.tasks",
)


def beat_schedule() -> dict[str, Any]:
    schedule: dict[str, Any] = {}
    for name in DOMAIN_TASK_MODULES:
        schedule.update(getattr(importlib.import_module(name), "BEAT_SCHEDULE", {}))
    return schedule


def init_celery(app: Flask) -> Celery:
    broker = app.config.get("CELERY_BROKER_URL")

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            # Eager tasks run inside the caller's app context (its session and
            # transaction); workers and beat push the app's own context.
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    celery.conf.update(
        broker_url=broker or "memory://",
        result_backend=None,
        task_always_eager=not broker,
        task_eager_propagates=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        timezone="UTC",
        beat_schedule=beat_schedule(),
    )
    celery.Task = FlaskTask
    app.extensions["celery"] = celery
    return celery
