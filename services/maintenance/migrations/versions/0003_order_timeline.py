"""every order's events and its furthest stage, for the operator"""

import sqlalchemy as sa

from shared.migrations import create_table, reversible

revision = "0003"
down_revision = "0002"

upgrade, downgrade = reversible(
    create_table(
        "order_view",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("user_hash", sa.String(64), nullable=False, index=True),
        sa.Column("user_masked", sa.String(128), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False, index=True),
        sa.Column("stage_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("eta", sa.DateTime(timezone=True), nullable=True),
        sa.Column("images", sa.Integer(), nullable=True),
        sa.Column("expected", sa.Integer(), nullable=True),
    ),
    create_table(
        "order_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.String(255), nullable=False, unique=True),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    ),
)
