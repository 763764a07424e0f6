"""photo sets: RESTART starts a new one, an order trains from its own"""

import sqlalchemy as sa

from shared.migrations import add_columns, reversible

revision = "0002"
down_revision = "0001"

upgrade, downgrade = reversible(
    *(
        add_columns(table, sa.Column("photo_set", sa.Integer(), nullable=False, server_default="1"))
        for table in ("photo", "training")
    )
)
