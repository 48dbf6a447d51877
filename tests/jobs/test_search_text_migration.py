"""The multilingual search migration re-normalises stored rows and rebuilds FTS5
(SQLite: CI migrates PostgreSQL from zero, and the search table runs on both)."""

from __future__ import annotations

import uuid

import flask_migrate
from sqlalchemy import text

from empower_api import create_app
from empower_api.db import db
from tests.conftest import make_config

BEFORE = "80f782ca7d58"
JOB = uuid.UUID("8d0e3c5e-5f7b-4d0c-9a61-0f1e2d3c4b5a")


def _rows(conn) -> tuple[str, str, str, str]:
    return tuple(conn.execute(text(
        "SELECT search_title, region_key, city_key, search_facets FROM jobs")).one())


def test_upgrade_renormalises_rows_and_rebuilds_fts_and_downgrade_restores(tmp_path):
    app = create_app(make_config(DATABASE_URL=f"sqlite:///{tmp_path / 'm.db'}"))
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        employer = uuid.uuid4()
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO employers (id, name, description, region, city, commitments, "
                "vetting_status, created_at, updated_at) VALUES (:id, 'Acme', '', 'x', 'x', "
                "'{}', 'vetted', '2026-01-01', '2026-01-01')"), {"id": employer.hex})
            # As the former normaliser stored them: Ł and Đ left as they were.
            conn.execute(text(
                "INSERT INTO jobs (id, employer_id, title, description, employment_type, "
                "pay_min_amount, pay_max_amount, currency, pay_period, region, city, "
                "region_key, city_key, workplace, languages, skills, flexible_schedule, "
                "background_check, status, search_title, search_body, search_facets, "
                "search_rowid, created_at, updated_at) VALUES (:id, :employer, "
                "'招聘面包师 Łódź', 'Đà Nẵng', 'full_time', 1, 2, 'USD', 'hour', 'Łódzkie', "
                "'Đà Nẵng', 'łodzkie', 'đa nang', 'onsite', '[]', '[]', 0, 'none', "
                "'published', '招聘面包师 łodz acme', 'đa nang', 'xwonsite xr1 xc2', 7, "
                "'2026-01-01', '2026-01-01')"), {"id": JOB.hex, "employer": employer.hex})

        flask_migrate.upgrade()
        with db.engine.begin() as conn:
            title, region_key, city_key, _facets = _rows(conn)
            assert title.startswith("招 招聘 聘") and "lodz" in title
            assert (region_key, city_key) == ("lodzkie", "da nang")
            for query in ('"面包"', '"lodz"', '"nang"'):
                assert conn.execute(text("SELECT rowid FROM jobs_fts WHERE jobs_fts MATCH :q"),
                                    {"q": query}).scalars().all() == [7]

        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            title, region_key, city_key, _facets = _rows(conn)
            assert title == "招聘面包师 łodz acme" and region_key == "łodzkie"
            assert conn.execute(text("SELECT rowid FROM jobs_fts WHERE jobs_fts MATCH "
                                     "'\"łodz\"'")).scalars().all() == [7]
