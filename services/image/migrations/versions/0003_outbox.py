"""the outbox: a callback's rows and its announcements commit together"""

from shared.migrations import outbox_table, reversible

revision = "0003"
down_revision = "0002"

upgrade, downgrade = reversible(outbox_table())
