"""Configuration, read from environment variables only.

Every variable is documented in README.md (a test walks that table and proves each
one reaches the app). In the embedded default (no ``EMPOWER_ENV`` or
``EMPOWER_ENV=development``) missing secrets are generated once into
``instance/secrets.json``; with ``EMPOWER_ENV=production`` a missing secret stops
start-up with one line per missing variable saying how to make it. A variable named
``EMPOWER_…`` that nothing reads is reported at start-up (a typo, or a setting of
another version).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import structlog
from limits import parse_many

from empower_api.countries import FALLBACK_DEFAULT_COUNTRY, default_country_setting

log = structlog.get_logger(__name__)

# Secrets that must be provided in production; generated in development.
SECRET_VARIABLES: dict[str, Any] = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "JWT_SECRET_KEY": lambda: secrets.token_urlsafe(48),
    # Comma-separated Fernet keys: the first encrypts, all decrypt (rotation).
    "PII_ENCRYPTION_KEYS": lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    # HMAC key for blind indexes of e-mail and phone (log-in lookup without decrypting).
    "PII_INDEX_KEY": lambda: secrets.token_urlsafe(48),
    # Comma-separated Ed25519 private keys (base64url): the first signs credentials,
    # all verify (retired keys stay for credentials they signed).
    "CREDENTIAL_SIGNING_KEYS": lambda: _new_signing_key(),
}


def default_web_concurrency() -> int:
    """gunicorn workers when ``WEB_CONCURRENCY`` is unset: ``2 × cores + 1``, gunicorn's
    own recommendation (one worker computes while another waits on the database)."""
    return (os.cpu_count() or 1) * 2 + 1


def _signing_keys_ok(value: str) -> bool:
    try:
        parts = [base64.urlsafe_b64decode(p.strip() + "=" * (-len(p.strip()) % 4))
                 for p in value.split(",") if p.strip()]
    except ValueError:
        return False
    return bool(parts) and all(len(p) == 32 for p in parts)


def _new_signing_key() -> str:
    from empower_api.training.issuer_keys import generate_secret

    return generate_secret()



# Retention periods in whole days (0 turns a rule off); see docs/retention-and-consent.md.
RETENTION_DEFAULT_DAYS: dict[str, int] = {
    "RETENTION_INACTIVE_ANONYMOUS_DAYS": 365,
    "RETENTION_CLOSED_APPLICATION_MESSAGES_DAYS": 180,
    "RETENTION_EXPIRED_POSTINGS_DAYS": 400,
    "RETENTION_WEBHOOK_PAYLOADS_DAYS": 30,
    "RETENTION_IDEMPOTENCY_DAYS": 7,
    "RETENTION_REVOKED_SESSIONS_DAYS": 90,
}

GENERATE_HINT = "make one with `flask keys generate` (prints a ready .env block)"
# How to make each secret by hand, for the start-up error.
SECRET_HINTS: dict[str, str] = {
    "SECRET_KEY": "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'",
    "JWT_SECRET_KEY": "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'",
    "PII_ENCRYPTION_KEYS": ("python3 -c 'from cryptography.fernet import Fernet; "
                            "print(Fernet.generate_key().decode())'"),
    "PII_INDEX_KEY": "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'",
    "CREDENTIAL_SIGNING_KEYS": ("python3 -c 'from empower_api.training.issuer_keys import "
                                "generate_secret; print(generate_secret())'"),
}
ENV_PREFIX = "EMPOWER_"


class ConfigurationError(RuntimeError):
    """Raised at start-up when the environment is not usable: one message per problem."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)

    def exit(self) -> NoReturn:
        """Print one line per problem on stderr and exit 2 (no traceback): for operators."""
        for line in self.problems:
            sys.stderr.write(f"configuration error: {line}\n")
        raise SystemExit(2)


class _ReadEnvironment(dict[str, str]):
    """The environment, remembering which names were asked for (to spot unknown ones)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return super().__contains__(key)


def _rate_limit(env: Mapping[str, str], name: str, default: str,
                problems: list[str]) -> str:
    value = (env.get(name) or "").strip() or default
    try:
        parse_many(value)
    except ValueError:
        problems.append(f"{name} must be a rate limit like '5/minute' or '100 per hour'")
        return default
    return value


def _phone_region(env: Mapping[str, str], problems: list[str]) -> str | None:
    value = (env.get("DEFAULT_PHONE_REGION") or "").strip().upper()
    if not value:
        return None
    import phonenumbers  # only to check a region that is set

    if value not in phonenumbers.SUPPORTED_REGIONS:
        problems.append("DEFAULT_PHONE_REGION must be an ISO 3166-1 alpha-2 country, like GB")
        return None
    return value


def _default_country(env: Mapping[str, str], problems: list[str]) -> str:
    try:
        return default_country_setting(env)
    except ValueError as error:
        problems.append(str(error))
        return FALLBACK_DEFAULT_COUNTRY


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _seconds(env: Mapping[str, str], name: str, default: float, problems: list[str]) -> float:
    value = (env.get(name) or "").strip()
    try:
        seconds = float(value) if value else default
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 120:
        problems.append(f"{name} must be a number of seconds from 0 to 120")
        return default
    return seconds


def _whole_number(env: Mapping[str, str], name: str, default: int,
                  problems: list[str]) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        problems.append(f"{name} must be a whole number (0 or more)")
        return default
    return int(raw)


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


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigurationError(f"{name} must be a whole number (0 or more)")
    return int(raw)


def check_limiter_storage(mode: str, workers: int, storage_uri: str | None) -> None:
    """Refuse production with several worker processes and per-process limit counters:
    each worker would count on its own, multiplying every limit (password guessing
    included) by the number of workers. Called by build_config (``WEB_CONCURRENCY``)
    and by gunicorn.conf.py (the real ``-w``)."""
    shared = bool(storage_uri) and not storage_uri.startswith("memory://")
    if mode == "production" and workers > 1 and not shared:
        raise ConfigurationError(
            f"{workers} workers need shared rate-limit storage: set REDIS_URL "
            "(or RATELIMIT_STORAGE_URI), or run one worker")


def build_config(
    instance_path: str,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the Flask config from the environment; ``overrides`` (tests) win."""
    env = _ReadEnvironment(os.environ if environ is None else environ)
    env.update({k: v for k, v in (overrides or {}).items() if isinstance(v, str)})
    mode = env.get("EMPOWER_ENV", "development").strip().lower()
    if mode not in {"development", "production", "testing"}:
        raise ConfigurationError("EMPOWER_ENV must be development, production or testing")
    instance = Path(instance_path)
    problems: list[str] = []

    database_url = env.get("DATABASE_URL") or ""
    if not database_url and mode == "production":
        problems.append("DATABASE_URL is required when EMPOWER_ENV=production: set it to "
                        "postgresql://USER@HOST/DATABASE")
    elif not database_url:
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
        # Unset: only manual grant payouts (the `stripe` method is a 409).
        "STRIPE_API_KEY": env.get("STRIPE_API_KEY") or None,
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_TIMEOUT_SECONDS": _seconds(env, "STRIPE_TIMEOUT_SECONDS", 10.0, problems),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_AUTH": _rate_limit(env, "RATELIMIT_AUTH", "5/minute", problems),
        "RATELIMIT_SEARCH": _rate_limit(env, "RATELIMIT_SEARCH", "120/minute", problems),
        "RATELIMIT_REPORTS": _rate_limit(env, "RATELIMIT_REPORTS", "10/hour", problems),
        "DEFAULT_PHONE_REGION": _phone_region(env, problems),
        # Country of employers created without one (postings take their employer's).
        "DEFAULT_COUNTRY": _default_country(env, problems),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://localhost:5000").rstrip("/"),
        # Browser origins allowed to call the API (comma-separated); none by default.
        "CORS_ORIGINS": [o.strip().rstrip("/") for o in env.get("CORS_ORIGINS", "").split(",")
                         if o.strip()],
        "JSON_SORT_KEYS": False,
        # A neutral issuer name: showing a credential reveals nothing about the program.
        "CREDENTIAL_ISSUER_NAME": env.get("CREDENTIAL_ISSUER_NAME") or "Skills Credential Issuer",
        # did:web of the issuer; derived from PUBLIC_BASE_URL's host when not given.
        "CREDENTIAL_ISSUER_DID": env.get("CREDENTIAL_ISSUER_DID") or None,
        "RATELIMIT_VERIFY": _rate_limit(env, "RATELIMIT_VERIFY", "30/minute", problems),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Bearer token for /metrics; required in production (unset there: not served).
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (hops).
        "TRUSTED_PROXIES": _count(env, "TRUSTED_PROXIES", 0),
        "IMPACT_CACHE_SECONDS": _whole_number(env, "IMPACT_CACHE_SECONDS", 300, problems),
        # Anonymous job and course search/reads (empower_api.response_cache): the longest
        # an answer is reused (0: no cache), and the entries each process keeps without Redis.
        "SEARCH_CACHE_SECONDS": _whole_number(env, "SEARCH_CACHE_SECONDS", 30, problems),
        "SEARCH_CACHE_ENTRIES": _whole_number(env, "SEARCH_CACHE_ENTRIES", 2048, problems),
    }
    for name, days in RETENTION_DEFAULT_DAYS.items():
        config[name] = _whole_number(env, name, days, problems)
    storage = env.get("RATELIMIT_STORAGE_URI") or config["REDIS_URL"]
    if storage:
        config["RATELIMIT_STORAGE_URI"] = storage
    check_limiter_storage(mode, _count(env, "WEB_CONCURRENCY", 1), storage)

    names = list(SECRET_VARIABLES)
    provided = {name: env[name] for name in names if env.get(name)}
    missing = [name for name in names if name not in provided]
    if missing and mode == "production":
        problems.extend(
            f"{name} is required when EMPOWER_ENV=production: {GENERATE_HINT}, "
            f"or {SECRET_HINTS[name]}" for name in missing)
    if provided.get("CREDENTIAL_SIGNING_KEYS") and not _signing_keys_ok(
            provided["CREDENTIAL_SIGNING_KEYS"]):
        problems.append("CREDENTIAL_SIGNING_KEYS must be comma-separated base64url Ed25519 "
                        f"private keys (32 bytes each): {GENERATE_HINT}")
    key = config["STRIPE_API_KEY"] or ""
    if mode == "production" and key.startswith(("sk_test_", "rk_test_")):
        problems.append("STRIPE_API_KEY is a Stripe test key but EMPOWER_ENV=production: "
                        "set a live key, or unset it for manual payouts only")
    if problems:
        raise ConfigurationError(*problems)
    if missing:
        provided.update(_instance_secrets(instance, missing))
    # Which secrets live in instance/ (``flask keys rotate-signing`` rewrites them there).
    config["SECRETS_FROM_INSTANCE"] = missing
    config.update(provided)
    config.update(overrides or {})
    unknown = sorted(n for n in env if n.startswith(ENV_PREFIX) and n not in env.asked)
    if unknown:
        log.warning("unknown_settings_ignored", names=unknown)
    return config
