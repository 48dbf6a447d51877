"""Every setting the README documents is read, and start-up problems are clear.

The first test is driven by the README's configuration table: a variable another
change documents is checked here too, with no edit to this file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from empower_api import create_app
from empower_api.accounts.keys import keys_cli
from empower_api.config import ConfigurationError, build_config
from tests.conftest import assert_problem, make_config

ROOT = Path(__file__).resolve().parents[2]
FERNET_KEY = "pQ2yRPu5sQh3g9m0rKq1sW8vXzY4aB6cD7eF0gH1iJk="
SECRETS = {"SECRET_KEY": "s" * 48, "JWT_SECRET_KEY": "j" * 48,
           "PII_ENCRYPTION_KEYS": FERNET_KEY, "PII_INDEX_KEY": "i" * 48,
           "CREDENTIAL_SIGNING_KEYS": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}
BASE_ENV = {"EMPOWER_ENV": "testing", "DATABASE_URL": "sqlite:////tmp/empower-settings.db",
            **SECRETS}
# Values tried in turn until one is accepted and changes the configuration: a boolean,
# a rate limit, a country, a log level, URLs, a number, a key, any text.
CANDIDATES = ["false", "2/minute", "GB", "WARNING", "production",
              "postgresql://probe@db/probe", "redis://probe:6379/9", "https://probe.example",
              "17", "365", FERNET_KEY, "probe-" + "v" * 42]


def readme_settings() -> list[str]:
    """Every variable named in the first column of the README's configuration table."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: list[str] = []
    for line in section.splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    return names


def test_readme_table_is_found():
    names = readme_settings()
    assert {"DATABASE_URL", "RATELIMIT_AUTH", "RATELIMIT_SEARCH", "DEFAULT_PHONE_REGION"} <= \
        set(names)


def _changes_config(tmp_path: Path, name: str) -> list[str]:
    baseline = build_config(str(tmp_path), environ=BASE_ENV)
    tried = []
    for value in CANDIDATES:
        env = {**BASE_ENV, name: value}
        try:
            config = build_config(str(tmp_path), environ=env)
        except ConfigurationError:
            tried.append(f"{value}: refused")
            continue
        if config != baseline:
            return []
        tried.append(f"{value}: no change")
    return tried


@pytest.mark.parametrize("name", readme_settings())
def test_every_documented_setting_reaches_the_config(tmp_path, name):
    unread = _changes_config(tmp_path, name)
    assert not unread, f"{name} is documented in README but changes nothing: {unread}"


def test_env_example_names_every_documented_setting():
    example = (ROOT / ".env.example").read_text()
    missing = [name for name in readme_settings() if not re.search(rf"^#? ?{name}=", example,
                                                                    re.M)]
    assert not missing, missing


def test_unknown_empower_variable_is_a_startup_warning(app, tmp_path, caplog_json):
    build_config(str(tmp_path), environ={**BASE_ENV, "EMPOWER_RATELIMIT": "1/minute"})
    warnings = [line for line in caplog_json() if line["event"] == "unknown_settings_ignored"]
    assert warnings and warnings[0]["names"] == ["EMPOWER_RATELIMIT"]
    assert warnings[0]["level"] == "warning"


def test_known_empower_variable_is_not_reported(app, tmp_path, caplog_json):
    build_config(str(tmp_path), environ=BASE_ENV)
    assert not [line for line in caplog_json() if line["event"] == "unknown_settings_ignored"]


@pytest.mark.parametrize("name,value", [("RATELIMIT_AUTH", "often"),
                                        ("RATELIMIT_SEARCH", "5 per fortnight"),
                                        ("DEFAULT_PHONE_REGION", "XX")])
def test_unusable_setting_stops_startup_naming_it(tmp_path, name, value):
    with pytest.raises(ConfigurationError, match=name):
        build_config(str(tmp_path), environ={**BASE_ENV, name: value})


# --- the three settings the README promised and nothing read, end to end ----------------


@pytest.fixture
def app_from_environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Apps built from the environment, on the suite's database (tables made if missing)."""
    from empower_api.db import db
    from empower_api.models import metadata

    def make(**environment: str) -> Any:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        built = create_app(make_config(DATABASE_URL=database_url, RATELIMIT_ENABLED=True))
        with built.app_context():
            metadata.create_all(db.engine)
        return built

    return make


def test_ratelimit_auth_from_environment_is_enforced(app_from_environment):
    client = app_from_environment(RATELIMIT_AUTH="2/minute").test_client()
    statuses = [client.post("/api/v1/auth/login", json={"login": "nobody-here",
                                                        "password": "wrong-guess-1"}).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_ratelimit_search_from_environment_is_enforced(app_from_environment):
    client = app_from_environment(RATELIMIT_SEARCH="2/minute").test_client()
    statuses = [client.get("/api/v1/jobs").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert_problem(client.get("/api/v1/jobs"), 429)


def test_default_phone_region_accepts_national_numbers(app_from_environment):
    from empower_api.accounts.service import normalise_phone

    app = app_from_environment(DEFAULT_PHONE_REGION="gb")
    assert app.config["DEFAULT_PHONE_REGION"] == "GB"
    with app.app_context():
        assert normalise_phone("020 7946 0018") == "+442079460018"


# --- a clean start-up error and fresh secrets ----------------------------------------------


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True,
                          text=True, timeout=60, cwd=ROOT, check=False)


def test_missing_production_secrets_exit_2_with_one_line_each():
    result = _run("from empower_api import create_app; create_app()",
                  {"EMPOWER_ENV": "production", "DATABASE_URL": "postgresql://u@db/empower",
                   "SECRET_KEY": "given"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("configuration")]
    assert [line.split(":")[1].split()[0] for line in lines] == [
        "JWT_SECRET_KEY", "PII_ENCRYPTION_KEYS", "PII_INDEX_KEY", "CREDENTIAL_SIGNING_KEYS"]
    assert all("flask keys generate" in line for line in lines)


def test_keys_generate_prints_a_block_production_accepts(tmp_path):
    result = CliRunner().invoke(keys_cli, ["generate"])
    assert result.exit_code == 0, result.output
    pairs = dict(line.split("=", 1) for line in result.output.splitlines()
                 if line and not line.startswith("#"))
    assert set(pairs) == set(SECRETS)
    again = CliRunner().invoke(keys_cli, ["generate"]).output
    assert pairs["SECRET_KEY"] not in again  # fresh every time
    config = build_config(str(tmp_path), environ={
        "EMPOWER_ENV": "production", "DATABASE_URL": "postgresql://u@db/e", **pairs})
    assert config["PII_ENCRYPTION_KEYS"] == pairs["PII_ENCRYPTION_KEYS"]
    from cryptography.fernet import Fernet

    Fernet(pairs["PII_ENCRYPTION_KEYS"])  # a usable key, not just text


def test_keys_generate_needs_no_app_or_secrets():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("flask")), "keys", "generate"],
        env={"PATH": os.environ.get("PATH", ""), "EMPOWER_ENV": "production"},
        capture_output=True, text=True, timeout=60, cwd="/", check=False)
    assert result.returncode == 0, result.stderr
    assert "PII_INDEX_KEY=" in result.stdout
