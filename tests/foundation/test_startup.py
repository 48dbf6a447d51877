"""Start-up stays light: libraries only some requests need are imported on first use.

Each check runs in a fresh interpreter (this test process has imported everything long
ago). Importing the libraries listed was about a quarter of the CPU time of ``create_app()``
plus the first request (``bench/startup.py``); a module-level import of any of them
fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from empower_api import create_app
from empower_api.tasks import beat_schedule
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parents[2]

# Loaded when something first needs them, never to build the app or list jobs.
ON_FIRST_USE = (
    "stripe",  # a Stripe payout, webhook or reconciliation (grants.stripe_gateway.sdk)
    "celery", "kombu",  # a task module, a task sent; at once only with a broker
    "alembic", "flask_migrate",  # a migration: flask db, upgrade(), the demo command
    "babel.messages",  # a catalog compiled for a language other than English
    "redis",  # REDIS_URL set
    "phonenumbers",  # a phone number
    "segno",  # a two-factor QR code
    "flask_wtf", "wtforms",  # a console form
)

STARTUP = """
import json, sys
from empower_api import create_app
from empower_api.db import db
from empower_api.models import metadata
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    metadata.create_all(db.engine)
status = app.test_client().get("/api/v1/jobs?limit=20").status_code
loaded = sorted(name for name in json.loads(sys.argv[2]) if name in sys.modules)
"""


def _child(code: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    config = make_config(DATABASE_URL=f"sqlite:///{tmp_path / 'startup.db'}", **overrides)
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "-c", STARTUP + code, json.dumps(config), json.dumps(ON_FIRST_USE)],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_create_app_and_the_first_request_import_no_library_kept_for_first_use(tmp_path):
    found = _child('print(json.dumps({"status": status, "loaded": loaded}))', tmp_path)
    assert found == {"status": 200, "loaded": []}


def test_each_deferred_library_works_when_first_used(tmp_path):
    found = _child("""
import threading
from empower_api.grants import stripe_gateway
from empower_api.tasks import get_celery
stripe = stripe_gateway.sdk()
seen = []
def use():
    celery = get_celery()
    seen.append((id(celery), celery.conf.task_always_eager, celery.Task.__name__))
threads = [threading.Thread(target=use) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
from empower_api.savings.tasks import accrue_interest
with app.app_context():
    interest = accrue_interest.delay().get()
print(json.dumps({
    "stripe": [stripe.api_key, stripe.api_base],
    "celery": [len(seen), len(set(seen)), *seen[0][1:]],
    "proxy_eager": app.extensions["celery"].conf.task_always_eager,
    "interest": interest,
    "migrations": str(app.extensions["migrate"].directory),
}))
""", tmp_path, STRIPE_API_KEY="sk_test_lazy", STRIPE_API_BASE="http://127.0.0.1:9")
    assert found == {
        "stripe": ["sk_test_lazy", "http://127.0.0.1:9"],
        "celery": [8, 1, True, "FlaskTask"],  # one app, configured, whoever asked first
        "proxy_eager": True,
        "interest": 0,
        "migrations": str(ROOT / "empower_api" / "migrations"),
    }


def test_the_worker_module_loads_every_task_and_the_beat_schedule_without_a_broker(tmp_path):
    found = _child("""
import empower_api.worker as worker
celery = worker.celery
print(json.dumps({"type": type(celery).__name__,
                  "tasks": sorted(t for t in celery.tasks if not t.startswith("celery.")),
                  "schedule": sorted(celery.conf.beat_schedule)}))
""", tmp_path)
    assert found["type"] == "Celery"
    assert found["schedule"] == sorted(beat_schedule())
    assert {entry["task"] for entry in beat_schedule().values()} <= set(found["tasks"])


def test_with_a_broker_create_app_sets_up_celery_and_its_schedule_at_once():
    app = create_app(make_config(DATABASE_URL="sqlite://",
                                 CELERY_BROKER_URL="redis://127.0.0.1:6379/3"))
    conf = app.extensions["celery"].conf
    assert conf.task_always_eager is False
    assert sorted(conf.beat_schedule) == sorted(beat_schedule())
    create_app(make_config(DATABASE_URL="sqlite://"))  # leave the shared Celery app eager
