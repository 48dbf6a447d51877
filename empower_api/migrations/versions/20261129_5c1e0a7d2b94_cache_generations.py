"""cache_generations: one row per response-cache scope (jobs, courses)

Bumped in the same transaction as any change to the rows a scope caches
(empower_api.response_cache); a missing row turns that scope's cache off.

Revision ID: 5c1e0a7d2b94
Revises: 5a7c1e9d2b40
Create Date: 2026-11-29 16:15:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '5c1e0a7d2b94'
down_revision = '5a7c1e9d2b40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('cache_generations',
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_cache_generations'))
    )
    op.bulk_insert(table, [{"scope": "jobs", "generation": 0},
                           {"scope": "courses", "generation": 0}])


def downgrade() -> None:
    op.drop_table('cache_generations')
