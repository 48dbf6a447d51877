"""consents: current decision per purpose, and the append-only history

Revision ID: f9bb3a1d3059
Revises: cf3258249618
Create Date: 2026-11-29 12:40:48.251930
"""

from alembic import op
import sqlalchemy as sa
import empower_api.db


revision = 'f9bb3a1d3059'
down_revision = 'cf3258249618'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consent_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('purpose', sa.String(length=48), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('decided_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consent_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_consent_events'))
    )
    op.create_index('ix_consent_events_user_purpose_seq', 'consent_events',
                    ['user_id', 'purpose', 'seq'], unique=False)

    op.create_table('consents',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('purpose', sa.String(length=48), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('decided_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'purpose', name=op.f('pk_consents'))
    )


def downgrade() -> None:
    op.drop_table('consents')
    op.drop_index('ix_consent_events_user_purpose_seq', table_name='consent_events')
    op.drop_table('consent_events')
