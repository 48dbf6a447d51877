"""savings: kept balances per account, member and loan, backfilled from the ledger

Each group's account, each member's ``member_shares`` and ``loans_receivable`` and
each loan's ``loans_receivable`` and ``interest_receivable`` get a row holding the
sum of their ledger lines, so no request sums history. The backfill is three
``INSERT … SELECT … GROUP BY`` statements over the existing lines (the same on
SQLite and PostgreSQL); ``flask savings check-ledger`` verifies the result.

Revision ID: 5a7c1e9d2b40
Revises: 3e7a1c9d5b20
Create Date: 2026-11-29 15:50:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '5a7c1e9d2b40'
down_revision = '3e7a1c9d5b20'
branch_labels = None
depends_on = None

# (holder kind, the ledger column naming the holder, accounts kept at that level)
_LEVELS = (
    ("group", "group_id", None),
    ("member", "member_id", ("member_shares", "loans_receivable")),
    ("loan", "loan_id", ("loans_receivable", "interest_receivable")),
)


def upgrade() -> None:
    op.create_table('savings_balances',
    sa.Column('holder_id', sa.Uuid(), nullable=False),
    sa.Column('account', sa.String(length=32), nullable=False),
    sa.Column('group_id', sa.Uuid(), nullable=False),
    sa.Column('holder', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('shares', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['savings_groups.id'], name=op.f('fk_savings_balances_group_id_savings_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('holder_id', 'account', name=op.f('pk_savings_balances'))
    )
    with op.batch_alter_table('savings_balances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_savings_balances_group_id'), ['group_id'], unique=False)

    lines = sa.table('savings_ledger_entries', sa.column('group_id', sa.Uuid()),
                     sa.column('member_id', sa.Uuid()), sa.column('loan_id', sa.Uuid()),
                     sa.column('account', sa.String()), sa.column('amount', sa.BigInteger()),
                     sa.column('shares', sa.Integer()))
    balances = sa.table('savings_balances', sa.column('holder_id'), sa.column('account'),
                        sa.column('group_id'), sa.column('holder'), sa.column('amount'),
                        sa.column('shares'))
    for holder, column, accounts in _LEVELS:
        holder_col = lines.c[column]
        select = sa.select(holder_col, lines.c.account, lines.c.group_id,
                           sa.literal_column(f"'{holder}'"), sa.func.sum(lines.c.amount),
                           sa.func.sum(lines.c.shares)).group_by(
            holder_col, lines.c.account, lines.c.group_id)
        if accounts is not None:
            select = select.where(holder_col.is_not(None), lines.c.account.in_(accounts))
        op.execute(balances.insert().from_select(
            ['holder_id', 'account', 'group_id', 'holder', 'amount', 'shares'], select))


def downgrade() -> None:
    with op.batch_alter_table('savings_balances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_savings_balances_group_id'))

    op.drop_table('savings_balances')
