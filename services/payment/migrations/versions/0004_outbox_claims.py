"""outbox claims: concurrent flushes publish each staged event once, in order"""

from shared.migrations import outbox_claims, reversible

revision = "0004"
down_revision = "0003"

upgrade, downgrade = reversible(outbox_claims())
