"""Celery and rate-limit storage follow the environment; the demo command works."""

from __future__ import annotations

from sqlalchemy import func, select

from empower_api import create_app
from empower_api.accounts.models import User
from empower_api.db import db
from tests.conftest import make_config


def test_celery_is_eager_without_a_broker():
    app = create_app(make_config(DATABASE_URL="sqlite://"))
    assert app.extensions["celery"].conf.task_always_eager is True


def test_celery_uses_the_broker_when_configured():
    app = create_app(make_config(DATABASE_URL="sqlite://",
                                 CELERY_BROKER_URL="redis://127.0.0.1:6379/3"))
    conf = app.extensions["celery"].conf
    assert conf.task_always_eager is False
    assert conf.broker_url == "redis://127.0.0.1:6379/3"
    create_app(make_config(DATABASE_URL="sqlite://"))  # leave the shared Celery app eager


def test_rate_limits_use_redis_when_configured():
    app = create_app(make_config(DATABASE_URL="sqlite://", REDIS_URL="redis://127.0.0.1:6379/4"))
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/4"
    default = create_app(make_config(DATABASE_URL="sqlite://"))
    assert default.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_demo_command_migrates_loads_and_can_run_twice(tmp_path):
    app = create_app(make_config(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}"))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "staff log-in" in first.output
    # The staff console's address is printed beside the staff log-in.
    assert "staff console:   http://localhost:5000/console" in first.output
    with app.app_context():
        users = db.session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert users >= 6
