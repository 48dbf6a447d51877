"""moderation: posting categories, reports, moderation queue, blocks and exclusions

Existing postings get category ``other`` and its SQLite facet token (the FTS
trigger re-indexes the rows it touches).

Revision ID: 80f782ca7d58
Revises: b8a506565307
Create Date: 2026-11-29 12:41:17.072308
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
import empower_api.db
import empower_api.security.crypto
from sqlalchemy.dialects import postgresql

from empower_api.jobs import search_ddl

revision = '80f782ca7d58'
down_revision = 'b8a506565307'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('category_exclusions',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_category_exclusions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'category', name=op.f('pk_category_exclusions'))
    )
    op.create_table('employer_blocks',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('employer_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_employer_blocks_employer_id_employers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_employer_blocks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'employer_id', name=op.f('pk_employer_blocks'))
    )
    with op.batch_alter_table('employer_blocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_blocks_employer_id'), ['employer_id'], unique=False)

    op.create_table('job_reports',
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('reporter_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('details', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_reports_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_job_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_reports')),
    sa.UniqueConstraint('job_id', 'reporter_id', name='uq_job_reports_reporter')
    )
    with op.batch_alter_table('job_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_reports_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_reports_reporter_id'), ['reporter_id'], unique=False)

    op.create_table('moderation_cases',
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('employer_id', sa.Uuid(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('signals', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('note', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_moderation_cases_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_moderation_cases_employer_id_employers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_moderation_cases_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_cases'))
    )
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_cases_employer', ['employer_id', 'state', 'decided_at'], unique=False)
        batch_op.create_index('ix_moderation_cases_queue', ['state', 'created_at', 'id'], unique=False)
        batch_op.create_index('uq_moderation_cases_pending', ['job_id'], unique=True, sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))

    # A plain ADD COLUMN: a batch (table copy) would drop the SQLite FTS triggers.
    op.add_column('jobs', sa.Column('category', sa.String(length=24), server_default='other', nullable=False))
    op.execute("UPDATE jobs SET search_facets = search_facets || ' xkother'")


def downgrade() -> None:
    op.execute("UPDATE jobs SET search_facets = replace(search_facets, ' xk' || replace(category, '_', ''), '')")
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('category')
    # Dropping a column copies the table on SQLite, which loses the search triggers.
    for statement in search_ddl.ddl_statements(op.get_bind().dialect.name):
        op.execute(statement)

    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.drop_index('uq_moderation_cases_pending', sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))
        batch_op.drop_index('ix_moderation_cases_queue')
        batch_op.drop_index('ix_moderation_cases_employer')

    op.drop_table('moderation_cases')
    with op.batch_alter_table('job_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_reports_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_job_reports_job_id'))

    op.drop_table('job_reports')
    with op.batch_alter_table('employer_blocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_blocks_employer_id'))

    op.drop_table('employer_blocks')
    op.drop_table('category_exclusions')
