"""countries: employers and postings carry an ISO 3166-1 alpha-2 country

Existing employers and postings get ``DEFAULT_COUNTRY``, read from the environment
with the same fallback (``US``) and the same check as the app's configuration: set
it before upgrading a deployment outside the United States. A value that is not a
country stops the migration before anything changes.

The column is added with that country as its server default, which fills every
existing row in place (PostgreSQL 11+ does not rewrite the table). On PostgreSQL the
default is then dropped: new rows get their country from the service, never
silently from the database. SQLite cannot drop a default without copying the table,
and copying ``employers`` or ``jobs`` with foreign keys on would cascade into every
table that refers to them, so on SQLite the default stays (the application never
relies on it; every insert names the country).

Revision ID: 3c5e1a7b9d20
Revises: 80f782ca7d58
Create Date: 2026-11-29 15:40:00.000000
"""

import os

from alembic import op
import sqlalchemy as sa

from empower_api.countries import default_country_setting

revision = '3c5e1a7b9d20'
down_revision = '80f782ca7d58'
branch_labels = None
depends_on = None


def upgrade() -> None:
    default = default_country_setting(os.environ)  # ValueError: nothing has changed yet
    for table in ("employers", "jobs"):
        # A plain ADD COLUMN: a batch (table copy) would drop the SQLite FTS triggers.
        op.add_column(table, sa.Column('country', sa.String(length=2), nullable=False,
                                       server_default=default))
        if op.get_bind().dialect.name != "sqlite":
            op.alter_column(table, 'country', existing_type=sa.String(length=2),
                            existing_nullable=False, server_default=None)
    op.create_index('ix_jobs_country_newest', 'jobs',
                    ['country', 'status', 'published_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_jobs_country_newest', table_name='jobs')
    for table in ("jobs", "employers"):
        # Native DROP COLUMN on both engines (SQLite 3.35+): no table copy.
        op.drop_column(table, 'country')
