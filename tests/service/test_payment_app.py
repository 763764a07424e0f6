"""The payment service through TestClient: real SQLite, a fake Stripe gateway, signed events."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from services.payment.adapters.orders import SqlOrders
from services.payment.app import create_app
from services.payment.bootstrap import PaymentRuntime
from services.payment.ports import AttemptSpent, CheckoutSession, PaymentPorts
from services.sandbox.stripe_fake import sign
from shared.errors import Rejected, Transient
from shared.events.topics import Topic
from shared.packs import load_catalogue
from tests.fakes import T0, RecordingPublisher, cloudevent
from tests.servers import in_process

SECRET = "whsec_test_secret"
USER = "whatsapp:+15551234567"


class FakeGateway:
    """Stripe as the payment service meets it: an idempotency key gets its first answer
    again, a failure included, and is refused with other parameters."""

    def __init__(self):
        self.prices = []
        self.sessions: list[str] = []
        self.refunds: list[str] = []
        self.refund_calls: list[tuple[str, int | None]] = []
        self.expiries: list[datetime] = []
        self.requests: list[tuple[str, datetime, str]] = []  # (key, expiry, language)
        self.saved: dict[str, tuple[object, CheckoutSession | Exception]] = {}
        self.fail_next = 0  # Stripe answers 500, and keeps that answer under the key
        self.unreachable = 0  # the request never reaches Stripe

    def open_checkout(
        self, *, order_id, pack, subject, expires_at, attempt, language, restyle=False
    ):
        key = f"checkout-{order_id}-{attempt}"
        params = (pack.code, subject, expires_at, language, restyle)
        self.requests.append((key, expires_at, language))
        if self.unreachable:
            self.unreachable -= 1
            raise Transient("connection refused")
        if key in self.saved:
            first_params, answer = self.saved[key]
            if first_params != params:
                raise Rejected(
                    "Keys for idempotent requests can only be used with the same parameters"
                )
        else:
            self.expiries.append(expires_at)
            self.prices.append(pack.price(restyle=restyle))
            if self.fail_next:
                self.fail_next -= 1
                answer = AttemptSpent("stripe answered 500")
            else:
                self.sessions.append(order_id)
                suffix = f"_{attempt}" if attempt > 1 else ""
                answer = CheckoutSession(
                    id=f"cs_test_{order_id}{suffix}",
                    url=f"https://pay.example/{order_id}{suffix}",
                    expires_at=expires_at,
                )
            self.saved[key] = (params, answer)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def refund(self, *, order_id, payment_intent, amount_minor=None):
        self.refunds.append(payment_intent)
        # Stripe's idempotency key, as the real gateway sends it: one refund per key.
        key = f"refund-{order_id}" if amount_minor is None else f"partial-refund-{order_id}"
        self.refund_calls.append((key, amount_minor))
        return f"re_{key}"


@pytest.fixture
def runtime(engine, clock):
    deps = PaymentPorts(
        publisher=RecordingPublisher(),
        orders=SqlOrders(engine),
        gateway=FakeGateway(),
        catalogue=load_catalogue(),
        clock=clock,
    )
    return PaymentRuntime(ports=deps, stripe_webhook_secret=SECRET)


@pytest.fixture
def client(runtime):
    yield from in_process(create_app, runtime)


REQUEST = {
    "order_id": "ord_1",
    "user": USER,
    "channel": "twilio",
    "pack_code": "corporate",
    "subject": "woman",
}


def request_checkout(client, data=REQUEST, event_id="ce-1"):
    return client.post(
        "/events/checkout.requested", content=cloudevent(data, event_id=event_id)
    ).json()


def topics(runtime):
    return [(topic, event_id) for topic, _, event_id in runtime.ports.publisher.published]


def stripe_event(event_type, *, payment_status="paid", event_id=None, order_id="ord_1", obj=None):
    session = {
        "id": "cs_test_ord_1",
        "object": "checkout.session",
        "payment_status": payment_status,
        "client_reference_id": order_id,
        "metadata": {"order_id": order_id},
        "payment_intent": "pi_1",
        "amount_total": 1499,
        "currency": "usd",
        "status": "complete",
    }
    return {
        "id": event_id or f"evt_{event_type}_{payment_status}",
        "object": "event",
        "type": event_type,
        "api_version": "2026-10-28.endive",
        "created": int(T0.timestamp()),
        "livemode": False,
        "data": {"object": obj or session},
    }


def deliver(client, event, *, secret=SECRET, timestamp=None):
    payload = json.dumps(event)
    timestamp = int(T0.timestamp()) if timestamp is None else timestamp
    return client.post(
        "/payment-received",
        content=payload,
        headers={
            "Stripe-Signature": sign(secret, payload, timestamp),
            "Content-Type": "application/json",
        },
    )


def test_a_checkout_request_opens_one_session_priced_from_the_catalogue(client, runtime):
    assert request_checkout(client) == {"status": "SUCCESS"}
    assert request_checkout(client, event_id="ce-2") == {"status": "SUCCESS"}  # redelivered
    assert runtime.ports.gateway.sessions == ["ord_1"]
    order = runtime.ports.orders.get("ord_1")
    assert (order.amount_minor, order.currency, order.status) == (1499, "usd", "open")
    [(_, ready, event_id), _again] = runtime.ports.publisher.published
    assert (ready.url, event_id) == ("https://pay.example/ord_1", "checkout.ready-ord_1")


@pytest.mark.parametrize(
    "change", [{"pack_code": "nope"}, {"pack_code": "pets", "subject": "woman"}]
)
def test_an_impossible_checkout_request_is_dropped(client, runtime, change):
    assert request_checkout(client, {**REQUEST, **change}) == {"status": "DROP"}
    assert runtime.ports.gateway.sessions == []


def test_a_paid_session_announces_the_payment_once(client, runtime):
    request_checkout(client)
    event = stripe_event("checkout.session.completed")
    for _ in range(3):
        assert deliver(client, event).status_code == 200
    completed = [p for p in runtime.ports.publisher.published if p[0] == Topic.PAYMENT_COMPLETED]
    assert len(completed) == 1
    _, payload, event_id = completed[0]
    assert (payload.amount_minor, payload.currency, payload.pack_code, payload.subject) == (
        1499,
        "usd",
        "corporate",
        "woman",
    )
    assert payload.provider_reference == "pi_1"
    assert event_id == "payment.completed-ord_1"


def test_a_bad_signature_is_refused_and_nothing_is_recorded(client, runtime):
    request_checkout(client)
    assert (
        deliver(
            client, stripe_event("checkout.session.completed"), secret="whsec_other"
        ).status_code
        == 400
    )
    assert runtime.ports.orders.get("ord_1").status == "open"
    assert client.post("/payment-received", content="{}").status_code == 400


@pytest.mark.parametrize("seconds", [-301, 301])
def test_a_timestamp_outside_the_tolerance_is_refused(client, runtime, seconds):
    request_checkout(client)
    signed_at = int(T0.timestamp()) + seconds
    event = stripe_event("checkout.session.completed")
    assert deliver(client, event, timestamp=signed_at).status_code == 400
    assert runtime.ports.orders.get("ord_1").status == "open"


def test_a_timestamp_within_the_tolerance_either_way_is_taken(client, runtime):
    request_checkout(client)
    signed_at = int(T0.timestamp()) + 299
    event = stripe_event("checkout.session.completed")
    assert deliver(client, event, timestamp=signed_at).status_code == 200
    assert runtime.ports.orders.get("ord_1").status == "paid"


def test_unknown_event_types_are_acknowledged_and_ignored(client, runtime):
    response = deliver(client, stripe_event("customer.created", obj={"object": "customer"}))
    assert (response.status_code, response.json()["outcome"]) == (200, "ignored")


def test_completed_unpaid_waits_for_the_delayed_method(client, runtime):
    request_checkout(client)
    deliver(client, stripe_event("checkout.session.completed", payment_status="unpaid"))
    assert runtime.ports.orders.get("ord_1").status == "awaiting_payment"
    assert Topic.PAYMENT_COMPLETED not in [t for t, _ in topics(runtime)]
    deliver(client, stripe_event("checkout.session.async_payment_succeeded"))
    assert runtime.ports.orders.get("ord_1").status == "paid"
    assert [t for t, _ in topics(runtime)].count(Topic.PAYMENT_COMPLETED) == 1


def test_an_expiry_after_payment_is_harmless(client, runtime):
    request_checkout(client)
    deliver(client, stripe_event("checkout.session.completed"))
    deliver(client, stripe_event("checkout.session.expired", payment_status="unpaid"))
    assert runtime.ports.orders.get("ord_1").status == "paid"
    assert Topic.CHECKOUT_EXPIRED not in [t for t, _ in topics(runtime)]


def test_a_failed_publish_answers_500_and_the_retry_publishes(client, runtime):
    request_checkout(client)
    runtime.ports.publisher.fail = True
    event = stripe_event("checkout.session.completed")
    assert deliver(client, event).status_code == 500
    assert runtime.ports.orders.get("ord_1").status == "paid"  # written first
    runtime.ports.publisher.fail = False
    assert deliver(client, event).status_code == 200
    assert deliver(client, event).status_code == 200
    assert [t for t, _ in topics(runtime)].count(Topic.PAYMENT_COMPLETED) == 1


def test_an_event_for_an_unknown_order_is_acknowledged(client):
    response = deliver(client, stripe_event("checkout.session.completed", order_id="ord_ghost"))
    assert (response.status_code, response.json()["outcome"]) == (200, "unknown order")


def test_a_failed_tune_refunds_the_order_once(client, runtime):
    request_checkout(client)
    deliver(client, stripe_event("checkout.session.completed"))
    failed = {"order_id": "ord_1", "user": USER, "reason": "faces not found"}
    assert client.post(
        "/events/tune.failed", content=cloudevent(failed, event_id="tf-1")
    ).json() == {"status": "SUCCESS"}
    assert client.post(
        "/events/tune.failed", content=cloudevent(failed, event_id="tf-2")
    ).json() == {"status": "SUCCESS"}
    assert runtime.ports.gateway.refunds == ["pi_1"]
    assert runtime.ports.orders.get("ord_1").status == "refunded"
    refunded = [p for p in runtime.ports.publisher.published if p[0] == Topic.PAYMENT_REFUNDED]
    assert {event_id for _, _, event_id in refunded} == {"payment.refunded-ord_1"}
    # Stripe's own charge.refunded arrives afterwards and changes nothing.
    charge = {
        "object": "charge",
        "payment_intent": "pi_1",
        "amount_refunded": 1499,
        "refunded": True,
    }
    assert (
        deliver(client, stripe_event("charge.refunded", obj=charge)).json()["outcome"]
        == "no change"
    )


def completed(client, images, event_id):
    data = {"order_id": "ord_1", "user": USER, "images": images, "expected": 8}
    body = cloudevent(data, event_id=event_id, topic="order.completed", source="image")
    return client.post("/events/order.completed", content=body).json()


def test_fewer_portraits_than_the_pack_refunds_the_unmade_share_once(client, runtime):
    request_checkout(client)
    deliver(client, stripe_event("checkout.session.completed"))
    assert completed(client, 4, "oc-1") == {"status": "SUCCESS"}  # 4 of the pack's 8
    assert completed(client, 4, "oc-1") == {"status": "SUCCESS"}  # redelivered
    assert runtime.ports.gateway.refund_calls == [("partial-refund-ord_1", 750)]
    order = runtime.ports.orders.get("ord_1")
    assert (order.status, order.refunded_minor) == ("partly_refunded", 750)
    [(_, event, event_id)] = [
        p for p in runtime.ports.publisher.published if p[0] == Topic.PAYMENT_REFUNDED
    ]
    assert (event.amount_minor, event.partial, event_id) == (
        750,
        True,
        "payment.refunded-ord_1-partial",
    )
    # Our own partial refund, as Stripe reports it afterwards, changes nothing.
    charge = {
        "object": "charge",
        "payment_intent": "pi_1",
        "amount_refunded": 750,
        "refunded": False,
    }
    outcome = deliver(client, stripe_event("charge.refunded", obj=charge)).json()["outcome"]
    assert outcome == "ignored"
    # The rest refunded in Stripe's dashboard later: announced as what was left.
    charge = {
        "object": "charge",
        "payment_intent": "pi_1",
        "amount_refunded": 1499,
        "refunded": True,
    }
    deliver(client, stripe_event("charge.refunded", obj=charge, event_id="evt_rest"))
    rest = [p for p in runtime.ports.publisher.published if p[0] == Topic.PAYMENT_REFUNDED][-1]
    assert (rest[1].amount_minor, rest[1].partial, rest[2]) == (
        749,
        False,
        "payment.refunded-ord_1",
    )


def test_a_crash_after_stripe_refunded_retries_with_the_same_key_and_records_once(
    client, runtime, monkeypatch
):
    request_checkout(client)
    deliver(client, stripe_event("checkout.session.completed"))
    orders = runtime.ports.orders
    record = orders.partly_refunded

    def crash_once(*args, **kwargs):
        monkeypatch.setattr(orders, "partly_refunded", record)
        raise Transient("database went away")

    monkeypatch.setattr(orders, "partly_refunded", crash_once)
    assert completed(client, 6, "oc-1") == {"status": "RETRY"}
    assert completed(client, 6, "oc-1") == {"status": "SUCCESS"}
    # Called twice, with one key: Stripe makes one refund and answers the retry with it.
    assert runtime.ports.gateway.refund_calls == [("partial-refund-ord_1", 375)] * 2
    assert orders.get("ord_1").refunded_minor == 375
    refunded = [p for p in runtime.ports.publisher.published if p[0] == Topic.PAYMENT_REFUNDED]
    assert len(refunded) == 1


def test_every_portrait_made_refunds_nothing(client, runtime):
    request_checkout(client)
    deliver(client, stripe_event("checkout.session.completed"))
    assert completed(client, 8, "oc-1") == {"status": "SUCCESS"}
    assert runtime.ports.gateway.refund_calls == []
    assert runtime.ports.orders.get("ord_1").status == "paid"


def test_expires_at_is_at_least_30_minutes_away(client, runtime):
    request_checkout(client)
    order = runtime.ports.orders.get("ord_1")
    assert (order.expires_at.replace(tzinfo=UTC) - T0).total_seconds() >= 30 * 60


def test_the_order_carries_its_photo_set_to_the_training(client, runtime):
    request_checkout(client, {**REQUEST, "photo_set": 3})
    deliver(client, stripe_event("checkout.session.completed"))
    [(_, completed, _)] = [
        p for p in runtime.ports.publisher.published if p[0] == Topic.PAYMENT_COMPLETED
    ]
    assert completed.photo_set == 3


def test_a_restyle_is_charged_the_restyle_price_and_names_the_trained_order(client, runtime):
    request_checkout(client, {**REQUEST, "order_id": "ord_1", "restyle_of": "ord_0"})
    assert runtime.ports.gateway.prices == [499]  # corporate's re-style, not its 1499
    assert runtime.ports.orders.get("ord_1").amount_minor == 499
    deliver(client, stripe_event("checkout.session.completed"))
    [(_, completed, _)] = [
        p for p in runtime.ports.publisher.published if p[0] == Topic.PAYMENT_COMPLETED
    ]
    assert (completed.amount_minor, completed.restyle_of) == (499, "ord_0")


def test_a_restyle_of_a_pack_not_offered_so_is_dropped(client, runtime):
    runtime.ports.catalogue = runtime.ports.catalogue.model_copy(
        update={
            "packs": tuple(
                p.model_copy(update={"restyle_price_minor": None})
                for p in runtime.ports.catalogue.packs
            )
        }
    )
    assert request_checkout(client, {**REQUEST, "restyle_of": "ord_0"}) == {"status": "DROP"}
    assert runtime.ports.gateway.sessions == []


def test_a_redelivered_request_announces_the_link_with_an_aware_expiry(client, runtime):
    request_checkout(client)
    request_checkout(client, event_id="ce-2")  # redelivered after the order was opened
    ready = [e for t, e, _ in runtime.ports.publisher.published if t == Topic.CHECKOUT_READY]
    assert len(ready) == 2
    assert ready[0].expires_at == ready[1].expires_at
    assert ready[1].expires_at.utcoffset() == timedelta(0)


def reconcile(client, at, event_id):
    body = {"requested_at": at.isoformat(), "overdue_after_minutes": 10}
    return client.post("/events/maintenance.reconcile", content=cloudevent(body, event_id=event_id))


def test_an_expiry_found_by_reconcile_is_announced_even_if_the_broker_was_down(client, runtime):
    request_checkout(client)
    runtime.ports.publisher.fail = True
    later = T0 + timedelta(hours=2)  # past the checkout's 30 minutes
    assert reconcile(client, later, "r1").json() == {"status": "RETRY"}
    assert runtime.ports.orders.get("ord_1").status == "expired"  # decided, and staged
    runtime.ports.publisher.fail = False
    # The retry finds no open checkout any more, yet what was staged goes out, once.
    assert reconcile(client, later, "r1").json() == {"status": "SUCCESS"}
    assert reconcile(client, later, "r2").json() == {"status": "SUCCESS"}
    assert [t for t, _ in topics(runtime)].count(Topic.CHECKOUT_EXPIRED) == 1


def crash_before_recording_the_session(runtime):
    """The next delivery dies after Stripe answered, before the session was recorded."""
    real_opened = runtime.ports.orders.opened

    def crash_once(*args, **kwargs):
        runtime.ports.orders.opened = real_opened
        raise RuntimeError("killed after Stripe answered, before the session was recorded")

    runtime.ports.orders.opened = crash_once


def test_a_redelivered_checkout_asks_stripe_again_with_the_same_key_and_expiry(client, runtime):
    crash_before_recording_the_session(runtime)
    assert request_checkout(client) == {"status": "RETRY"}
    runtime.ports.clock.advance(minutes=3)
    assert request_checkout(client) == {"status": "SUCCESS"}
    (first_key, first_expiry, _), again = runtime.ports.gateway.requests
    assert again == (first_key, first_expiry, "en")  # Stripe answers with the session it made
    assert runtime.ports.gateway.sessions == ["ord_1"]


def test_a_checkout_failing_for_an_hour_still_gets_exactly_one_usable_link(client, runtime):
    gateway = runtime.ports.gateway
    gateway.fail_next = 6  # Stripe answers 500 for an hour; each answer is saved under its key
    for _ in range(6):
        assert request_checkout(client) == {"status": "RETRY"}
        runtime.ports.clock.advance(minutes=10)
    assert request_checkout(client) == {"status": "SUCCESS"}
    keys = [key for key, _, _ in gateway.requests]
    assert len(set(keys)) == len(keys) == 7  # a failed key is never asked again
    assert gateway.requests[-1][1] - runtime.ports.clock() >= timedelta(minutes=30)
    assert gateway.sessions == ["ord_1"]
    ready = [event for topic, event, _ in runtime.ports.publisher.published]
    assert [e.url for e in ready if hasattr(e, "url")] == ["https://pay.example/ord_1_7"]
    order = runtime.ports.orders.get("ord_1")
    assert (order.session_id, order.checkout_attempt) == ("cs_test_ord_1_7", 7)


def test_a_request_that_never_reached_stripe_is_repeated_with_the_same_key(client, runtime):
    runtime.ports.gateway.unreachable = 2
    for _ in range(2):
        assert request_checkout(client) == {"status": "RETRY"}
        runtime.ports.clock.advance(minutes=1)
    assert request_checkout(client) == {"status": "SUCCESS"}
    assert len({key for key, _, _ in runtime.ports.gateway.requests}) == 1
    assert runtime.ports.orders.get("ord_1").session_id == "cs_test_ord_1"


def test_a_slow_redelivery_asks_for_a_new_expiry_stripe_will_still_take(client, runtime):
    crash_before_recording_the_session(runtime)
    assert request_checkout(client) == {"status": "RETRY"}
    runtime.ports.clock.advance(minutes=20)  # the planned expiry is now 15 minutes away
    assert request_checkout(client) == {"status": "SUCCESS"}
    (first_key, _, _), (key, expiry, _) = runtime.ports.gateway.requests
    assert key != first_key
    assert expiry - runtime.ports.clock() >= timedelta(minutes=30)
    assert runtime.ports.orders.get("ord_1").session_id == "cs_test_ord_1_2"


def test_the_checkout_is_asked_in_the_persons_language(client, runtime):
    request_checkout(client, {**REQUEST, "language": "es"})
    assert runtime.ports.gateway.requests[0][2] == "es"
