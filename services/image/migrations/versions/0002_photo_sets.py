"""photo sets: RESTART starts a new one, an order trains from its own

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("photo") as batch:
        batch.add_column(sa.Column("photo_set", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("training") as batch:
        batch.add_column(sa.Column("photo_set", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("training") as batch:
        batch.drop_column("photo_set")
    with op.batch_alter_table("photo") as batch:
        batch.drop_column("photo_set")
