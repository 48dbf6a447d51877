"""Celery: eager, in process, in the embedded default; workers when a broker is set.

The Celery app is one per process (``celery``, also ``app.extensions["celery"]``).
With a broker, ``init_celery`` loads and configures it in ``create_app()``, as the
web processes send to workers. Without one, Celery is imported only when something
first uses it (a domain's ``tasks`` module is imported, a task is sent, the app is
read): answering requests that send no task never loads it. ``empower_api.worker``
(``celery -A empower_api.worker worker`` and ``beat``) always loads every task module
and the beat schedule.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

from flask import Flask, has_app_context
from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from celery import Celery

# Each domain's tasks module defines its tasks and a BEAT_SCHEDULE of periodic ones.
DOMAIN_TASK_MODULES = (
    "empower_api.jobs.tasks", "empower_api.savings.tasks", "empower_api.grants.tasks",
    "empower_api.retention.tasks",
)

_celery: Celery | None = None  # published only once configured
_settings: tuple[Flask, str | None] | None = None  # the last init_celery(): app, broker
# Held to create, configure or rebind the app; never while a task module is imported
# (that import asks for the app, maybe in another thread).
_lock = threading.Lock()


def beat_schedule() -> dict[str, Any]:
    """Every domain's ``BEAT_SCHEDULE`` merged (imports each tasks module)."""
    schedule: dict[str, Any] = {}
    for name in DOMAIN_TASK_MODULES:
        schedule.update(getattr(importlib.import_module(name), "BEAT_SCHEDULE", {}))
    return schedule


def get_celery() -> Celery:
    """The process's Celery app, imported and configured for the last ``init_celery``
    app on first use (thread-safe: no caller ever sees it unconfigured)."""
    global _celery
    ready = _celery
    if ready is not None:
        return ready
    with _lock:
        if _celery is None:
            from celery import Celery

            created = Celery("empower_api")
            if _settings is not None:
                _configure(created, *_settings)
            _celery = created
        return _celery


def __getattr__(name: str) -> Any:
    # ``from empower_api.tasks import celery`` (the task modules, tests) loads it.
    if name == "celery":
        return get_celery()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _configure(celery: Celery, app: Flask, broker: str | None) -> None:
    from celery import Task

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
    )
    celery.Task = FlaskTask


def _load_schedule(celery: Celery) -> None:
    # Imports every task module (their tasks register); only beat reads the schedule.
    celery.conf.update(beat_schedule=beat_schedule())


def init_celery(app: Flask) -> Celery:
    """Bind the process's Celery app to ``app``: at once, with every task module and the
    beat schedule, when a broker is set or Celery is already loaded; else when it is
    first used (without the schedule: the first use may be a task module's import,
    whose ``BEAT_SCHEDULE`` is not defined yet). Returns it (a proxy until loaded)."""
    global _settings
    broker = app.config.get("CELERY_BROKER_URL")
    with _lock:
        _settings = (app, broker)
        loaded = _celery
        if loaded is not None:
            _configure(loaded, app, broker)
    if broker or loaded is not None:
        celery = get_celery()
        _load_schedule(celery)
        app.extensions["celery"] = celery
        return celery
    proxy: Any = LocalProxy(get_celery)
    app.extensions["celery"] = proxy
    return proxy


def worker_celery() -> Celery:
    """The Celery app for a worker or beat process, bound by ``create_app()``: every task
    module loaded and the beat schedule set, with or without ``CELERY_BROKER_URL``."""
    celery = get_celery()
    _load_schedule(celery)
    return celery
