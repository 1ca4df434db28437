"""payments: payment attempts and transfer proofs, Stripe events, refunds, the escrow ledger, payouts, the sentras'
payment settings and the IKMs' bank accounts; a checkout waits while a payment is checked

Revision ID: 0011_payments
Revises: 0010_orders
Create Date: 2026-12-01 23:24:44.120994

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_payments'
down_revision = '0010_orders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stripe_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=80), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_event')),
    sa.UniqueConstraint('event_id', name=op.f('uq_stripe_event_event_id'))
    )
    op.create_table('ikm_bank_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('bank_name', sa.String(length=80), nullable=False),
    sa.Column('account_number', sa.String(length=30), nullable=False),
    sa.Column('account_holder', sa.String(length=120), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_ikm_bank_account_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_ikm_bank_account_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ikm_bank_account')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_ikm_bank_account_organization_id'))
    )
    op.create_table('payout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('sentra_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('amount_idr', sa.BigInteger(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('bank_reference', sa.String(length=120), nullable=False),
    sa.Column('bank_account', sa.String(length=300), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('status_note', sa.String(length=1000), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('recorded', 'voided')", name=op.f('ck_payout_payout_status')),
    sa.CheckConstraint('amount_idr > 0', name=op.f('ck_payout_payout_amount_positive')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_payout_organization_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_payout_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sentra_id'], ['sentra.id'], name=op.f('fk_payout_sentra_id_sentra'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout'))
    )
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_sentra_id'), ['sentra_id'], unique=False)

    op.create_table('sentra_payment_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sentra_id', sa.Integer(), nullable=False),
    sa.Column('platform_fee_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('bank_name', sa.String(length=80), nullable=False),
    sa.Column('account_number', sa.String(length=30), nullable=False),
    sa.Column('account_holder', sa.String(length=120), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('platform_fee_pct >= 0 AND platform_fee_pct < 100', name=op.f('ck_sentra_payment_settings_platform_fee_pct_range')),
    sa.ForeignKeyConstraint(['sentra_id'], ['sentra.id'], name=op.f('fk_sentra_payment_settings_sentra_id_sentra'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_sentra_payment_settings_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sentra_payment_settings')),
    sa.UniqueConstraint('sentra_id', name=op.f('uq_sentra_payment_settings_sentra_id'))
    )
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkout_id', sa.Integer(), nullable=False),
    sa.Column('sentra_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('amount_idr', sa.BigInteger(), nullable=False),
    sa.Column('paid_amount_idr', sa.BigInteger(), nullable=True),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('stripe_session_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_session_url', sa.String(length=1000), nullable=True),
    sa.Column('stripe_payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('status_note', sa.String(length=1000), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("method IN ('bank_transfer', 'stripe')", name=op.f('ck_payment_payment_method')),
    sa.CheckConstraint("status IN ('pending', 'submitted', 'succeeded', 'failed', 'flagged', 'cancelled')", name=op.f('ck_payment_payment_status')),
    sa.CheckConstraint('amount_idr > 0 AND (paid_amount_idr IS NULL OR paid_amount_idr >= 0)', name=op.f('ck_payment_amounts')),
    sa.ForeignKeyConstraint(['checkout_id'], ['checkout.id'], name=op.f('fk_payment_checkout_id_checkout'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_payment_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sentra_id'], ['sentra.id'], name=op.f('fk_payment_sentra_id_sentra'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('checkout_id', 'method', 'attempt', name='one_payment_per_attempt'),
    sa.UniqueConstraint('reference', name=op.f('uq_payment_reference')),
    sa.UniqueConstraint('stripe_payment_intent_id', name=op.f('uq_payment_stripe_payment_intent_id')),
    sa.UniqueConstraint('stripe_session_id', name=op.f('uq_payment_stripe_session_id'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_checkout_id'), ['checkout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_payment_one_success', ['checkout_id'], unique=True, sqlite_where=sa.text("status = 'succeeded'"), postgresql_where=sa.text("status = 'succeeded'"))
        batch_op.create_index(batch_op.f('ix_payment_sentra_id'), ['sentra_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_status'), ['status'], unique=False)

    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sentra_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_idr', sa.BigInteger(), nullable=False),
    sa.Column('checkout_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('payout_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'received' AND checkout_id IS NOT NULL) OR (kind IN ('held', 'released', 'fee', 'refund') AND order_id IS NOT NULL) OR (kind IN ('payout', 'payout_voided') AND payout_id IS NOT NULL)", name=op.f('ck_ledger_entry_entry_names_its_object')),
    sa.CheckConstraint("kind IN ('received', 'held', 'released', 'fee', 'refund', 'payout', 'payout_voided')", name=op.f('ck_ledger_entry_entry_kind')),
    sa.CheckConstraint('amount_idr > 0', name=op.f('ck_ledger_entry_entry_amount_positive')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_ledger_entry_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['checkout_id'], ['checkout.id'], name=op.f('fk_ledger_entry_checkout_id_checkout'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_ledger_entry_order_id_customer_order'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_ledger_entry_organization_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payout_id'], ['payout.id'], name=op.f('fk_ledger_entry_payout_id_payout'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sentra_id'], ['sentra.id'], name=op.f('fk_ledger_entry_sentra_id_sentra'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_checkout_id'), ['checkout_id'], unique=False)
        batch_op.create_index('ix_ledger_entry_once_per_checkout', ['checkout_id'], unique=True, sqlite_where=sa.text("kind = 'received'"), postgresql_where=sa.text("kind = 'received'"))
        batch_op.create_index('ix_ledger_entry_once_per_order', ['order_id', 'kind'], unique=True, sqlite_where=sa.text('order_id IS NOT NULL'), postgresql_where=sa.text('order_id IS NOT NULL'))
        batch_op.create_index('ix_ledger_entry_once_per_payout', ['payout_id', 'kind'], unique=True, sqlite_where=sa.text('payout_id IS NOT NULL'), postgresql_where=sa.text('payout_id IS NOT NULL'))
        batch_op.create_index(batch_op.f('ix_ledger_entry_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_payout_id'), ['payout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_sentra_id'), ['sentra_id'], unique=False)

    op.create_table('refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('sentra_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('amount_idr', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=True),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('bank_reference', sa.String(length=120), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('status_note', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("method IN ('bank_transfer', 'stripe')", name=op.f('ck_refund_refund_method')),
    sa.CheckConstraint("status IN ('due', 'pending', 'succeeded', 'failed')", name=op.f('ck_refund_refund_status')),
    sa.CheckConstraint('amount_idr > 0', name=op.f('ck_refund_refund_amount_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_refund_order_id_customer_order'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_refund_payment_id_payment'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_refund_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sentra_id'], ['sentra.id'], name=op.f('fk_refund_sentra_id_sentra'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund')),
    sa.UniqueConstraint('order_id', name=op.f('uq_refund_order_id')),
    sa.UniqueConstraint('stripe_refund_id', name=op.f('uq_refund_stripe_refund_id'))
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_sentra_id'), ['sentra_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_status'), ['status'], unique=False)

    op.create_table('transfer_proof',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rejected_reason', sa.String(length=1000), nullable=True),
    sa.CheckConstraint("content_type IN ('image/webp', 'application/pdf')", name=op.f('ck_transfer_proof_proof_type')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_transfer_proof_payment_id_payment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_transfer_proof_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_proof')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_transfer_proof_storage_key'))
    )
    with op.batch_alter_table('transfer_proof', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_proof_payment_id'), ['payment_id'], unique=False)

    with op.batch_alter_table('checkout', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_check_since', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('checkout', schema=None) as batch_op:
        batch_op.drop_column('payment_check_since')

    with op.batch_alter_table('transfer_proof', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_proof_payment_id'))

    op.drop_table('transfer_proof')
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_status'))
        batch_op.drop_index(batch_op.f('ix_refund_sentra_id'))
        batch_op.drop_index(batch_op.f('ix_refund_payment_id'))
        batch_op.drop_index(batch_op.f('ix_refund_created_at'))

    op.drop_table('refund')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_sentra_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_payout_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_organization_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_order_id'))
        batch_op.drop_index('ix_ledger_entry_once_per_payout', sqlite_where=sa.text('payout_id IS NOT NULL'), postgresql_where=sa.text('payout_id IS NOT NULL'))
        batch_op.drop_index('ix_ledger_entry_once_per_order', sqlite_where=sa.text('order_id IS NOT NULL'), postgresql_where=sa.text('order_id IS NOT NULL'))
        batch_op.drop_index('ix_ledger_entry_once_per_checkout', sqlite_where=sa.text("kind = 'received'"), postgresql_where=sa.text("kind = 'received'"))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_checkout_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_at'))

    op.drop_table('ledger_entry')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_status'))
        batch_op.drop_index(batch_op.f('ix_payment_sentra_id'))
        batch_op.drop_index('ix_payment_one_success', sqlite_where=sa.text("status = 'succeeded'"), postgresql_where=sa.text("status = 'succeeded'"))
        batch_op.drop_index(batch_op.f('ix_payment_created_at'))
        batch_op.drop_index(batch_op.f('ix_payment_checkout_id'))

    op.drop_table('payment')
    op.drop_table('sentra_payment_settings')
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_sentra_id'))
        batch_op.drop_index(batch_op.f('ix_payout_organization_id'))
        batch_op.drop_index(batch_op.f('ix_payout_created_at'))

    op.drop_table('payout')
    op.drop_table('ikm_bank_account')
    op.drop_table('stripe_event')
