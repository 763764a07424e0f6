"""Which payload travels on which topic, and the JSON Schemas exported from them.

The schemas under shared/events/schemas/ are the polyglot contract: a service in
another language reads them, and a test fails when a model drifts from its file.
Regenerate after a deliberate change with `python -m shared.events.registry`.
"""

import json
from pathlib import Path

from shared.events import image, maintenance, message, payment
from shared.events.base import Event
from shared.events.topics import Topic

SCHEMA_DIR = Path(__file__).parent / "schemas"

# Topics get their payload model as the issue that introduces them lands.
PAYLOADS: dict[str, type[Event]] = {
    Topic.WHATSAPP_INBOUND: message.WhatsAppInbound,
    Topic.PHOTO_SUBMITTED: message.PhotoSubmitted,
    Topic.CHECKOUT_REQUESTED: message.CheckoutRequested,
    Topic.USER_ERASED: message.UserErased,
    Topic.PHOTO_CHECKED: image.PhotoChecked,
    Topic.TUNE_STARTED: image.TuneStarted,
    Topic.TUNE_TRAINED: image.TuneTrained,
    Topic.TUNE_FAILED: image.TuneFailed,
    Topic.IMAGES_READY: image.ImagesReady,
    Topic.ORDER_COMPLETED: image.OrderCompleted,
    Topic.CHECKOUT_READY: payment.CheckoutReady,
    Topic.PAYMENT_COMPLETED: payment.PaymentCompleted,
    Topic.PAYMENT_FAILED: payment.PaymentFailed,
    Topic.CHECKOUT_EXPIRED: payment.CheckoutExpired,
    Topic.PAYMENT_REFUNDED: payment.PaymentRefunded,
    Topic.MAINTENANCE_RECONCILE: maintenance.ReconcileRequested,
    Topic.MAINTENANCE_CLEANUP: maintenance.CleanupRequested,
    Topic.MAINTENANCE_REPORT: maintenance.Report,
}


def schema_of(topic: str) -> dict[str, object]:
    schema = PAYLOADS[topic].model_json_schema()
    schema["$id"] = f"{topic}.schema.json"
    schema["x-topic"] = topic
    return schema


def render(topic: str) -> str:
    return json.dumps(schema_of(topic), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export() -> list[Path]:
    SCHEMA_DIR.mkdir(exist_ok=True)
    written = []
    for topic in PAYLOADS:
        path = SCHEMA_DIR / f"{topic}.schema.json"
        path.write_text(render(topic))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in export():
        print(path)  # noqa: T201
