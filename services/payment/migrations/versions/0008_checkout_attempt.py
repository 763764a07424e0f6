"""customer_order.checkout_attempt: the attempt in Stripe's idempotency key"""

import sqlalchemy as sa

from shared.migrations import add_columns, reversible

revision = "0008"
down_revision = "0007"

upgrade, downgrade = reversible(
    add_columns(
        "customer_order",
        sa.Column("checkout_attempt", sa.Integer(), nullable=False, server_default="1"),
    )
)
