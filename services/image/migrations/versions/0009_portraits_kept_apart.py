"""prompt_result.kept_at and training.all_reported: a prompt is recorded when Astria
reports it and its portraits are kept afterwards, so the order completes when the last
one is kept"""

import sqlalchemy as sa
from alembic import op

from shared.migrations import Step, add_columns, reversible

revision = "0009"
down_revision = "0008"


def _kept_already() -> None:
    # Every prompt recorded so far was kept in the same step.
    op.execute("UPDATE prompt_result SET kept_at = created_at")


upgrade, downgrade = reversible(
    add_columns("prompt_result", sa.Column("kept_at", sa.DateTime(timezone=True), nullable=True)),
    Step(up=_kept_already, down=lambda: None),
    add_columns(
        "training",
        sa.Column("all_reported", sa.Boolean(), nullable=False, server_default=sa.false()),
    ),
)
