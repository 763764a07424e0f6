"""${message}"""

import sqlalchemy as sa  # noqa: F401 - the steps' columns

from shared.migrations import reversible

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}

# List the steps (shared/migrations.py: create_table, add_columns, …); each knows its
# undoing, so the downgrade is derived from them.
upgrade, downgrade = reversible()
