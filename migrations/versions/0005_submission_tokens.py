"""core: one-time submission tokens (double submits create one record)

Revision ID: 0005_submission_tokens
Revises: 0004_price_requests_sanctions
Create Date: 2026-12-01 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_submission_tokens'
down_revision = '0004_price_requests_sanctions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submission_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=True),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(object_type IS NULL) = (object_id IS NULL)', name=op.f('ck_submission_token_object_named_whole')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_submission_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_token')),
    # Also the index of the user's tokens (for ON DELETE CASCADE): user_id comes first.
    sa.UniqueConstraint('user_id', 'token', name=op.f('uq_submission_token_user_id'))
    )


def downgrade():
    op.drop_table('submission_token')
