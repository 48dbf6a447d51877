"""Microgrants: programs, applications, decisions, caseloads, payout accounts,
disbursements (outbox) and their attempts, Stripe events, grievances, check-ins

Revision ID: cf3258249618
Revises: 25c8907ac323
Create Date: 2026-11-29 12:42:16.515687
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql
import empower_api.db
import empower_api.security.crypto


revision = 'cf3258249618'
down_revision = '25c8907ac323'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('grant_stripe_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=80), nullable=False),
    sa.Column('object_id', sa.String(length=255), nullable=True),
    sa.Column('received_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_stripe_events'))
    )
    op.create_table('grant_caseloads',
    sa.Column('staff_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['users.id'], name=op.f('fk_grant_caseloads_staff_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grant_caseloads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_caseloads')),
    sa.UniqueConstraint('staff_id', 'user_id', name=op.f('uq_grant_caseloads_staff_id_user_id'))
    )
    with op.batch_alter_table('grant_caseloads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_caseloads_user_id'), ['user_id'], unique=False)

    op.create_table('grant_payout_accounts',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stripe_account_id', sa.String(length=64), nullable=True),
    sa.Column('mobile_money_phone', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('mobile_money_index', sa.String(length=64), nullable=True),
    sa.Column('stripe_event_created', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grant_payout_accounts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_payout_accounts')),
    sa.UniqueConstraint('stripe_account_id', name=op.f('uq_grant_payout_accounts_stripe_account_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_grant_payout_accounts_user_id'))
    )
    with op.batch_alter_table('grant_payout_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_payout_accounts_mobile_money_index'), ['mobile_money_index'], unique=False)

    op.create_table('grant_programs',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('budget_amount', sa.BigInteger(), nullable=False),
    sa.Column('max_award_amount', sa.BigInteger(), nullable=False),
    sa.Column('dual_approval_threshold_amount', sa.BigInteger(), nullable=False),
    sa.Column('opens_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('awards_per_survivor', sa.Integer(), nullable=False),
    sa.Column('eligibility_questions', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('awards_per_survivor >= 1', name=op.f('ck_grant_programs_awards_cap_positive')),
    sa.CheckConstraint('budget_amount >= 0', name=op.f('ck_grant_programs_budget_nonnegative')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_grant_programs_window_ordered')),
    sa.CheckConstraint('dual_approval_threshold_amount >= 0', name=op.f('ck_grant_programs_threshold_nonnegative')),
    sa.CheckConstraint('max_award_amount > 0', name=op.f('ck_grant_programs_max_award_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_grant_programs_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_programs'))
    )
    op.create_table('grant_applications',
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('applicant_id', sa.Uuid(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('requested_amount', sa.BigInteger(), nullable=False),
    sa.Column('approved_amount', sa.BigInteger(), nullable=True),
    sa.Column('purpose', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('plan', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('answers', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('plan_simhash', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('decision_note', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('decided_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_approver_id', sa.Uuid(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('flags_overridden_by_id', sa.Uuid(), nullable=True),
    sa.Column('flags_override_reason', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('requested_amount > 0', name=op.f('ck_grant_applications_requested_positive')),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_grant_applications_applicant_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_grant_applications_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_approver_id'], ['users.id'], name=op.f('fk_grant_applications_first_approver_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['flags_overridden_by_id'], ['users.id'], name=op.f('fk_grant_applications_flags_overridden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['grant_programs.id'], name=op.f('fk_grant_applications_program_id_grant_programs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_applications'))
    )
    with op.batch_alter_table('grant_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_applications_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_applications_program_id'), ['program_id'], unique=False)
        batch_op.create_index('ix_grant_applications_status_created', ['status', 'created_at', 'id'], unique=False)

    op.create_table('grant_decisions',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('staff_id', sa.Uuid(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('note', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], name=op.f('fk_grant_decisions_application_id_grant_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['users.id'], name=op.f('fk_grant_decisions_staff_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_decisions'))
    )
    with op.batch_alter_table('grant_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_decisions_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_decisions_staff_id'), ['staff_id'], unique=False)

    op.create_table('grant_disbursements',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('recipient_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('provider_reference', sa.String(length=64), nullable=True),
    sa.Column('failure_reason', sa.String(length=200), nullable=True),
    sa.Column('failure_definitive', sa.Boolean(), nullable=False),
    sa.Column('next_attempt_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claim_token', sa.Uuid(), nullable=True),
    sa.Column('claimed_until', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('transfer_seen', sa.Boolean(), nullable=False),
    sa.Column('reversed_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_by_id', sa.Uuid(), nullable=True),
    sa.Column('manual_reference', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_grant_disbursements_amount_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], name=op.f('fk_grant_disbursements_application_id_grant_applications')),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_grant_disbursements_paid_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['grant_programs.id'], name=op.f('fk_grant_disbursements_program_id_grant_programs')),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_grant_disbursements_recipient_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_disbursements')),
    sa.UniqueConstraint('application_id', name=op.f('uq_grant_disbursements_application_id'))
    )
    with op.batch_alter_table('grant_disbursements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_disbursements_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_disbursements_provider_reference'), ['provider_reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_disbursements_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index('ix_grant_disbursements_status_created', ['status', 'created_at', 'id'], unique=False)

    op.create_table('grant_grievances',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('about', sa.String(length=16), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=True),
    sa.Column('details', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolution_note', empower_api.security.crypto.EncryptedText(), nullable=True),
    sa.Column('handled_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], name=op.f('fk_grant_grievances_application_id_grant_applications')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_grant_grievances_handled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grant_grievances_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_grievances'))
    )
    with op.batch_alter_table('grant_grievances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_grievances_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_grievances_user_id'), ['user_id'], unique=False)

    op.create_table('grant_check_ins',
    sa.Column('disbursement_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_in_full', sa.Boolean(), nullable=True),
    sa.Column('kept_all', sa.Boolean(), nullable=True),
    sa.Column('grievance_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['disbursement_id'], ['grant_disbursements.id'], name=op.f('fk_grant_check_ins_disbursement_id_grant_disbursements')),
    sa.ForeignKeyConstraint(['grievance_id'], ['grant_grievances.id'], name=op.f('fk_grant_check_ins_grievance_id_grant_grievances'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grant_check_ins_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_check_ins')),
    sa.UniqueConstraint('disbursement_id', name=op.f('uq_grant_check_ins_disbursement_id'))
    )
    with op.batch_alter_table('grant_check_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_check_ins_user_id'), ['user_id'], unique=False)

    op.create_table('grant_disbursement_attempts',
    sa.Column('disbursement_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('error_code', sa.String(length=80), nullable=True),
    sa.Column('started_at', empower_api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', empower_api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['disbursement_id'], ['grant_disbursements.id'], name=op.f('fk_grant_disbursement_attempts_disbursement_id_grant_disbursements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_disbursement_attempts'))
    )
    with op.batch_alter_table('grant_disbursement_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_disbursement_attempts_disbursement_id'), ['disbursement_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('grant_disbursement_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_disbursement_attempts_disbursement_id'))

    op.drop_table('grant_disbursement_attempts')
    with op.batch_alter_table('grant_check_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_check_ins_user_id'))

    op.drop_table('grant_check_ins')
    with op.batch_alter_table('grant_grievances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_grievances_user_id'))
        batch_op.drop_index(batch_op.f('ix_grant_grievances_application_id'))

    op.drop_table('grant_grievances')
    with op.batch_alter_table('grant_disbursements', schema=None) as batch_op:
        batch_op.drop_index('ix_grant_disbursements_status_created')
        batch_op.drop_index(batch_op.f('ix_grant_disbursements_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_grant_disbursements_provider_reference'))
        batch_op.drop_index(batch_op.f('ix_grant_disbursements_program_id'))

    op.drop_table('grant_disbursements')
    with op.batch_alter_table('grant_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_decisions_staff_id'))
        batch_op.drop_index(batch_op.f('ix_grant_decisions_application_id'))

    op.drop_table('grant_decisions')
    with op.batch_alter_table('grant_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_grant_applications_status_created')
        batch_op.drop_index(batch_op.f('ix_grant_applications_program_id'))
        batch_op.drop_index(batch_op.f('ix_grant_applications_applicant_id'))

    op.drop_table('grant_applications')
    op.drop_table('grant_programs')
    with op.batch_alter_table('grant_payout_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_payout_accounts_mobile_money_index'))

    op.drop_table('grant_payout_accounts')
    with op.batch_alter_table('grant_caseloads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_caseloads_user_id'))

    op.drop_table('grant_caseloads')
    op.drop_table('grant_stripe_events')
