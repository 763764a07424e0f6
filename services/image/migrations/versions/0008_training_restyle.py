"""training.restyle_of: another style on an earlier order's trained tune"""

import sqlalchemy as sa

from shared.migrations import add_columns, reversible

revision = "0008"
down_revision = "0007"

upgrade, downgrade = reversible(
    add_columns("training", sa.Column("restyle_of", sa.String(length=64), nullable=True))
)
