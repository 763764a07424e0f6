"""prompt_result.copies: our own copy of each portrait, kept in the blob store

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("prompt_result") as batch:
        batch.add_column(sa.Column("copies", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prompt_result") as batch:
        batch.drop_column("copies")
