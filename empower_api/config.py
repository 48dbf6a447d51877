"""Configuration, read from environment variables only.

Every variable is documented in README.md. In the embedded default (no
``EMPOWER_ENV`` or ``EMPOWER_ENV=development``) missing secrets are generated once
into ``instance/secrets.json``; with ``EMPOWER_ENV=production`` a missing secret
stops start-up with an error naming the variable.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger(__name__)

# Secrets that must be provided in production; generated in development.
SECRET_VARIABLES: dict[str, Any] = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "JWT_SECRET_KEY": lambda: secrets.token_urlsafe(48),
    # Comma-separated Fernet keys: the first encrypts, all decrypt (rotation).
    "PII_ENCRYPTION_KEYS": lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    # HMAC key for blind indexes of e-mail and phone (log-in lookup without decrypting).
    "PII_INDEX_KEY": lambda: secrets.token_urlsafe(48),
}


class ConfigurationError(RuntimeError):
    """Raised at start-up when the environment is not usable."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secrets(instance_path: Path, names: list[str]) -> dict[str, str]:
    """Load development secrets from instance/, generating the missing ones once."""
    path = instance_path / "secrets.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text())
    missing = [name for name in names if name not in stored]
    if missing:
        for name in missing:
            stored[name] = SECRET_VARIABLES[name]()
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
        log.warning("development_secrets_generated", path=str(path), names=missing)
    return {name: stored[name] for name in names}


def build_config(
    instance_path: str,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the Flask config from the environment; ``overrides`` (tests) win."""
    env = dict(os.environ if environ is None else environ)
    env.update({k: v for k, v in (overrides or {}).items() if isinstance(v, str)})
    mode = env.get("EMPOWER_ENV", "development").strip().lower()
    if mode not in {"development", "production", "testing"}:
        raise ConfigurationError("EMPOWER_ENV must be development, production or testing")
    instance = Path(instance_path)

    database_url = env.get("DATABASE_URL") or ""
    if not database_url:
        if mode == "production":
            raise ConfigurationError("DATABASE_URL is required when EMPOWER_ENV=production")
        instance.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance / 'empower.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    config: dict[str, Any] = {
        "EMPOWER_ENV": mode,
        "DATABASE_URL": database_url,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL") or None,
        "STRIPE_API_KEY": env.get("STRIPE_API_KEY") or "sk_test_local",
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_REPORTS": env.get("RATELIMIT_REPORTS") or "10/hour",
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://localhost:5000").rstrip("/"),
        "JSON_SORT_KEYS": False,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }

    names = list(SECRET_VARIABLES)
    provided = {name: env[name] for name in names if env.get(name)}
    missing = [name for name in names if name not in provided]
    if missing and mode == "production":
        raise ConfigurationError(
            f"{missing[0]} is required when EMPOWER_ENV=production"
            + (f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else "")
        )
    if missing:
        provided.update(_instance_secrets(instance, missing))
    config.update(provided)
    config.update(overrides or {})
    return config
