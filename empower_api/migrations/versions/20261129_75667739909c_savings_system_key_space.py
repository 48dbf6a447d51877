"""savings: system postings get their own client_id key space (origin)

Interest accrual derived its client_id from the loan and month, in the space officers
write to; an officer who took that id first froze the loan. ``origin`` separates the
two spaces: uniqueness is per (group, origin, client_id). Existing postings without a
request hash were made by the system.

Revision ID: 75667739909c
Revises: af24ee407604
Create Date: 2026-11-29 12:55:48.567062
"""

import sqlalchemy as sa
from alembic import op

revision = '75667739909c'
down_revision = 'af24ee407604'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('savings_transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=8), server_default='client',
                                      nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_savings_transactions_group_id_client_id'),
                                 type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_savings_transactions_group_id_origin_client_id'),
            ['group_id', 'origin', 'client_id'])
    op.execute("UPDATE savings_transactions SET origin = 'system' WHERE request_hash IS NULL")


def downgrade() -> None:
    # Fails if a client and the system used one client_id in a group (then keep this head).
    with op.batch_alter_table('savings_transactions', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_savings_transactions_group_id_origin_client_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_savings_transactions_group_id_client_id'),
                                          ['group_id', 'client_id'])
        batch_op.drop_column('origin')
