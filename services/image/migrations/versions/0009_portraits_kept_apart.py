"""prompt_result.kept_at and training.all_reported: a prompt is recorded when Astria
reports it and its portraits are kept afterwards, so the order completes when the last
one is kept"""

import sqlalchemy as sa

from shared.migrations import add_columns, backfill, reversible

revision = "0009"
down_revision = "0008"

upgrade, downgrade = reversible(
    add_columns("prompt_result", sa.Column("kept_at", sa.DateTime(timezone=True), nullable=True)),
    # Every prompt recorded before this revision had its copies kept in the same step.
    backfill("UPDATE prompt_result SET kept_at = created_at"),
    add_columns(
        "training",
        sa.Column("all_reported", sa.Boolean(), nullable=False, server_default=sa.false()),
    ),
)
