"""Alembic environment: the app's engine and the models' metadata."""

from __future__ import annotations

from typing import Any

from alembic import context
from flask import current_app

from empower_api.db import db
from empower_api.models import metadata

config = context.config

# Objects that live in the database but not in SQLAlchemy's metadata (full-text
# search tables and their shadow tables on SQLite) are managed by hand-written
# migration steps; autogenerate must not try to drop them.
IGNORED_TABLE_PREFIXES = ("fts_", "jobs_fts", "courses_fts")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    ignored = type_ in ("table", "index") and name and name.startswith(IGNORED_TABLE_PREFIXES)
    return not ignored


def run_migrations_offline() -> None:
    context.configure(
        url=str(db.engine.url), target_metadata=metadata, literal_binds=True,
        include_object=include_object, render_as_batch=True, compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("compare_type", True)
    conf_args.setdefault("render_as_batch", True)
    with db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=metadata, include_object=include_object,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
