"""prompt_result.copies: our own copy of each portrait, kept in the blob store"""

import sqlalchemy as sa

from shared.migrations import add_columns, reversible

revision = "0007"
down_revision = "0006"

upgrade, downgrade = reversible(
    add_columns("prompt_result", sa.Column("copies", sa.Text(), nullable=True))
)
