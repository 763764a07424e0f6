"""dead letters that fail again after a replay stay visible"""

import sqlalchemy as sa

from shared.migrations import add_columns, reversible

revision = "0002"
down_revision = "0001"

upgrade, downgrade = reversible(
    add_columns(
        "dead_letter",
        sa.Column("failures", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
    )
)
