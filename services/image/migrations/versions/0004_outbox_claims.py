"""outbox claims: concurrent flushes publish each staged event once, in order

Revision ID: 0004
Revises: 0003
"""

from shared.outbox_migration import add_outbox_claims, drop_outbox_claims

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    add_outbox_claims()


def downgrade() -> None:
    drop_outbox_claims()
