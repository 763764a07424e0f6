"""the outbox: a callback's rows and its announcements commit together

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from shared.outbox_migration import create_outbox_table

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    create_outbox_table()


def downgrade() -> None:
    op.drop_table("outbox")
