"""two-factor (TOTP seeds, backup codes, log-in challenges), duress passwords with
their decoy accounts, staff deactivation, and the request id of audit events.

Existing staff and admin accounts have no TOTP seed yet: they sign in again after
`flask users reset-mfa --email E` gives them one.

Revision ID: aa33617b0451
Revises: f9bb3a1d3059
Create Date: 2026-11-29 12:41:34.854664
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
import empower_api.db
import empower_api.security.crypto


revision = 'aa33617b0451'
down_revision = 'f9bb3a1d3059'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('duress_passwords',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('decoy_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decoy_user_id'], ['users.id'], name=op.f('fk_duress_passwords_decoy_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_duress_passwords_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_duress_passwords'))
    )
    op.create_table('mfa_backup_codes',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_backup_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mfa_backup_codes'))
    )
    with op.batch_alter_table('mfa_backup_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_backup_codes_user_id'), ['user_id'], unique=False)

    op.create_table('mfa_challenges',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('duress', sa.Boolean(), nullable=False),
    sa.Column('device_label', sa.String(length=80), nullable=False),
    sa.Column('expires_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_challenges_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mfa_challenges')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_mfa_challenges_token_hash'))
    )
    with op.batch_alter_table('mfa_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_challenges_user_id'), ['user_id'], unique=False)

    op.create_table('mfa_secrets',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('secret', empower_api.security.crypto.EncryptedText(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_step', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_secrets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_mfa_secrets'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', empower_api.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('is_decoy', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_decoy')
        batch_op.drop_column('deactivated_at')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('request_id')

    op.drop_table('mfa_secrets')
    with op.batch_alter_table('mfa_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mfa_challenges_user_id'))

    op.drop_table('mfa_challenges')
    with op.batch_alter_table('mfa_backup_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mfa_backup_codes_user_id'))

    op.drop_table('mfa_backup_codes')
    op.drop_table('duress_passwords')
