"""training.restyle_of: another style on an earlier order's trained tune

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("training") as batch:
        batch.add_column(sa.Column("restyle_of", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("training") as batch:
        batch.drop_column("restyle_of")
