"""languages: a user's preferred locale, and translated credential descriptions

``users.locale`` (a shipped BCP 47 tag, or null: the device's Accept-Language
decides) and ``courses.credential_description_translations`` ({tag: text}, empty
for existing courses).

Revision ID: 3e7a1c9d5b20
Revises: 3c5e9a7d1b20
Create Date: 2026-11-29 15:50:00.000000
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '3e7a1c9d5b20'
down_revision = '3c5e9a7d1b20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'credential_description_translations',
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
            server_default='{}', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('credential_description_translations')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
