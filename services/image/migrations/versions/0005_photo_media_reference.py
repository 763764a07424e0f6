"""photo.channel and photo.media_reference: erasure deletes the provider's copy too"""

import sqlalchemy as sa

from shared.migrations import add_columns, reversible

revision = "0005"
down_revision = "0004"

upgrade, downgrade = reversible(
    add_columns(
        "photo",
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("media_reference", sa.Text(), nullable=True),
    )
)
