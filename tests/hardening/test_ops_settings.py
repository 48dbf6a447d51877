"""Issue #8 points 17 and 18: /metrics behind a token in production; trusted proxies;
no per-worker rate limits in production."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from empower_api import create_app
from empower_api.config import ConfigurationError, build_config
from tests.conftest import make_config

PRODUCTION = {"EMPOWER_ENV": "production", "DATABASE_URL": "postgresql://u@db/empower",
              "SECRET_KEY": "s", "JWT_SECRET_KEY": "j", "PII_ENCRYPTION_KEYS": "k",
              "PII_INDEX_KEY": "i",
              "CREDENTIAL_SIGNING_KEYS": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}


def _app(database_url: str, **overrides):
    return create_app(make_config(DATABASE_URL=database_url, **overrides))


def test_metrics_need_the_token_in_production(database_url):
    app = _app(database_url, EMPOWER_ENV="production", METRICS_TOKEN="m-secret-123")
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer m-secret-123"})
    assert ok.status_code == 200 and b"empower_http_requests_total" in ok.data


def test_metrics_are_not_served_in_production_without_a_token(database_url):
    client = _app(database_url, EMPOWER_ENV="production", METRICS_TOKEN=None).test_client()
    assert client.get("/metrics").status_code == 404


def test_metrics_stay_open_in_development(client):
    assert client.get("/metrics").status_code == 200


def test_trusted_proxies_pick_the_client_address(database_url):
    from flask import request

    seen: list[str | None] = []
    for hops in (0, 1, 2):
        app = _app(database_url, TRUSTED_PROXIES=hops)
        app.before_request(lambda: seen.append(request.remote_addr))
        app.test_client().get("/healthz", headers={"X-Forwarded-For": "6.6.6.6, 1.2.3.4"},
                              environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert seen == ["10.0.0.9", "1.2.3.4", "6.6.6.6"]


def test_trusted_proxies_is_read_from_the_environment(tmp_path):
    assert build_config(str(tmp_path), environ={})["TRUSTED_PROXIES"] == 0
    assert build_config(str(tmp_path), environ={"TRUSTED_PROXIES": "2"})["TRUSTED_PROXIES"] == 2
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        build_config(str(tmp_path), environ={"TRUSTED_PROXIES": "yes"})


def test_production_refuses_several_workers_without_shared_limits(tmp_path):
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        build_config(str(tmp_path), environ={**PRODUCTION, "WEB_CONCURRENCY": "4"})
    config = build_config(str(tmp_path), environ={**PRODUCTION, "WEB_CONCURRENCY": "4",
                                                  "REDIS_URL": "redis://r:6379/0"})
    assert config["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"
    build_config(str(tmp_path), environ={**PRODUCTION, "WEB_CONCURRENCY": "1"})
    build_config(str(tmp_path), environ={"WEB_CONCURRENCY": "4"})  # development: allowed


def test_gunicorn_hook_refuses_several_workers_without_shared_limits(monkeypatch, tmp_path):
    import empower_api

    # Only the worker check is under test here; building the app is tested elsewhere.
    monkeypatch.setattr(empower_api, "create_app", lambda: None)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    path = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("EMPOWER_ENV", "production")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(ConfigurationError):
        module.on_starting(SimpleNamespace(cfg=SimpleNamespace(workers=2)))
    module.on_starting(SimpleNamespace(cfg=SimpleNamespace(workers=1)))
    monkeypatch.setenv("REDIS_URL", "redis://r:6379/0")
    module.on_starting(SimpleNamespace(cfg=SimpleNamespace(workers=8)))


def test_production_and_the_bench_run_the_same_worker_count(monkeypatch, tmp_path):
    import os

    from empower_api.config import default_web_concurrency

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("BENCH_WORKERS", raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    assert default_web_concurrency() == (os.cpu_count() or 1) * 2 + 1
    conf = Path(__file__).resolve().parents[2] / "empower_api" / "gunicorn_conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf_defaults", conf)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.workers == default_web_concurrency()
    bench = Path(__file__).resolve().parents[2] / "bench" / "http_load.py"
    spec = importlib.util.spec_from_file_location("bench_http_load_defaults", bench)
    load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load)
    assert module.workers == load.WORKERS
