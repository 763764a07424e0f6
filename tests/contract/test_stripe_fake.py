"""The real stripe library against the sandbox's fake Stripe, and Stripe's signature scheme."""

from datetime import UTC, datetime, timedelta

import pytest
import stripe

from services.payment.adapters.stripe_gateway import StripeGateway
from services.sandbox.app import create_app
from services.sandbox.bootstrap import SandboxRuntime
from services.sandbox.settings import SandboxSettings
from services.sandbox.store import SandboxStore
from services.sandbox.stripe_fake import parse_brackets, sign
from shared.errors import Rejected
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


PACK = load_catalogue().get("corporate")


def test_a_checkout_session_carries_the_order_and_the_catalogue_price(sandbox):
    url, state = sandbox
    expires = T0 + timedelta(minutes=45)
    session = gateway(url).open_checkout(
        order_id="ord_c1", pack=PACK, subject="man", expires_at=expires
    )
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
    first = gateway(url).open_checkout(
        order_id="ord_c2", pack=PACK, subject="man", expires_at=expires
    )
    second = gateway(url).open_checkout(
        order_id="ord_c2", pack=PACK, subject="man", expires_at=expires
    )
    assert first.id == second.id
    assert sum(1 for s in state.sessions.values() if s["client_reference_id"] == "ord_c2") == 1


def test_a_wrong_key_and_a_short_expiry_are_refused(sandbox):
    url, _ = sandbox
    soon = T0 + timedelta(minutes=5)
    with pytest.raises(Rejected, match="Invalid API Key"):
        gateway(url, key="sk_test_wrong").open_checkout(
            order_id="o", pack=PACK, subject="man", expires_at=soon
        )
    with pytest.raises(Rejected, match="30 minutes"):
        gateway(url).open_checkout(order_id="o", pack=PACK, subject="man", expires_at=soon)


def test_a_refund_needs_a_paid_session(sandbox):
    url, state = sandbox
    expires = T0 + timedelta(minutes=40)
    session = gateway(url).open_checkout(
        order_id="ord_c3", pack=PACK, subject="man", expires_at=expires
    )
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
    session = gateway(url).open_checkout(
        order_id="ord_p4", pack=PACK, subject="man", expires_at=expires
    )
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
