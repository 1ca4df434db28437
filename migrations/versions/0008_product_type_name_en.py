"""catalog: product_type.name_en, the English name of a product type (empty: English pages show the Indonesian one)

Revision ID: 0008_product_type_name_en
Revises: 0007_stock_movements
Create Date: 2026-12-09 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_product_type_name_en'
down_revision = '0007_stock_movements'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable and empty for the product types there are: the search documents stay as they were until an
    # administrator gives a name (saving a product type reindexes its listings).
    with op.batch_alter_table('product_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=160), nullable=True))


def downgrade():
    with op.batch_alter_table('product_type', schema=None) as batch_op:
        batch_op.drop_column('name_en')
