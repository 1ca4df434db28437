"""accounts: organization.public_phone, the business phone / WhatsApp an IKM shows to signed-in buyers

Revision ID: 0009_organization_public_phone
Revises: 0008_product_type_name_en
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_organization_public_phone'
down_revision = '0008_product_type_name_en'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: no IKM publishes a number until it chooses to (its `phone` stays for the platform only).
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_phone', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('public_phone')
