"""the photo set an order trains from"""

import sqlalchemy as sa

from shared.migrations import add_columns, reversible

revision = "0002"
down_revision = "0001"

upgrade, downgrade = reversible(
    add_columns(
        "customer_order",
        sa.Column("photo_set", sa.Integer(), nullable=False, server_default="1"),
    )
)
