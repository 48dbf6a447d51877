"""Full-text search DDL that SQLAlchemy metadata cannot express, in one place.

Used twice: attached to ``jobs`` for ``metadata.create_all`` (tests) and called from
the Alembic migration. Both engines index ``jobs.search_title`` (weighted higher)
and ``jobs.search_body``, which the service fills with already-normalised words so
SQLite and PostgreSQL split them identically.

- SQLite: FTS5 table ``jobs_fts`` keyed by ``jobs.search_rowid``, kept in step by
  triggers.
- PostgreSQL: side table ``jobs_fts_documents`` (one ``tsvector`` per posting,
  GIN-indexed), kept in step by a trigger. A side table rather than a column on
  ``jobs`` keeps Alembic autogenerate clean (env.py ignores ``jobs_fts*``).

Note: Alembic batch operations on ``jobs`` under SQLite recreate the table and
lose its triggers; a migration that batch-alters ``jobs`` must re-run
``ddl_statements("sqlite")`` triggers (the ``CREATE TRIGGER`` ones) afterwards.
"""

from __future__ import annotations

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS jobs_fts USING fts5("
    "title_text, body_text, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS jobs_fts_after_insert AFTER INSERT ON jobs BEGIN "
    "INSERT INTO jobs_fts (rowid, title_text, body_text) "
    "VALUES (NEW.search_rowid, NEW.search_title, NEW.search_body); END",
    "CREATE TRIGGER IF NOT EXISTS jobs_fts_after_update "
    "AFTER UPDATE OF search_title, search_body, search_rowid ON jobs BEGIN "
    "DELETE FROM jobs_fts WHERE rowid = OLD.search_rowid; "
    "INSERT INTO jobs_fts (rowid, title_text, body_text) "
    "VALUES (NEW.search_rowid, NEW.search_title, NEW.search_body); END",
    "CREATE TRIGGER IF NOT EXISTS jobs_fts_after_delete AFTER DELETE ON jobs BEGIN "
    "DELETE FROM jobs_fts WHERE rowid = OLD.search_rowid; END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS jobs_fts_after_insert",
    "DROP TRIGGER IF EXISTS jobs_fts_after_update",
    "DROP TRIGGER IF EXISTS jobs_fts_after_delete",
    "DROP TABLE IF EXISTS jobs_fts",
]

POSTGRES_CREATE = [
    "CREATE TABLE IF NOT EXISTS jobs_fts_documents ("
    "job_id UUID PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE, "
    "document TSVECTOR NOT NULL)",
    "CREATE INDEX IF NOT EXISTS jobs_fts_documents_gin "
    "ON jobs_fts_documents USING GIN (document)",
    "CREATE OR REPLACE FUNCTION jobs_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "INSERT INTO jobs_fts_documents (job_id, document) VALUES (NEW.id, "
    "setweight(to_tsvector('simple'::regconfig, coalesce(NEW.search_title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(NEW.search_body, '')), 'B')) "
    "ON CONFLICT (job_id) DO UPDATE SET document = EXCLUDED.document; "
    "RETURN NULL; "
    "END $$",
    "DROP TRIGGER IF EXISTS jobs_fts_sync ON jobs",
    "CREATE TRIGGER jobs_fts_sync AFTER INSERT OR UPDATE OF search_title, search_body "
    "ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_fts_sync()",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS jobs_fts_sync ON jobs",
    "DROP FUNCTION IF EXISTS jobs_fts_sync()",
    "DROP TABLE IF EXISTS jobs_fts_documents",
]


def ddl_statements(dialect_name: str) -> list[str]:
    """Statements that create the search objects, in order (after ``jobs`` exists)."""
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(dialect_name, [])


def drop_statements(dialect_name: str) -> list[str]:
    """Statements that remove them again (before ``jobs`` is dropped)."""
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect_name, [])
