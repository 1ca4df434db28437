"""accounts: server-side sign-ins (user_session) replace user_account.session_version; organization.pending_email; photo keys indexed

Revision ID: 0006_user_sessions
Revises: 0005_submission_tokens
Create Date: 2026-12-01 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_user_sessions'
down_revision = '0005_submission_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=20), nullable=True),
    sa.CheckConstraint('(ended_at IS NULL) = (ended_reason IS NULL)', name=op.f('ck_user_session_ended_with_reason')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_session_key_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_email', sa.String(length=254), nullable=True))

    # /media/ looks a photo up by its key to decide whether it may be shown.
    with op.batch_alter_table('listing_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_photo_display_key'), ['display_key'], unique=True)
        batch_op.create_index(batch_op.f('ix_listing_photo_thumb_key'), ['thumb_key'], unique=True)

    # Every sign-in made before this release ends: its cookie names a session version, not a sign-in.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')


def downgrade():
    with op.batch_alter_table('listing_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_photo_thumb_key'))
        batch_op.drop_index(batch_op.f('ix_listing_photo_display_key'))

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('pending_email')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
