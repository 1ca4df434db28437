"""orders: carts, checkouts, orders with their lines, timeline and shipments, reviews, notifications, buyers'
delivery addresses and the sentras' delivery tariffs

Revision ID: 0010_orders
Revises: 0009_organization_public_phone
Create Date: 2026-12-01 20:15:01.232881

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_orders'
down_revision = '0009_organization_public_phone'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delivery_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('recipient', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('regency', sa.String(length=120), nullable=False),
    sa.Column('province', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_delivery_address_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_address'))
    )
    with op.batch_alter_table('delivery_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_address_organization_id'), ['organization_id'], unique=False)

    op.create_table('checkout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('buyer_organization_id', sa.Integer(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total_idr', sa.BigInteger(), nullable=False),
    sa.Column('po_number', sa.String(length=60), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pay_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payment_reference', sa.String(length=120), nullable=True),
    sa.CheckConstraint("status IN ('awaiting_payment', 'paid', 'expired', 'cancelled')", name=op.f('ck_checkout_checkout_status')),
    sa.CheckConstraint('total_idr >= 0', name=op.f('ck_checkout_checkout_total_not_negative')),
    sa.ForeignKeyConstraint(['buyer_organization_id'], ['organization.id'], name=op.f('fk_checkout_buyer_organization_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['placed_by_id'], ['user_account.id'], name=op.f('fk_checkout_placed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkout')),
    sa.UniqueConstraint('number', name=op.f('uq_checkout_number'))
    )
    with op.batch_alter_table('checkout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkout_buyer_organization_id'), ['buyer_organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkout_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkout_status'), ['status'], unique=False)

    op.create_table('delivery_tariff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sentra_id', sa.Integer(), nullable=False),
    sa.Column('base_fee_idr', sa.BigInteger(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('base_fee_idr >= 0', name=op.f('ck_delivery_tariff_base_fee_not_negative')),
    sa.ForeignKeyConstraint(['sentra_id'], ['sentra.id'], name=op.f('fk_delivery_tariff_sentra_id_sentra'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_delivery_tariff_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_tariff')),
    sa.UniqueConstraint('sentra_id', name=op.f('uq_delivery_tariff_sentra_id'))
    )
    op.create_table('customer_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('checkout_id', sa.Integer(), nullable=False),
    sa.Column('seller_organization_id', sa.Integer(), nullable=False),
    sa.Column('buyer_organization_id', sa.Integer(), nullable=False),
    sa.Column('sentra_id', sa.Integer(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.String(length=1000), nullable=True),
    sa.Column('delivery_method', sa.String(length=10), nullable=False),
    sa.Column('delivery_address', sa.String(length=800), nullable=False),
    sa.Column('delivery_address_id', sa.Integer(), nullable=True),
    sa.Column('seller_is_pkp', sa.Boolean(), nullable=False),
    sa.Column('subtotal_idr', sa.BigInteger(), nullable=False),
    sa.Column('delivery_fee_idr', sa.BigInteger(), nullable=False),
    sa.Column('ppn_idr', sa.BigInteger(), nullable=False),
    sa.Column('ppn_rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('total_idr', sa.BigInteger(), nullable=False),
    sa.Column('refund_due_idr', sa.BigInteger(), nullable=False),
    sa.Column('po_number', sa.String(length=60), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('delivery_note_number', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("delivery_method IN ('pickup', 'delivery')", name=op.f('ck_customer_order_delivery_method')),
    sa.CheckConstraint("status IN ('awaiting_payment', 'paid', 'accepted', 'ready', 'shipped', 'delivered', 'completed', 'cancelled', 'rejected', 'disputed', 'refunded')", name=op.f('ck_customer_order_order_status')),
    sa.CheckConstraint('ppn_rate >= 0 AND ppn_rate < 1', name=op.f('ck_customer_order_ppn_rate_fraction')),
    sa.CheckConstraint('refund_due_idr <= total_idr', name=op.f('ck_customer_order_refund_at_most_total')),
    sa.CheckConstraint('subtotal_idr >= 0 AND delivery_fee_idr >= 0 AND ppn_idr >= 0 AND refund_due_idr >= 0', name=op.f('ck_customer_order_order_amounts_not_negative')),
    sa.CheckConstraint('total_idr = subtotal_idr + delivery_fee_idr + ppn_idr', name=op.f('ck_customer_order_order_total_adds_up')),
    sa.ForeignKeyConstraint(['buyer_organization_id'], ['organization.id'], name=op.f('fk_customer_order_buyer_organization_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['checkout_id'], ['checkout.id'], name=op.f('fk_customer_order_checkout_id_checkout'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['delivery_address_id'], ['delivery_address.id'], name=op.f('fk_customer_order_delivery_address_id_delivery_address'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['placed_by_id'], ['user_account.id'], name=op.f('fk_customer_order_placed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seller_organization_id'], ['organization.id'], name=op.f('fk_customer_order_seller_organization_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sentra_id'], ['sentra.id'], name=op.f('fk_customer_order_sentra_id_sentra'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_order')),
    sa.UniqueConstraint('number', name=op.f('uq_customer_order_number'))
    )
    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_order_buyer_organization_id'), ['buyer_organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_order_checkout_id'), ['checkout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_order_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_order_seller_organization_id'), ['seller_organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_order_sentra_id'), ['sentra_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_order_status'), ['status'], unique=False)

    op.create_table('delivery_unit_fee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tariff_id', sa.Integer(), nullable=False),
    sa.Column('product_type_id', sa.Integer(), nullable=False),
    sa.Column('fee_per_unit_idr', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('fee_per_unit_idr >= 0', name=op.f('ck_delivery_unit_fee_unit_fee_not_negative')),
    sa.ForeignKeyConstraint(['product_type_id'], ['product_type.id'], name=op.f('fk_delivery_unit_fee_product_type_id_product_type'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tariff_id'], ['delivery_tariff.id'], name=op.f('fk_delivery_unit_fee_tariff_id_delivery_tariff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_unit_fee')),
    sa.UniqueConstraint('tariff_id', 'product_type_id', name='uq_delivery_unit_fee')
    )
    op.create_table('cart_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('seen_unit_price_idr', sa.BigInteger(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_cart_item_quantity_positive')),
    sa.CheckConstraint('seen_unit_price_idr > 0', name=op.f('ck_cart_item_seen_price_positive')),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_cart_item_listing_id_listing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_cart_item_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_item')),
    sa.UniqueConstraint('user_id', 'listing_id', name='uq_cart_item_user_listing')
    )
    with op.batch_alter_table('cart_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_item_user_id'), ['user_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_notification_order_id_customer_order'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('order_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_order_event_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_order_event_order_id_customer_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_event'))
    )
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_event_order_id'), ['order_id'], unique=False)

    op.create_table('order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('product_type_id', sa.Integer(), nullable=False),
    sa.Column('product_name', sa.String(length=160), nullable=False),
    sa.Column('listing_title', sa.String(length=160), nullable=False),
    sa.Column('unit', sa.String(length=4), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit_price_idr', sa.BigInteger(), nullable=False),
    sa.Column('line_total_idr', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_line_line_quantity_positive')),
    sa.CheckConstraint('unit_price_idr > 0 AND line_total_idr > 0', name=op.f('ck_order_line_line_amounts_positive')),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_order_line_listing_id_listing'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_order_line_order_id_customer_order'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_type_id'], ['product_type.id'], name=op.f('fk_order_line_product_type_id_product_type'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_line'))
    )
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_line_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_line_order_id'), ['order_id'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('seller_organization_id', sa.Integer(), nullable=False),
    sa.Column('buyer_organization_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_review_rating_1_to_5')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_review_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['buyer_organization_id'], ['organization.id'], name=op.f('fk_review_buyer_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_review_order_id_customer_order'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_organization_id'], ['organization.id'], name=op.f('fk_review_seller_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
    sa.UniqueConstraint('order_id', name=op.f('uq_review_order_id'))
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_seller_organization_id'), ['seller_organization_id'], unique=False)

    op.create_table('shipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('delivery_note_number', sa.String(length=60), nullable=False),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_shipment_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_shipment_order_id_customer_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment'))
    )
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_order_id'), ['order_id'], unique=False)



def downgrade():
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_order_id'))

    op.drop_table('shipment')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_seller_organization_id'))

    op.drop_table('review')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_line_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_line_listing_id'))

    op.drop_table('order_line')
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_event_order_id'))

    op.drop_table('order_event')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_unread')

    op.drop_table('notification')
    with op.batch_alter_table('cart_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_item_user_id'))

    op.drop_table('cart_item')
    op.drop_table('delivery_unit_fee')
    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_order_status'))
        batch_op.drop_index(batch_op.f('ix_customer_order_sentra_id'))
        batch_op.drop_index(batch_op.f('ix_customer_order_seller_organization_id'))
        batch_op.drop_index(batch_op.f('ix_customer_order_created_at'))
        batch_op.drop_index(batch_op.f('ix_customer_order_checkout_id'))
        batch_op.drop_index(batch_op.f('ix_customer_order_buyer_organization_id'))

    op.drop_table('customer_order')
    op.drop_table('delivery_tariff')
    with op.batch_alter_table('checkout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkout_status'))
        batch_op.drop_index(batch_op.f('ix_checkout_created_at'))
        batch_op.drop_index(batch_op.f('ix_checkout_buyer_organization_id'))

    op.drop_table('checkout')
    with op.batch_alter_table('delivery_address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_address_organization_id'))

    op.drop_table('delivery_address')
