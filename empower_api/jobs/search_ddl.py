"""Full-text search DDL that SQLAlchemy metadata cannot express, in one place.

Used twice: attached to ``jobs`` for ``metadata.create_all`` (tests) and called from
the Alembic migration. Both engines index ``jobs.search_title`` (weighted higher)
and ``jobs.search_body``, which the service fills with already-normalised words so
SQLite and PostgreSQL split them identically.

- SQLite: FTS5 table ``jobs_fts`` keyed by ``jobs.search_rowid``, kept in step by
  triggers; a third column holds ``jobs.search_facets`` (filter values as tokens).
- PostgreSQL: the column ``jobs.search_vector`` (declared in the model, so
  autogenerate sees it; TEXT on SQLite, where it stays empty) is set by a BEFORE
  trigger and GIN-indexed. Being on ``jobs`` itself lets the planner AND the GIN
  bitmap with the filter indexes. The trigger function, the trigger and the GIN
  index are created here (names start with ``jobs_fts`` so env.py ignores them).

Note: Alembic batch operations on ``jobs`` under SQLite recreate the table and
lose its triggers and the covering index; a migration that batch-alters ``jobs``
must run ``ddl_statements("sqlite")`` again afterwards (every statement is
idempotent: IF NOT EXISTS).
"""

from __future__ import annotations

from empower_api.searchtext import FTS5_TOKENIZER

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS jobs_fts USING fts5("
    f"title_text, body_text, facets, tokenize = {FTS5_TOKENIZER})",
    # Covers the join from a full-text match to its posting and every scalar filter,
    # so matches are filtered without reading the (wide) posting rows.
    "CREATE INDEX IF NOT EXISTS jobs_fts_filter_cover ON jobs (search_rowid, status, "
    "valid_through, employer_id, region_key, city_key, workplace, employment_type, "
    "pay_max_amount, flexible_schedule, background_check, published_at, id, languages, skills)",
    "CREATE TRIGGER IF NOT EXISTS jobs_fts_after_insert AFTER INSERT ON jobs BEGIN "
    "INSERT INTO jobs_fts (rowid, title_text, body_text, facets) "
    "VALUES (NEW.search_rowid, NEW.search_title, NEW.search_body, NEW.search_facets); END",
    "CREATE TRIGGER IF NOT EXISTS jobs_fts_after_update "
    "AFTER UPDATE OF search_title, search_body, search_facets, search_rowid ON jobs BEGIN "
    "DELETE FROM jobs_fts WHERE rowid = OLD.search_rowid; "
    "INSERT INTO jobs_fts (rowid, title_text, body_text, facets) "
    "VALUES (NEW.search_rowid, NEW.search_title, NEW.search_body, NEW.search_facets); END",
    "CREATE TRIGGER IF NOT EXISTS jobs_fts_after_delete AFTER DELETE ON jobs BEGIN "
    "DELETE FROM jobs_fts WHERE rowid = OLD.search_rowid; END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS jobs_fts_after_insert",
    "DROP TRIGGER IF EXISTS jobs_fts_after_update",
    "DROP TRIGGER IF EXISTS jobs_fts_after_delete",
    "DROP TABLE IF EXISTS jobs_fts",
    "DROP INDEX IF EXISTS jobs_fts_filter_cover",
]

POSTGRES_CREATE = [
    "CREATE OR REPLACE FUNCTION jobs_fts_vector() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "NEW.search_vector := "
    "setweight(to_tsvector('simple'::regconfig, coalesce(NEW.search_title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(NEW.search_body, '')), 'B'); "
    "RETURN NEW; "
    "END $$",
    "DROP TRIGGER IF EXISTS jobs_fts_vector ON jobs",
    "CREATE TRIGGER jobs_fts_vector BEFORE INSERT OR UPDATE OF search_title, search_body "
    "ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_fts_vector()",
    "CREATE INDEX IF NOT EXISTS jobs_fts_search_vector_gin ON jobs USING GIN (search_vector)",
    "CREATE INDEX IF NOT EXISTS jobs_fts_skills_gin ON jobs USING GIN (skills)",
    # For bitmap-AND with the GIN match. Not on SQLite, whose planner would prefer
    # them to walking the newest-first index (facet tokens do this job there).
    "CREATE INDEX IF NOT EXISTS jobs_fts_filter_region ON jobs (region_key)",
    "CREATE INDEX IF NOT EXISTS jobs_fts_filter_city ON jobs (city_key)",
    # Move long texts (description, search text, tsvector) out of the heap rows, so a
    # search reads narrow rows; they are fetched only for the page shown.
    "ALTER TABLE jobs SET (toast_tuple_target = 128)",
]

POSTGRES_DROP = [
    "ALTER TABLE jobs RESET (toast_tuple_target)",
    "DROP INDEX IF EXISTS jobs_fts_search_vector_gin",
    "DROP INDEX IF EXISTS jobs_fts_skills_gin",
    "DROP INDEX IF EXISTS jobs_fts_filter_region",
    "DROP INDEX IF EXISTS jobs_fts_filter_city",
    "DROP TRIGGER IF EXISTS jobs_fts_vector ON jobs",
    "DROP FUNCTION IF EXISTS jobs_fts_vector()",
]


def ddl_statements(dialect_name: str) -> list[str]:
    """Statements that create the search objects, in order (after ``jobs`` exists)."""
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(dialect_name, [])


def drop_statements(dialect_name: str) -> list[str]:
    """Statements that remove them again (before ``jobs`` is dropped)."""
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect_name, [])
