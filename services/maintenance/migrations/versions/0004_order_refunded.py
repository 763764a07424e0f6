"""order_view.refunded: an order delivered short of its pack is settled by its refund"""

import sqlalchemy as sa

from shared.migrations import add_columns, backfill, reversible

revision = "0004"
down_revision = "0003"

upgrade, downgrade = reversible(
    add_columns(
        "order_view",
        sa.Column("refunded", sa.Boolean(), nullable=False, server_default=sa.false()),
    ),
    backfill(
        "UPDATE order_view SET refunded = TRUE WHERE order_id IN"
        " (SELECT order_id FROM order_event WHERE topic = 'payment.refunded')"
    ),
)
