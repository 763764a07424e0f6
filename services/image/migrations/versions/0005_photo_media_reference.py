"""photo.channel and photo.media_reference: erasure deletes the provider's copy too

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("photo") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("media_reference", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("photo") as batch:
        batch.drop_column("media_reference")
        batch.drop_column("channel")
