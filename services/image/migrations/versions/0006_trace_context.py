"""the trace an outbox row is published in, and the one its order continues"""

from shared.migrations import reversible, trace_context

revision = "0006"
down_revision = "0005"

upgrade, downgrade = reversible(*trace_context("outbox", "training"))
