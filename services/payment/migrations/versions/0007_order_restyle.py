"""customer_order.restyle_of: another style on an earlier order's trained model"""

import sqlalchemy as sa

from shared.migrations import add_columns, reversible

revision = "0007"
down_revision = "0006"

upgrade, downgrade = reversible(
    add_columns("customer_order", sa.Column("restyle_of", sa.String(length=64), nullable=True))
)
