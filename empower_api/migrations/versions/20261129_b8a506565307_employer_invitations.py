"""jobs: invitations to join an employer (replace adding members by e-mail)

Only the invited address's blind index is stored.

Revision ID: b8a506565307
Revises: 16c161da95ed
Create Date: 2026-11-29 13:20:08.417977
"""

import sqlalchemy as sa
from alembic import op

import empower_api.db

revision = 'b8a506565307'
down_revision = '16c161da95ed'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('employer_invitations',
    sa.Column('employer_id', sa.Uuid(), nullable=False),
    sa.Column('email_index', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_employer_invitations_employer_id_employers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_employer_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_invitations')),
    sa.UniqueConstraint('employer_id', 'email_index', name=op.f('uq_employer_invitations_employer_id_email_index'))
    )
    with op.batch_alter_table('employer_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_invitations_email_index'), ['email_index'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('employer_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_invitations_email_index'))

    op.drop_table('employer_invitations')
