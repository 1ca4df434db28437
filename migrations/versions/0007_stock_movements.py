"""catalog: stock_movement explains every change of a listing's stock; each listing starts with an 'initial' one

Revision ID: 0007_stock_movements
Revises: 0006_user_sessions
Create Date: 2026-12-08 10:00:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_stock_movements'
down_revision = '0006_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stock_movement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('stock_after', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stock_after >= 0', name=op.f('ck_stock_movement_stock_after_not_negative')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_stock_movement_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_stock_movement_listing_id_listing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movement'))
    )
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movement_listing_id'), ['listing_id'], unique=False)

    # Every listing's stock so far is explained by one 'initial' movement: from here on, a listing's movements add
    # up to its stock. Stamped with the time of the migration (UTC; SQLite keeps it naive, as UTCDateTime does).
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    if bind.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)
    bind.execute(
        sa.text(
            "INSERT INTO stock_movement (listing_id, delta, stock_after, reason, actor_id, created_at)"
            " SELECT id, stock, stock, 'initial', NULL, :now FROM listing ORDER BY id"
        ).bindparams(sa.bindparam('now', value=now, type_=sa.DateTime(timezone=True)))
    )


def downgrade():
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_movement_listing_id'))

    op.drop_table('stock_movement')
