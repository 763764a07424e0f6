"""A paid journey survives any process dying at any step: nothing lost, nothing twice.

Each case SIGKILLs one service or one sidecar at one step of a real journey (redis
profile, real daprd), starts it again with the same data, and then checks what the
person got and what the providers saw: every acknowledgement, one payment link, one
Stripe session, one Astria tune, every portrait of the pack once, and no dead letter.
"""

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.people import GOOD, PORTRAITS, Person, acknowledged, walk_to_photos
from tools import devstack
from tools.stack import Stack

pytestmark = pytest.mark.faults

# A killed sidecar's deliveries in flight come back when the broker hands them out again
# (processingTimeout 30 s + redeliverInterval 10 s on the redis profile).
STEP_TIMEOUT = 150.0
# The payment message, with its pay button.
PAY_TEXT = "Pay securely with Stripe"


@dataclass(frozen=True)
class Fault:
    app: str
    kind: str  # "app" or "daprd"
    step: str  # where in the journey it dies
    down_seconds: float = 2.0

    def __str__(self) -> str:
        return f"{self.app}-{self.kind}-at-{self.step}"


FAULTS = [
    Fault("message", "app", "photos"),
    Fault("image", "app", "photos"),
    Fault("payment", "app", "checkout"),
    Fault("payment", "daprd", "checkout"),
    Fault("image", "app", "paid"),
    Fault("image", "daprd", "paid", down_seconds=15),  # Astria calls back meanwhile
    Fault("message", "daprd", "delivery"),
    Fault("message", "app", "delivery"),
]


def wait_for(
    person: Person, what: str, predicate: Callable[[list[str]], bool], timeout: float = STEP_TIMEOUT
) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            received: list[str] = person.received()
        except httpx.TimeoutException:
            continue  # the sandbox is busy making portraits for everyone: ask again
        if predicate(received):
            return received
        time.sleep(0.3)
    raise AssertionError(f"{what}: not there after {timeout:.0f}s; got {person.received()}")


def count(messages: list[str], text: str) -> int:
    return sum(text in message for message in messages)


def journey(stack: Stack, fault: Fault) -> tuple[Person, str]:
    """A whole paid journey; `fault` strikes at its step."""

    def step(name: str) -> None:
        if name == fault.step:
            stack.kill(fault.app, fault.kind)
            time.sleep(fault.down_seconds)
            stack.restart(fault.app, fault.kind)

    person = Person(stack)
    walk_to_photos(person)
    person.send(files=GOOD[:3])
    step("photos")
    wait_for(person, "three acknowledged", lambda got: sum(acknowledged(got)) >= 3)
    person.send("done")  # typed, not tapped: both work
    wait_for(person, "the pack menu", lambda got: count(got, "Corporate headshots") >= 2)
    person.send("1")
    step("checkout")
    wait_for(person, "the payment link", lambda got: count(got, PAY_TEXT) >= 1)
    _, link = person.pay_link()
    assert httpx.post(f"{link}/pay", timeout=60).status_code == 200
    step("paid")
    wait_for(person, "the first portrait", lambda got: count(got, "[image") >= 1)
    step("delivery")
    wait_for(person, "the summary", lambda got: count(got, "That's all of them") >= 1)
    time.sleep(3)  # a late duplicate would show up now
    session = next(s for s in sandbox_state(stack, "stripe")["sessions"] if s["url"] == link)
    return person, str(session["client_reference_id"])


def sandbox_state(stack: Stack, provider: str) -> dict[str, Any]:
    state: dict[str, Any] = httpx.get(
        f"{stack['sandbox'].url}/sandbox/{provider}", timeout=10
    ).json()
    return state


def dead_letters_about(stack: Stack, person: Person) -> list[dict[str, Any]]:
    token = json.loads(devstack.ensure_secrets_file().read_text())["operator-token"]
    letters: list[dict[str, Any]] = httpx.get(
        f"{stack['maintenance'].url}/deadletters",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["deadletters"]
    return [d for d in letters if person.address in json.dumps(d["payload"])]


def in_flight_allowance(fault: Fault) -> int:
    """Repeats a kill may cause: none, except that a message app killed while a message was
    at the provider, before it could mark it sent, sends that one message again after its
    restart. Neither Twilio nor Meta has an idempotency key for sends, so no system can
    tell "sent, then died" from "died before sending"; every other item is marked sent
    before the next goes (the per-item outbox), so it is at most that one."""
    return 1 if (fault.app, fault.kind) == ("message", "app") else 0


@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_a_journey_survives_a_kill_with_nothing_lost_and_nothing_twice(stack, fault):
    person, order_id = journey(stack, fault)
    got = person.received()
    accepted = acknowledged(got)
    images = [m for m in got if m.startswith("[image")]
    once = (PAY_TEXT, "Payment received", "That's all of them")
    # Nothing lost: all three photos acknowledged (together, or in parts around the kill).
    assert sum(accepted) >= 3, got
    assert len(set(images)) == PORTRAITS, got
    assert all(count(got, text) >= 1 for text in once), got
    # Nothing twice (but the one message in flight when the message app died): a repeated
    # acknowledgement would count its photos again.
    repeats = int(sum(accepted) > 3) + len(images) - PORTRAITS
    assert sum(accepted) - 3 in (0, *accepted), got
    repeats += sum(count(got, text) - 1 for text in once)
    assert repeats <= in_flight_allowance(fault), (Counter(got), got)
    sessions = sandbox_state(stack, "stripe")["sessions"]
    assert sum(s["client_reference_id"] == order_id for s in sessions) == 1
    tunes = sandbox_state(stack, "astria")["tunes"]
    assert sum(t["title"] == order_id for t in tunes) == 1
    assert dead_letters_about(stack, person) == []


@pytest.mark.parametrize("mode", ["error", "hang"])
def test_stripe_then_astria_down_for_a_minute_delays_the_order_and_loses_nothing(stack, mode):
    """No operator action: Dapr's retries (and redeliveries) outlast both outages, whether
    the providers answer 5xx or hold every call (then process it late, as a stuck provider
    does: the retry must find the checkout session and the tune, not make new ones). A
    minute of the stack's time: its retries and provider timeouts are scaled alike."""
    sandbox = stack["sandbox"].url
    outage = {"seconds": 60 * stack.time_scale, "mode": mode}
    payment_retries, image_retries = (stack.deliveries(a, "retry") for a in ("payment", "image"))
    person = Person(stack)
    walk_to_photos(person)
    person.send(files=GOOD[:3])
    wait_for(person, "three acknowledged", lambda got: sum(acknowledged(got)) >= 3)
    httpx.post(f"{sandbox}/sandbox/stripe/down", params=outage, timeout=5)
    person.tap("pack:corporate")
    wait_for(person, "the payment link", lambda got: count(got, PAY_TEXT) >= 1)
    _, link = person.pay_link()
    httpx.post(f"{sandbox}/sandbox/astria/down", params=outage, timeout=5)
    assert httpx.post(f"{link}/pay", timeout=60).status_code == 200
    got = wait_for(person, "the summary", lambda got: count(got, "That's all of them") >= 1)
    time.sleep(3)
    got = person.received()
    for once in (PAY_TEXT, "Payment received", "That's all of them"):
        assert count(got, once) == 1, (once, got)
    images = [m for m in got if m.startswith("[image")]
    assert len(images) == len(set(images)) == PORTRAITS
    session = next(s for s in sandbox_state(stack, "stripe")["sessions"] if s["url"] == link)
    order_id = session["client_reference_id"]
    assert (
        sum(
            s["client_reference_id"] == order_id for s in sandbox_state(stack, "stripe")["sessions"]
        )
        == 1
    )
    tunes = sandbox_state(stack, "astria")["tunes"]
    assert sum(t["title"] == order_id for t in tunes) == 1
    assert dead_letters_about(stack, person) == []
    # Each outage outlasted a retry: Dapr delivered again, and again, meanwhile.
    assert stack.deliveries("payment", "retry") - payment_retries >= 2
    assert stack.deliveries("image", "retry") - image_retries >= 2
