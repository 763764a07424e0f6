"""orders and payment events"""

import sqlalchemy as sa

from shared.migrations import create_index, create_table, reversible

revision = "0001"
down_revision = None

upgrade, downgrade = reversible(
    create_table(
        "customer_order",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_address", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("pack_code", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("session_id", sa.String(length=255), nullable=True),
        sa.Column("session_url", sa.String(length=1024), nullable=True),
        sa.Column("payment_intent", sa.String(length=255), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_order"),
        sa.UniqueConstraint("session_id", name="uq_customer_order_session_id"),
    ),
    create_index("ix_customer_order_user_address", "customer_order", "user_address"),
    create_index("ix_customer_order_payment_intent", "customer_order", "payment_intent"),
    create_table(
        "payment_event",
        sa.Column("stripe_event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("announcement", sa.String(length=32), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stripe_event_id", name="pk_payment_event"),
    ),
    create_index("ix_payment_event_order_id", "payment_event", "order_id"),
)
