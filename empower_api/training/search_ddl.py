"""Course catalog full-text DDL that SQLAlchemy metadata cannot express.

Same shape as ``jobs.search_ddl``: attached to ``courses`` for ``create_all``
(tests) and called from the migration. Both engines index ``courses.search_title``
(weighted higher) and ``courses.search_body`` (description, provider, skills),
which the service fills with already-normalised words.

- SQLite: FTS5 table ``courses_fts`` keyed by ``courses.search_rowid``, kept in
  step by triggers; a third column holds ``courses.search_facets`` (filter values as
  tokens, so filters narrow the match inside the index).
- PostgreSQL: ``courses.search_vector`` set by a BEFORE trigger and GIN-indexed.

Every name starts with ``courses_fts`` so ``migrations/env.py`` ignores them.
"""

from __future__ import annotations

from empower_api.searchtext import FTS5_TOKENIZER

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS courses_fts USING fts5("
    f"title_text, body_text, facets, tokenize = {FTS5_TOKENIZER})",
    # Covers the join from a full-text match to its course and every filter, so
    # matches are filtered without reading the (wide) course rows.
    "CREATE INDEX IF NOT EXISTS courses_fts_filter_cover ON courses (search_rowid, "
    "modality, cost_amount, created_at, id, languages, skills)",
    "CREATE TRIGGER IF NOT EXISTS courses_fts_after_insert AFTER INSERT ON courses BEGIN "
    "INSERT INTO courses_fts (rowid, title_text, body_text, facets) "
    "VALUES (NEW.search_rowid, NEW.search_title, NEW.search_body, NEW.search_facets); END",
    "CREATE TRIGGER IF NOT EXISTS courses_fts_after_update "
    "AFTER UPDATE OF search_title, search_body, search_facets, search_rowid ON courses BEGIN "
    "DELETE FROM courses_fts WHERE rowid = OLD.search_rowid; "
    "INSERT INTO courses_fts (rowid, title_text, body_text, facets) "
    "VALUES (NEW.search_rowid, NEW.search_title, NEW.search_body, NEW.search_facets); END",
    "CREATE TRIGGER IF NOT EXISTS courses_fts_after_delete AFTER DELETE ON courses BEGIN "
    "DELETE FROM courses_fts WHERE rowid = OLD.search_rowid; END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS courses_fts_after_insert",
    "DROP TRIGGER IF EXISTS courses_fts_after_update",
    "DROP TRIGGER IF EXISTS courses_fts_after_delete",
    "DROP TABLE IF EXISTS courses_fts",
    "DROP INDEX IF EXISTS courses_fts_filter_cover",
]

POSTGRES_CREATE = [
    "CREATE OR REPLACE FUNCTION courses_fts_vector() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "NEW.search_vector := "
    "setweight(to_tsvector('simple'::regconfig, coalesce(NEW.search_title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(NEW.search_body, '')), 'B'); "
    "RETURN NEW; "
    "END $$",
    "DROP TRIGGER IF EXISTS courses_fts_vector ON courses",
    "CREATE TRIGGER courses_fts_vector BEFORE INSERT OR UPDATE OF search_title, search_body "
    "ON courses FOR EACH ROW EXECUTE FUNCTION courses_fts_vector()",
    "CREATE INDEX IF NOT EXISTS courses_fts_search_vector_gin ON courses "
    "USING GIN (search_vector)",
    "CREATE INDEX IF NOT EXISTS courses_fts_skills_gin ON courses USING GIN (skills)",
]

POSTGRES_DROP = [
    "DROP INDEX IF EXISTS courses_fts_search_vector_gin",
    "DROP INDEX IF EXISTS courses_fts_skills_gin",
    "DROP TRIGGER IF EXISTS courses_fts_vector ON courses",
    "DROP FUNCTION IF EXISTS courses_fts_vector()",
]


def ddl_statements(dialect_name: str) -> list[str]:
    """Statements that create the search objects, in order (after ``courses`` exists)."""
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(dialect_name, [])


def drop_statements(dialect_name: str) -> list[str]:
    """Statements that remove them again (before ``courses`` is dropped)."""
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect_name, [])
