"""jobs marketplace

Revision ID: f2165a9c2ca2
Revises: f729f18b7a03
Create Date: 2026-11-28 15:41:00.990016
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
import empower_api.db
import empower_api.security.crypto
from empower_api.jobs.search_ddl import ddl_statements, drop_statements
from sqlalchemy.dialects import postgresql

revision = 'f2165a9c2ca2'
down_revision = 'f729f18b7a03'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('employers',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('region', sa.String(length=80), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('commitments', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('vetting_status', sa.String(length=16), nullable=False),
    sa.Column('vetted_until', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('vetting_decided_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employers'))
    )
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.create_index('ix_employers_vetting', ['vetting_status', 'vetted_until'], unique=False)
    op.create_table('employer_members',
    sa.Column('employer_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('invited_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_employer_members_employer_id_employers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_employer_members_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_employer_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_members')),
    sa.UniqueConstraint('employer_id', 'user_id', name=op.f('uq_employer_members_employer_id_user_id'))
    )
    with op.batch_alter_table('employer_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_members_user_id'), ['user_id'], unique=False)
    op.create_table('jobs',
    sa.Column('employer_id', sa.Uuid(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('employment_type', sa.String(length=16), nullable=False),
    sa.Column('pay_min_amount', sa.BigInteger(), nullable=False),
    sa.Column('pay_max_amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('pay_period', sa.String(length=8), nullable=False),
    sa.Column('region', sa.String(length=80), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('region_key', sa.String(length=80), nullable=False),
    sa.Column('city_key', sa.String(length=80), nullable=False),
    sa.Column('workplace', sa.String(length=8), nullable=False),
    sa.Column('languages', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('skills', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('flexible_schedule', sa.Boolean(), nullable=False),
    sa.Column('background_check', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('published_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_through', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('search_title', sa.Text(), nullable=False),
    sa.Column('search_body', sa.Text(), nullable=False),
    sa.Column('search_facets', sa.Text(), nullable=False),
    sa.Column('search_rowid', sa.BigInteger(), nullable=False),
    sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('pay_max_amount >= pay_min_amount', name=op.f('ck_jobs_pay_range')),
    sa.CheckConstraint('pay_min_amount >= 0', name=op.f('ck_jobs_pay_min_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jobs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_jobs_employer_id_employers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('search_rowid', name=op.f('uq_jobs_search_rowid'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_employer_status', ['employer_id', 'status'], unique=False)
        batch_op.create_index('ix_jobs_public_newest', ['status', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_jobs_public_pay', ['status', 'pay_max_amount', 'id'], unique=False)
        batch_op.create_index('ix_jobs_status_valid_through', ['status', 'valid_through'], unique=False)
    op.create_table('saved_searches',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('last_read_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches'))
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_searches_user_id'), ['user_id'], unique=False)
    op.create_table('saved_jobs',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_saved_jobs_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_jobs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'job_id', name=op.f('pk_saved_jobs'))
    )
    for statement in ddl_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('saved_jobs')
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_searches_user_id'))
    op.drop_table('saved_searches')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_status_valid_through')
        batch_op.drop_index('ix_jobs_public_pay')
        batch_op.drop_index('ix_jobs_public_newest')
        batch_op.drop_index('ix_jobs_employer_status')
    op.drop_table('jobs')
    with op.batch_alter_table('employer_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_members_user_id'))
    op.drop_table('employer_members')
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.drop_index('ix_employers_vetting')
    op.drop_table('employers')
    # ### end Alembic commands ###
