"""the share of an order given back when some portraits could not be made

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("customer_order") as batch:
        batch.add_column(sa.Column("refunded_minor", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_order") as batch:
        batch.drop_column("refunded_minor")
