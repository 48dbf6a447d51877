"""``flask retention purge [--dry-run]`` and the daily beat task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from empower_api.audit.models import AuditEvent
from empower_api.config import ConfigurationError, build_config
from empower_api.db import utcnow
from empower_api.idempotency import IdempotencyRecord
from empower_api.tasks import beat_schedule


def _old_record(session) -> None:
    session.add(IdempotencyRecord(user_id=None, scope="POST /x", key="k", request_hash="h",
                                  status=201, body="{}", content_type="application/json",
                                  created_at=utcnow() - timedelta(days=30)))
    session.commit()


def _records(session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(IdempotencyRecord)))


def test_dry_run_prints_counts_and_keeps_everything(app, session):
    _old_record(session)
    result = app.test_cli_runner().invoke(args=["retention", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "idempotency_records: 1 would go (older than 7 days)" in result.output
    assert "inactive_anonymous_accounts: 0 would go (older than 365 days)" in result.output
    assert _records(session) == 1


def test_purge_prints_counts_and_deletes(app, session):
    _old_record(session)
    result = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert "idempotency_records: 1 purged" in result.output
    assert _records(session) == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "retention.purge")) == 1


def test_the_beat_schedule_runs_the_purge_daily(app, session):
    from empower_api.retention.tasks import purge

    assert beat_schedule()["retention.purge"]["task"] == "retention.purge"
    _old_record(session)
    with app.app_context():
        counts = purge.delay().get()
    assert counts["idempotency_records"] == 1
    assert _records(session) == 0


def test_retention_periods_come_from_the_environment(tmp_path):
    config = build_config(str(tmp_path), environ={"RETENTION_IDEMPOTENCY_DAYS": "2",
                                                  "EMPOWER_ENV": "testing"})
    assert config["RETENTION_IDEMPOTENCY_DAYS"] == 2
    assert config["RETENTION_REVOKED_SESSIONS_DAYS"] == 90
    assert config["IMPACT_CACHE_SECONDS"] == 300
    with pytest.raises(ConfigurationError, match="RETENTION_IDEMPOTENCY_DAYS"):
        build_config(str(tmp_path), environ={"RETENTION_IDEMPOTENCY_DAYS": "a week",
                                             "EMPOWER_ENV": "testing"})
