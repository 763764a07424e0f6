"""Which payload travels on which topic, and the JSON Schemas exported from them.

The schemas under shared/events/schemas/ are the polyglot contract: a service in
another language reads them, and a test fails when a model drifts from its file.
Regenerate after a deliberate change with `python -m shared.events.registry`.
"""

import json
from pathlib import Path

from shared.events import image, maintenance, message, payment
from shared.events.base import Event

SCHEMA_DIR = Path(__file__).parent / "schemas"

# Every event type, each declaring its topic; everything else derives from this list.
CATALOGUE: tuple[type[Event], ...] = (
    message.WhatsAppInbound,
    message.PhotoSubmitted,
    message.CheckoutRequested,
    message.UserErased,
    image.PhotoChecked,
    image.TuneStarted,
    image.TuneTrained,
    image.TuneFailed,
    image.PromptSettled,
    image.ImagesReady,
    image.OrderCompleted,
    payment.CheckoutReady,
    payment.PaymentCompleted,
    payment.PaymentFailed,
    payment.CheckoutExpired,
    payment.PaymentRefunded,
    maintenance.ReconcileRequested,
    maintenance.CleanupRequested,
    maintenance.Report,
)
PAYLOADS: dict[str, type[Event]] = {event.TOPIC: event for event in CATALOGUE}


def publishers_of(event: type[Event]) -> tuple[str, ...]:
    """The services that publish it: the one its module is named after, unless it says."""
    return event.PUBLISHED_BY or (event.__module__.rsplit(".", 1)[-1],)


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
