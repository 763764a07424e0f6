"""What each service counts, for Prometheus (prometheus-client); shared/app.py serves them at
`/metrics/`. Plain counters, so handlers may count without importing a framework.

Counters, each named for what an operator asks: how many webhooks were refused, how
many events were retried or dropped, how many messages the providers refused, how far the
orders got. With several uvicorn workers, set PROMETHEUS_MULTIPROC_DIR (an empty folder,
wiped before each start) and every worker's counts are summed. One gauge: how many
orders are stuck now, as maintenance found on its last reconcile tick.
"""

from prometheus_client import Counter, Gauge

WEBHOOKS = Counter(
    "bot_webhooks",
    "Webhooks and callbacks received, by route and the HTTP status answered",
    ["route", "status"],
)
EVENTS = Counter(
    "bot_events",
    "Events Dapr delivered, by topic and outcome (SUCCESS, RETRY, DROP)",
    ["topic", "outcome"],
)
SENDS = Counter(
    "bot_sends",
    "Messages to people, by provider and result (sent, template, window_closed, rejected, failed)",
    ["provider", "result"],
)
ORDERS = Counter(
    "bot_order_stages",
    "Orders reaching each stage (checkout, paid, expired, refunded, training, trained, "
    "failed, delivered)",
    ["stage"],
)
REFUNDS = Counter("bot_refunds", "Refunds issued, by reason", ["reason"])
DEAD_LETTERS = Counter("bot_dead_letters", "Dead letters kept, by original topic", ["topic"])
PHOTO_REFUSALS = Counter("bot_photo_refusals", "Photos refused, by reason", ["reason"])
STUCK_ORDERS = Gauge(
    "bot_stuck_orders",
    "Orders that need a look (GET /orders/stuck), at the last reconcile tick",
    multiprocess_mode="livemax",
)
