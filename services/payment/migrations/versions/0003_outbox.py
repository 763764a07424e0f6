"""the outbox replaces payment_event.published: a change and its news commit together"""

import sqlalchemy as sa

from shared.migrations import drop_column, outbox_table, reversible

revision = "0003"
down_revision = "0002"

upgrade, downgrade = reversible(
    outbox_table(),
    drop_column("payment_event", sa.Column("published", sa.Boolean(), nullable=False), refill="1"),
)
