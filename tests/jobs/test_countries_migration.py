"""The migration that added ``country``: existing employers and postings get
``DEFAULT_COUNTRY`` from the environment, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from empower_api import create_app
from empower_api.db import db
from tests.conftest import make_config

COUNTRIES = "3c5e1a7b9d20"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'migrate.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database of its own next to the suite's (the suite's has no migration history)."""
    base = make_url(os.environ["DATABASE_URL"])
    name = f"{base.database}_countries_migration"
    admin = create_engine(base.set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _insert_old_rows(conn) -> tuple[str, str]:
    """An employer and a posting as the schema before countries stored them."""
    employer_id, job_id = uuid.uuid4(), uuid.uuid4()
    postgres = conn.dialect.name == "postgresql"
    ids = (str(employer_id), str(job_id)) if postgres else (employer_id.hex, job_id.hex)
    conn.execute(text(
        "INSERT INTO employers (id, name, description, region, city, commitments, "
        "vetting_status, created_at, updated_at) VALUES (:id, 'Old employer', 'd', "
        "'Nairobi County', 'Nairobi', '{}', 'vetted', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
        {"id": ids[0]})
    conn.execute(text(
        "INSERT INTO jobs (id, employer_id, title, description, employment_type, "
        "pay_min_amount, pay_max_amount, currency, pay_period, region, city, region_key, "
        "city_key, workplace, languages, skills, flexible_schedule, background_check, "
        "status, search_title, search_body, search_facets, search_rowid, created_at, "
        "updated_at) VALUES (:id, :employer_id, 'Cook', 'd', 'full_time', 1, 2, 'KES', "
        "'hour', 'Nairobi County', 'Nairobi', 'nairobi county', 'nairobi', 'onsite', '[]', "
        "'[]', false, 'none', 'draft', 'cook', 'd', 'xwonsite', 4242, CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP)"), {"id": ids[1], "employer_id": ids[0]})
    return ids


def _countries(conn) -> list[tuple[str, str]]:
    return sorted(conn.execute(text(
        "SELECT 'employer', country FROM employers UNION ALL SELECT 'job', country FROM jobs"
    )).all())


def _migrate_and_check(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(make_config(DATABASE_URL=url))
    directory = str(app.config["MIGRATIONS_DIR"])
    before = ScriptDirectory(directory).get_revision(COUNTRIES).down_revision
    with app.app_context():
        upgrade(directory=directory, revision=before)
        with db.engine.begin() as conn:
            _insert_old_rows(conn)

        # A bad value stops the migration before anything changes.
        monkeypatch.setenv("DEFAULT_COUNTRY", "UK")
        with pytest.raises(ValueError, match="DEFAULT_COUNTRY"):
            upgrade(directory=directory, revision=COUNTRIES)
        assert "country" not in {c["name"] for c in inspect(db.engine).get_columns("jobs")}

        monkeypatch.setenv("DEFAULT_COUNTRY", "ke")
        upgrade(directory=directory, revision=COUNTRIES)
        with db.engine.connect() as conn:
            assert _countries(conn) == [("employer", "KE"), ("job", "KE")]
        indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("jobs")}
        assert indexes["ix_jobs_country_newest"] == ["country", "status", "published_at", "id"]
        if db.engine.dialect.name == "postgresql":
            # The default only filled the old rows: an insert without a country fails.
            columns = {c["name"]: c for c in inspect(db.engine).get_columns("employers")}
            assert columns["country"]["default"] is None
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO employers (id, name, description, region, city, "
                    "commitments, vetting_status, created_at, updated_at) VALUES "
                    "(gen_random_uuid(), 'New', 'd', 'r', 'c', '{}', 'pending', now(), now())"))
        else:
            # The search triggers survived (no table copy): the old posting is still found.
            with db.engine.connect() as conn:
                assert conn.execute(text(
                    "SELECT count(*) FROM jobs_fts WHERE jobs_fts MATCH 'cook'")).scalar() == 1

        # And back: the columns and the index go, the rows stay.
        downgrade(directory=directory, revision=before)
        assert "country" not in {c["name"] for c in inspect(db.engine).get_columns("employers")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM jobs")).scalar() == 1
        monkeypatch.delenv("DEFAULT_COUNTRY")
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            assert _countries(conn) == [("employer", "US"), ("job", "US")]
        db.engine.dispose()


def test_migration_backfills_default_country_on_sqlite(sqlite_url, monkeypatch):
    _migrate_and_check(sqlite_url, monkeypatch)


@pytest.mark.postgres_only
def test_migration_backfills_default_country_on_postgresql(postgres_url, monkeypatch):
    _migrate_and_check(postgres_url, monkeypatch)
