"""customer_order.restyle_of: another style on an earlier order's trained model

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("customer_order") as batch:
        batch.add_column(sa.Column("restyle_of", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_order") as batch:
        batch.drop_column("restyle_of")
