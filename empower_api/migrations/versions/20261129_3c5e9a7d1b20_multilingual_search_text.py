"""Search text for every language: re-normalise stored search text, rebuild FTS5.

The normaliser (``empower_api.searchtext``) now transliterates Latin letters without a
decomposition (Ł, Đ, ø, ß, ı), folds Arabic letter forms and cuts scripts written without
spaces into character n-grams. Every posting's and course's stored search text, and a
posting's ``region_key``/``city_key`` (and their facet tokens), are computed again with it.
On SQLite the FTS5 tables are rebuilt with a tokenizer that keeps combining marks inside
words (Thai vowels); on PostgreSQL the search trigger refreshes each changed tsvector.

Downgrade computes the texts with the former normaliser and rebuilds FTS5 as it was.

Revision ID: 3c5e9a7d1b20
Revises: 3c5e1a7b9d20
Create Date: 2026-11-29 15:40:00
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from empower_api.jobs import search_ddl as jobs_ddl
from empower_api.searchtext import index_text, place_key
from empower_api.training import search_ddl as courses_ddl

# revision identifiers, used by Alembic.
revision = '3c5e9a7d1b20'
down_revision = '3c5e1a7b9d20'
branch_labels = None
depends_on = None

BATCH = 1000
_OLD_TOKENIZER = "'unicode61 remove_diacritics 0'"
_OLD_WORD = re.compile(r"[^\W_]+")

jobs = sa.table(
    "jobs", sa.column("id", sa.Uuid()), sa.column("employer_id", sa.Uuid()),
    sa.column("title", sa.String()), sa.column("description", sa.Text()),
    sa.column("skills", sa.JSON()), sa.column("region", sa.String()),
    sa.column("city", sa.String()), sa.column("region_key", sa.String()),
    sa.column("city_key", sa.String()), sa.column("search_title", sa.Text()),
    sa.column("search_body", sa.Text()), sa.column("search_facets", sa.Text()))
employers = sa.table("employers", sa.column("id", sa.Uuid()), sa.column("name", sa.String()))
courses = sa.table(
    "courses", sa.column("id", sa.Uuid()), sa.column("title", sa.String()),
    sa.column("description", sa.Text()), sa.column("provider", sa.String()),
    sa.column("skills", sa.JSON()), sa.column("search_title", sa.Text()),
    sa.column("search_body", sa.Text()))


def _old_text(*parts: str) -> str:
    """The former normaliser: case-folded, combining marks dropped, letters and digits."""
    out = []
    for part in parts:
        folded = unicodedata.normalize("NFKD", part.casefold())
        plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
        out += _OLD_WORD.findall(plain)
    return " ".join(out)


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=6).hexdigest()


def _renormalise(normalise: Callable[..., str], place: Callable[[str], str]) -> None:
    """Recompute every stored search text with ``normalise`` and place key with
    ``place``; write only what changed."""
    conn = op.get_bind()
    last = None
    while True:
        query = (sa.select(jobs.c.id, jobs.c.title, jobs.c.description, jobs.c.skills,
                           jobs.c.region, jobs.c.city, jobs.c.region_key, jobs.c.city_key,
                           jobs.c.search_title, jobs.c.search_body, jobs.c.search_facets,
                           employers.c.name)
                 .join(employers, employers.c.id == jobs.c.employer_id)
                 .order_by(jobs.c.id).limit(BATCH))
        if last is not None:
            query = query.where(jobs.c.id > last)
        rows = conn.execute(query).all()
        if not rows:
            break
        for row in rows:
            region_key, city_key = place(row.region), place(row.city)
            facets = row.search_facets.replace(
                f"xr{_digest(row.region_key)}", f"xr{_digest(region_key)}").replace(
                f"xc{_digest(row.city_key)}", f"xc{_digest(city_key)}")
            values = {
                "search_title": normalise(row.title, " ".join(row.skills or []), row.name),
                "search_body": normalise(row.description), "region_key": region_key,
                "city_key": city_key, "search_facets": facets}
            if any(getattr(row, key) != value for key, value in values.items()):
                conn.execute(jobs.update().where(jobs.c.id == row.id).values(**values))
        last = rows[-1].id
    last = None
    while True:
        query = sa.select(courses).order_by(courses.c.id).limit(BATCH)
        if last is not None:
            query = query.where(courses.c.id > last)
        rows = conn.execute(query).all()
        if not rows:
            break
        for row in rows:
            values = {"search_title": normalise(row.title),
                      "search_body": normalise(row.description, row.provider,
                                               " ".join(row.skills or []))}
            if any(getattr(row, key) != value for key, value in values.items()):
                conn.execute(courses.update().where(courses.c.id == row.id).values(**values))
        last = rows[-1].id


_REFILL = [
    "INSERT INTO jobs_fts (rowid, title_text, body_text, facets) "
    "SELECT search_rowid, search_title, search_body, search_facets FROM jobs",
    "INSERT INTO courses_fts (rowid, title_text, body_text, facets) "
    "SELECT search_rowid, search_title, search_body, search_facets FROM courses",
]


def _rebuild(old: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in jobs_ddl.drop_statements(dialect) + courses_ddl.drop_statements(dialect):
            op.execute(statement)
    if old:
        _renormalise(_old_text, lambda value: _old_text(value)[:80])
    else:
        _renormalise(index_text, place_key)
    if dialect != "sqlite":
        return
    for statement in jobs_ddl.ddl_statements(dialect) + courses_ddl.ddl_statements(dialect):
        if old:
            statement = statement.replace(jobs_ddl.FTS5_TOKENIZER, _OLD_TOKENIZER)
        op.execute(statement)
    for statement in _REFILL:
        op.execute(statement)


def upgrade() -> None:
    _rebuild(old=False)


def downgrade() -> None:
    _rebuild(old=True)
