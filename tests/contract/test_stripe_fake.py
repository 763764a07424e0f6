"""The real stripe library against the sandbox's fake Stripe, and Stripe's signature scheme."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import stripe

from services.payment.adapters.stripe_gateway import StripeGateway
from services.payment.ports import AttemptSpent
from services.sandbox.app import create_app
from services.sandbox.bootstrap import SandboxRuntime
from services.sandbox.settings import SandboxSettings
from services.sandbox.store import SandboxStore
from services.sandbox.stripe_fake import parse_brackets, sign
from shared.errors import Rejected, Transient
from shared.packs import load_catalogue
from tests.fakes import T0, FixedClock
from tests.servers import serve

KEY = "sk_test_contract"


@pytest.fixture(scope="module")
def sandbox():
    runtime = SandboxRuntime(
        store=SandboxStore(),
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="t",
        stripe_secret_key=KEY,
        stripe_webhook_secret="whsec_contract",
        clock=FixedClock(),
    )
    # No payment service here: deliveries fail, and are recorded as failed.
    settings = SandboxSettings(payment_webhook_url="http://127.0.0.1:9/payment-received")
    with serve(create_app(settings, build_deps=lambda _s: runtime)) as url:
        yield url, runtime.store.stripe


def gateway(url, key=KEY):
    return StripeGateway(
        api_key=key,
        api_base=f"{url}/stripe",
        max_network_retries=0,
        success_url="https://wa.me/1?text=paid",
        cancel_url="https://wa.me/1?text=no",
    )


PACK = load_catalogue().packs[0]  # corporate


def checkout(url, order_id, expires, *, attempt=1, language="en", key=KEY):
    return gateway(url, key).open_checkout(
        order_id=order_id,
        pack=PACK,
        subject="man",
        expires_at=expires,
        attempt=attempt,
        language=language,
    )


def test_a_checkout_session_carries_the_order_and_the_catalogue_price(sandbox):
    url, state = sandbox
    expires = T0 + timedelta(minutes=45)
    session = checkout(url, "ord_c1", expires)
    stored = state.sessions[session.id]
    assert session.url == f"{url}/stripe/checkout/{session.id}"
    assert stored["client_reference_id"] == "ord_c1"
    assert stored["metadata"] == {"order_id": "ord_c1", "pack_code": "corporate", "subject": "man"}
    assert (stored["amount_total"], stored["currency"], stored["mode"]) == (1499, "usd", "payment")
    assert stored["expires_at"] == int(expires.timestamp())
    assert session.expires_at == datetime.fromtimestamp(int(expires.timestamp()), UTC)


def test_the_same_order_twice_is_the_same_session(sandbox):
    url, state = sandbox
    expires = T0 + timedelta(minutes=31)
    first = checkout(url, "ord_c2", expires)
    second = checkout(url, "ord_c2", expires)
    assert first.id == second.id
    assert sum(1 for s in state.sessions.values() if s["client_reference_id"] == "ord_c2") == 1


def test_a_wrong_key_and_a_short_expiry_are_refused(sandbox):
    url, _ = sandbox
    soon = T0 + timedelta(minutes=5)
    with pytest.raises(Rejected, match="Invalid API Key"):
        checkout(url, "o", soon, key="sk_test_wrong")
    with pytest.raises(Rejected, match="30 minutes"):
        checkout(url, "o", soon)


def test_an_expiry_beyond_a_day_and_an_unknown_locale_are_refused(sandbox):
    url, _ = sandbox
    with pytest.raises(Rejected, match="24 hours"):
        checkout(url, "o", T0 + timedelta(hours=24, minutes=1))
    with pytest.raises(Rejected, match="locale"):
        checkout(url, "o", T0 + timedelta(minutes=40), language="xx")


def test_a_spanish_speaker_gets_the_page_and_the_product_in_spanish(sandbox):
    url, state = sandbox
    session = checkout(url, "ord_es", T0 + timedelta(minutes=40), language="es")
    assert state.sessions[session.id]["locale"] == "es"
    assert state.product_names[session.id] == PACK.text("title", "es") != PACK.text("title", "en")


def test_a_key_reused_with_other_parameters_is_refused(sandbox):
    url, _ = sandbox
    checkout(url, "ord_k1", T0 + timedelta(minutes=40))
    with pytest.raises(Rejected, match="same parameters"):
        checkout(url, "ord_k1", T0 + timedelta(minutes=41))


def test_a_500_is_replayed_under_its_key_after_stripe_recovers(sandbox):
    url, state = sandbox
    state.outage.until = T0.timestamp() + 60
    expires = T0 + timedelta(minutes=40)
    try:
        with pytest.raises(Transient):
            checkout(url, "ord_k2", expires)
    finally:
        state.outage.until = 0
    with pytest.raises(AttemptSpent):  # the saved answer, not a new try
        checkout(url, "ord_k2", expires)
    assert checkout(url, "ord_k2", expires, attempt=2).id  # another key is a new request


def test_a_key_still_in_flight_is_a_conflict_that_leaves_the_attempt_usable(sandbox):
    url, state = sandbox
    state.outage.until, state.outage.hang = T0.timestamp() + 1.5, True  # Stripe holds calls
    expires = T0 + timedelta(minutes=40)
    try:
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(checkout, url, "ord_k3", expires)
            time.sleep(0.5)
            with pytest.raises(Transient, match="unavailable") as conflict:
                checkout(url, "ord_k3", expires)
            assert not isinstance(conflict.value, AttemptSpent)
            session = first.result(timeout=10)
    finally:
        state.outage.until, state.outage.hang = 0, False
    assert checkout(url, "ord_k3", expires).id == session.id


def test_a_refund_needs_a_paid_session(sandbox):
    url, state = sandbox
    expires = T0 + timedelta(minutes=40)
    session = checkout(url, "ord_c3", expires)
    with pytest.raises(Rejected):
        gateway(url).refund(order_id="ord_c3", payment_intent="pi_nothing")
    state.sessions[session.id].update(payment_status="paid", payment_intent="pi_c3")
    refund_id = gateway(url).refund(order_id="ord_c3", payment_intent="pi_c3")
    again = gateway(url).refund(order_id="ord_c3", payment_intent="pi_c3")
    assert refund_id == again
    assert [r["amount"] for r in state.refunds if r["payment_intent"] == "pi_c3"] == [1499]


def test_a_partial_refund_is_made_once_and_never_beyond_what_was_paid(sandbox):
    url, state = sandbox
    expires = T0 + timedelta(minutes=40)
    session = checkout(url, "ord_p4", expires)
    state.sessions[session.id].update(payment_status="paid", payment_intent="pi_p4")
    first = gateway(url).refund(order_id="ord_p4", payment_intent="pi_p4", amount_minor=750)
    again = gateway(url).refund(order_id="ord_p4", payment_intent="pi_p4", amount_minor=750)
    assert first == again  # the same idempotency key: the same refund
    with pytest.raises(Rejected, match="greater than unrefunded"):
        gateway(url).refund(order_id="ord_p4x", payment_intent="pi_p4", amount_minor=800)
    rest = gateway(url).refund(order_id="ord_p4", payment_intent="pi_p4")  # the full-refund key
    assert rest != first
    refunds = [r for r in state.refunds if r["payment_intent"] == "pi_p4"]
    assert [r["amount"] for r in refunds] == [750, 749]
    assert len({r["charge"] for r in refunds}) == 1  # both give back part of the one charge


def test_the_signature_matches_stripes_scheme_and_test_vector():
    # docs.stripe.com/webhooks/signature
    header = sign("whsec_test_secret", '{"id":"evt_1","object":"event"}', 1700000000)
    assert (
        header == "t=1700000000,v1=0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd"
    )
    payload = '{"id": "evt_2", "object": "event", "type": "x", "data": {"object": {}}}'
    header = sign("whsec_x", payload, int(T0.timestamp()))
    # The library's age check reads the wall clock; the payment service checks the age itself.
    assert stripe.WebhookSignature.verify_header(payload, header, "whsec_x") is True


def test_bracket_forms_become_objects():
    parsed = parse_brackets(
        [
            ("mode", "payment"),
            ("line_items[0][price_data][unit_amount]", "1499"),
            ("line_items[0][quantity]", "1"),
            ("metadata[order_id]", "o1"),
        ]
    )
    assert parsed == {
        "mode": "payment",
        "line_items": [{"price_data": {"unit_amount": "1499"}, "quantity": "1"}],
        "metadata": {"order_id": "o1"},
    }
