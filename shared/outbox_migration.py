"""The outbox table's DDL, for each service's own Alembic migration."""

import sqlalchemy as sa
from alembic import op


def create_outbox_table() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )


def add_outbox_claims() -> None:
    """Who is publishing a staged event, and until when (see shared/outbox.py)."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def drop_outbox_claims() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")


def add_trace_context(*tables: str) -> None:
    """The W3C trace context an outbox row is published under, or an order is continued
    in (shared/tracing.py)."""
    for table in tables:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("traceparent", sa.String(length=55), nullable=True))


def drop_trace_context(*tables: str) -> None:
    for table in tables:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("traceparent")
