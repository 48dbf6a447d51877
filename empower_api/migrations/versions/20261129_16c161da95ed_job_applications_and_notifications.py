"""job applications and notifications

Applications (one per survivor per posting: unique job_id + applicant_id), the
employer's internal notes, application messages, survivor feedback on employers,
and the shared notifications feed. Free text and shared snapshots are encrypted.

Revision ID: 16c161da95ed
Revises: aa33617b0451
Create Date: 2026-11-29 12:41:58.496606
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
import empower_api.db
import empower_api.security.crypto
from sqlalchemy.dialects import postgresql

revision = '16c161da95ed'
down_revision = 'aa33617b0451'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_newest', ['user_id', 'created_at', 'id'], unique=False)

    op.create_table('applications',
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('employer_id', sa.Uuid(), nullable=False),
    sa.Column('applicant_id', sa.Uuid(), nullable=True),
    sa.Column('applicant_handle', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('cover_note', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('shared_snapshot', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('history', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('erased_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_applications_applicant_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_applications_employer_id_employers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_applications_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('job_id', 'applicant_id', name=op.f('uq_applications_job_id_applicant_id'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_applicant_newest', ['applicant_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index('ix_applications_job_newest', ['job_id', 'created_at', 'id'], unique=False)

    op.create_table('application_messages',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('sender_id', sa.Uuid(), nullable=True),
    sa.Column('sender_role', sa.String(length=16), nullable=False),
    sa.Column('body', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('erased_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_messages_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_application_messages_sender_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_messages'))
    )
    with op.batch_alter_table('application_messages', schema=None) as batch_op:
        batch_op.create_index('ix_application_messages_order', ['application_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_messages_sender_id'), ['sender_id'], unique=False)

    op.create_table('application_notes',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('body', empower_api.security.crypto.EncryptedText(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_notes_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_application_notes_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_notes'))
    )
    with op.batch_alter_table('application_notes', schema=None) as batch_op:
        batch_op.create_index('ix_application_notes_application', ['application_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_notes_author_id'), ['author_id'], unique=False)

    op.create_table('employer_feedback',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('employer_id', sa.Uuid(), nullable=False),
    sa.Column('commitments_kept', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('kept_count', sa.Integer(), nullable=False),
    sa.Column('rated_count', sa.Integer(), nullable=False),
    sa.Column('comment', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_employer_feedback_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_employer_feedback_employer_id_employers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_feedback')),
    sa.UniqueConstraint('application_id', name=op.f('uq_employer_feedback_application_id'))
    )
    with op.batch_alter_table('employer_feedback', schema=None) as batch_op:
        batch_op.create_index('ix_employer_feedback_employer', ['employer_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('employer_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_employer_feedback_employer')

    op.drop_table('employer_feedback')
    with op.batch_alter_table('application_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_notes_author_id'))
        batch_op.drop_index('ix_application_notes_application')

    op.drop_table('application_notes')
    with op.batch_alter_table('application_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_messages_sender_id'))
        batch_op.drop_index('ix_application_messages_order')

    op.drop_table('application_messages')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_job_newest')
        batch_op.drop_index(batch_op.f('ix_applications_employer_id'))
        batch_op.drop_index('ix_applications_applicant_newest')

    op.drop_table('applications')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_newest')

    op.drop_table('notifications')
