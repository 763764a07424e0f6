"""the outbox replaces payment_event.published: a transition and its announcement commit together

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from shared.outbox_migration import create_outbox_table

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    create_outbox_table()
    with op.batch_alter_table("payment_event") as batch:
        batch.drop_column("published")


def downgrade() -> None:
    with op.batch_alter_table("payment_event") as batch:
        batch.add_column(sa.Column("published", sa.Boolean(), nullable=False, server_default="1"))
    op.drop_table("outbox")
