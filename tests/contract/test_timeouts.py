"""The table of timeouts (shared/timeouts.py) against every place a delivery's deadline is
set: each call a handler makes ends before Dapr or the broker would hand the event out
again, and the services' settings take their defaults from the table."""

import re
from pathlib import Path

import pytest
import yaml

from services.image.settings import ImageSettings
from services.message.settings import MessageSettings
from services.payment.settings import PaymentSettings
from shared import timeouts
from shared.settings import ServiceSettings
from shared.timeouts import Budget

ROOT = Path(__file__).resolve().parents[2]
CALLS = {
    "sidecar": timeouts.SIDECAR,
    "twilio": timeouts.TWILIO,
    "meta": timeouts.META,
    "media": timeouts.MEDIA,
    "astria": timeouts.ASTRIA,
    "stripe": timeouts.STRIPE,
}


def seconds(value: str) -> float:
    """A Dapr duration ("30s", "1m", "500ms") or an ISO 8601 one ("PT1M") in seconds."""
    if match := re.fullmatch(r"PT(?:(\d+)M)?(?:(\d+)S)?", value):
        return int(match[1] or 0) * 60 + int(match[2] or 0)
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", value):
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    assert total, value
    return total


def deadlines() -> dict[str, float]:
    """Every deadline after which a delivery in progress is handed out again."""
    found: dict[str, float] = {}
    for path in [
        *ROOT.glob("components/*/resiliency.yaml"),
        ROOT / "deploy/kubernetes/dapr/resiliency.yaml",
    ]:
        policy = yaml.safe_load(path.read_text())["spec"]["policies"]["timeouts"]["delivery"]
        found[f"{path.relative_to(ROOT)} delivery"] = seconds(policy)
    redelivery = {"processingTimeout", "ackWait", "lockDurationInSec"}
    for path in [
        *ROOT.glob("components/*/pubsub.yaml"),
        ROOT / "deploy/kubernetes/dapr/components.yaml",
    ]:
        for document in yaml.safe_load_all(path.read_text()):
            for item in document["spec"]["metadata"]:
                if item["name"] in redelivery:
                    value = item["value"]
                    number = seconds(value) if not value.isdigit() else float(value)
                    found[f"{path.relative_to(ROOT)} {item['name']}"] = number
    bicep = (ROOT / "deploy/azure/main.bicep").read_text()
    inbound = re.search(
        r"inboundPolicy: \{\s*timeoutPolicy: \{ responseTimeoutInSeconds: (\d+)", bicep
    )
    assert inbound, "the pub/sub's inbound resiliency policy in main.bicep"
    found["main.bicep inbound timeout"] = float(inbound[1])
    lock = re.search(
        r"lockDuration: '(PT\w+)'", (ROOT / "deploy/azure/subscriptions.bicep").read_text()
    )
    assert lock
    found["subscriptions.bicep lockDuration"] = seconds(lock[1])
    return found


def too_slow(calls: dict[str, Budget], deadline: float) -> list[str]:
    return [name for name, budget in calls.items() if budget.worst >= deadline]


def test_the_table_holds_the_tightest_deadline_of_every_profile():
    found = deadlines()
    assert len(found) >= 8, found  # every profile and every deployment was read
    assert min(found.values()) == timeouts.DELIVERY_SECONDS, found


def test_every_call_ends_before_the_delivery_is_handed_out_again():
    assert too_slow(CALLS, timeouts.DELIVERY_SECONDS) == []


def test_negative_control_astrias_own_timeout_would_overlap_a_redelivery():
    # Astria's 30 s, or the stripe library's default of 80 s a try, would not fit.
    assert too_slow({"astria": Budget(35), "stripe": Budget(80, tries=3)}, 30) == [
        "astria",
        "stripe",
    ]


def test_a_webhook_answers_before_twilio_stops_waiting():
    assert timeouts.WEBHOOK_PUBLISH.worst < timeouts.TWILIO_WAITS_SECONDS


@pytest.mark.parametrize(
    ("settings", "field", "budget"),
    [
        (ServiceSettings, "dapr_timeout_seconds", timeouts.SIDECAR),
        (MessageSettings, "twilio_timeout_seconds", timeouts.TWILIO),
        (MessageSettings, "meta_timeout_seconds", timeouts.META),
        (ImageSettings, "media_timeout_seconds", timeouts.MEDIA),
        (ImageSettings, "astria_timeout_seconds", timeouts.ASTRIA),
        (PaymentSettings, "stripe_timeout_seconds", timeouts.STRIPE),
    ],
)
def test_each_setting_defaults_to_its_line_of_the_table(settings, field, budget):
    assert settings.model_fields[field].default == budget.seconds


def test_stripe_tries_as_often_as_the_table_counts():
    assert PaymentSettings.model_fields["stripe_max_network_retries"].default + 1 == (
        timeouts.STRIPE.tries
    )
