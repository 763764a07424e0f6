"""the share of an order given back when some portraits could not be made"""

import sqlalchemy as sa

from shared.migrations import add_columns, reversible

revision = "0005"
down_revision = "0004"

upgrade, downgrade = reversible(
    add_columns("customer_order", sa.Column("refunded_minor", sa.Integer(), nullable=True))
)
