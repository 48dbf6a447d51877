"""Configuration comes from the environment; production refuses missing secrets."""

from __future__ import annotations

import json

import pytest

from empower_api.config import ConfigurationError, build_config


def test_development_generates_secrets_once(tmp_path):
    first = build_config(str(tmp_path), environ={})
    second = build_config(str(tmp_path), environ={})
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert set(stored) == {"SECRET_KEY", "JWT_SECRET_KEY", "PII_ENCRYPTION_KEYS", "PII_INDEX_KEY",
                           "CREDENTIAL_SIGNING_KEYS"}
    assert first["CREDENTIAL_SIGNING_KEYS"] == second["CREDENTIAL_SIGNING_KEYS"]
    assert first["DATABASE_URL"] == f"sqlite:///{tmp_path / 'empower.db'}"


def test_production_names_the_missing_secret(tmp_path):
    env = {"EMPOWER_ENV": "production", "DATABASE_URL": "postgresql://db/empower"}
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        build_config(str(tmp_path), environ=env)
    assert not (tmp_path / "secrets.json").exists()


def test_production_requires_database_url(tmp_path):
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        build_config(str(tmp_path), environ={"EMPOWER_ENV": "production"})


def test_production_accepts_full_environment(tmp_path):
    env = {
        "EMPOWER_ENV": "production", "DATABASE_URL": "postgres://u@db/empower",
        "SECRET_KEY": "s", "JWT_SECRET_KEY": "j", "PII_ENCRYPTION_KEYS": "k",
        "PII_INDEX_KEY": "i", "REDIS_URL": "redis://r:6379/0", "RATELIMIT_ENABLED": "false",
        "CREDENTIAL_SIGNING_KEYS": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    }
    config = build_config(str(tmp_path), environ=env)
    assert config["DATABASE_URL"] == "postgresql+psycopg://u@db/empower"
    assert config["RATELIMIT_ENABLED"] is False
    assert config["REDIS_URL"] == "redis://r:6379/0"


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="EMPOWER_ENV"):
        build_config(str(tmp_path), environ={"EMPOWER_ENV": "staging-ish"})


def test_malformed_signing_keys_are_refused(tmp_path):
    env = {"EMPOWER_ENV": "testing", "CREDENTIAL_SIGNING_KEYS": "not-a-key"}
    with pytest.raises(ConfigurationError, match="CREDENTIAL_SIGNING_KEYS"):
        build_config(str(tmp_path), environ=env)
