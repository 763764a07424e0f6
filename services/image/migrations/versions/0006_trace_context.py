"""the trace an outbox row is published in, and the one its order continues

Revision ID: 0006
Revises: 0005
"""

from shared.outbox_migration import add_trace_context, drop_trace_context

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    add_trace_context("outbox", "training")


def downgrade() -> None:
    drop_trace_context("outbox", "training")
