"""${message}"""

import sqlalchemy as sa

from shared.migrations import add_columns, reversible

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}

# Each step knows its undoing (shared/migrations.py): the downgrade is derived.
upgrade, downgrade = reversible(
    add_columns("table", sa.Column("name", sa.Text(), nullable=True)),
)
