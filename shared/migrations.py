"""Alembic steps that know their own undoing.

A revision lists its steps once, `upgrade, downgrade = reversible(step, …)`, and its
downgrade runs their inverses backwards: the two can't drift apart, and every service's
round trip (head → base → head) is tested in tests/service/test_migrations.py.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.elements import conv


@dataclass(frozen=True)
class Step:
    up: Callable[[], None]
    down: Callable[[], None]


def reversible(*steps: Step) -> tuple[Callable[[], None], Callable[[], None]]:
    """A revision's `upgrade` and `downgrade`."""

    def upgrade() -> None:
        for step in steps:
            step.up()

    def downgrade() -> None:
        for step in reversed(steps):
            step.down()

    return upgrade, downgrade


def create_table(name: str, *items: sa.schema.SchemaItem) -> Step:
    def create() -> None:
        op.create_table(name, *items)

    return Step(up=create, down=lambda: op.drop_table(name))


def create_index(name: str, table: str, *columns: str) -> Step:
    return Step(
        up=lambda: op.create_index(name, table, list(columns)),
        down=lambda: op.drop_index(name, table_name=table),
    )


def add_columns(table: str, *columns: sa.Column[object]) -> Step:
    """Columns added to an existing table (in batch mode, which SQLite needs)."""

    def add() -> None:
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(column)

    def drop() -> None:
        with op.batch_alter_table(table) as batch:
            for column in reversed(columns):
                batch.drop_column(column.name)

    return Step(up=add, down=drop)


def backfill(statement: str) -> Step:
    """Rows written before the revision, given what its new columns say of them. Nothing
    to undo: the columns go with the downgrade."""
    return Step(up=lambda: op.execute(statement), down=lambda: None)


def drop_column(table: str, column: sa.Column[object], *, refill: str) -> Step:
    """A column dropped with its data. Undone, it comes back as it was, after the rows
    that exist by then are given `refill` (a server default, removed again)."""

    def drop() -> None:
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column.name)

    def restore() -> None:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column.name, column.type, server_default=refill))
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column.name, nullable=column.nullable, server_default=None)

    return Step(up=drop, down=restore)


# --- what every service's outbox (shared/outbox.py) needs --------------------------------------


def outbox_table() -> Step:
    # conv(): the names are final, not to go through the naming convention (Alembic's
    # op.f, which only works once a migration runs, not when `alembic history` reads this).
    return create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=conv("pk_outbox")),
        sa.UniqueConstraint("event_id", name=conv("uq_outbox_event_id")),
    )


def outbox_claims() -> Step:
    """Who is publishing a staged event, and until when."""
    return add_columns(
        "outbox",
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
    )


def trace_context(*tables: str) -> list[Step]:
    """The W3C trace context an outbox row is published under, or an order is continued
    in (shared/tracing.py)."""
    return [
        add_columns(table, sa.Column("traceparent", sa.String(length=55), nullable=True))
        for table in tables
    ]
