"""The payment service's Stripe adapter against Stripe's own mock, and the sandbox's fake
Stripe against the OpenAPI specification that mock serves.

stripe-mock (github.com/stripe/stripe-mock, built by tools/stripe-mock/install.sh)
validates each request against Stripe's published OpenAPI spec: an unknown parameter, a
wrong type or a value outside an enum is a 400. Every call the adapter makes goes
through it with the parameters the service really sends; each check has a negative
control, a request broken on purpose that the same reference refuses.
"""

import json
import subprocess
from datetime import timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest
import stripe

from services.payment.adapters.stripe_gateway import StripeGateway
from services.payment.handlers import signal_of
from services.sandbox import stripe_fake
from shared.errors import Rejected
from shared.packs import load_catalogue
from tests.contract.sandbox import STRIPE_KEY
from tests.fakes import T0, FixedClock
from tools.devstack import CACHE, free_port, wait_for_port

REFERENCE = CACHE / "stripe-mock" / "current"  # tools/stripe-mock/install.sh
CATALOGUE = load_catalogue()


@cache
def spec() -> dict[str, Any]:
    return json.loads((REFERENCE / "spec3.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def stripe_mock(request, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("stripe-mock") / "stripe-mock.log"
    failed_before = request.session.testsfailed
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(REFERENCE / "stripe-mock"), "-http-addr", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, 30, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        if request.session.testsfailed > failed_before:
            print(f"--- stripe-mock's log ---\n{log.read_text()}")


def gateway(base: str) -> StripeGateway:
    return StripeGateway(
        api_key=STRIPE_KEY,
        api_base=base,
        max_network_retries=0,
        success_url="https://wa.me/14155238886?text=paid",
        cancel_url="https://wa.me/14155238886?text=cancelled",
    )


def open_each_kind_of_checkout(base: str, language: str = "en") -> None:
    """Every Checkout Session the service asks for: each pack, each subject, new or a
    re-style, in the language given."""
    expires = T0 + timedelta(minutes=35)  # stripe-mock checks no clock
    for pack in CATALOGUE.packs:
        for restyle in (False, True) if pack.restyle_price_minor else (False,):
            session = gateway(base).open_checkout(
                order_id=f"ord_{pack.code}",
                pack=pack,
                subject=pack.classes[0],
                expires_at=expires,
                attempt=2,
                language=language,
                restyle=restyle,
            )
            assert session.id.startswith("cs_")
            assert session.url.startswith("https://")


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_checkout_session_the_service_opens_is_valid_by_stripes_spec(stripe_mock, language):
    open_each_kind_of_checkout(stripe_mock, language)


def test_both_refunds_the_service_makes_are_valid_by_stripes_spec(stripe_mock):
    assert gateway(stripe_mock).refund(order_id="ord_1", payment_intent="pi_1").startswith("re_")
    partial = gateway(stripe_mock).refund(order_id="ord_1", payment_intent="pi_1", amount_minor=5)
    assert partial.startswith("re_")


def test_negative_control_stripe_mock_refuses_what_stripe_would(stripe_mock):
    # Through the adapter: a locale Stripe does not have.
    with pytest.raises(Rejected, match="locale"):
        open_each_kind_of_checkout(stripe_mock, language="xx")
    # Through the library: a parameter Stripe does not know.
    client = stripe.StripeClient(STRIPE_KEY, base_addresses={"api": stripe_mock})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": "pi_1", "colour": "red"})  # type: ignore[arg-type]


# --- the sandbox's fake, by the same specification ------------------------------------------


def unknown_fields(obj: dict[str, Any], schema: str) -> set[str]:
    """The fields of `obj` that Stripe's object `schema` does not have."""
    return set(obj) - set(spec()["components"]["schemas"][schema]["properties"])


def test_negative_control_a_made_up_field_is_found():
    assert unknown_fields({"id": "cs_1", "line_items_preview": []}, "checkout.session") == {
        "line_items_preview"
    }


def test_the_fakes_objects_have_only_fields_stripe_has(sandbox):
    url, store = sandbox
    state = store.stripe
    session = gateway(f"{url}/stripe").open_checkout(
        order_id="ord_shape",
        pack=CATALOGUE.packs[0],
        subject=CATALOGUE.packs[0].classes[0],
        expires_at=T0 + timedelta(minutes=40),
        attempt=1,
        language="es",
    )
    stored = state.sessions[session.id]
    assert unknown_fields(stored, "checkout.session") == set()
    stored.update(payment_status="paid", payment_intent="pi_shape")
    gateway(f"{url}/stripe").refund(order_id="ord_shape", payment_intent="pi_shape")
    assert unknown_fields(state.refunds[-1], "refund") == set()
    app_state = SimpleNamespace(deps=SimpleNamespace(clock=FixedClock()))
    event = stripe_fake._event(app_state, "checkout.session.completed", stored)
    assert unknown_fields(event, "event") == set()


def test_every_event_type_the_service_reads_is_one_stripe_sends():
    webhook = spec()["paths"]["/v1/webhook_endpoints"]["post"]["requestBody"]["content"]
    schema = webhook["application/x-www-form-urlencoded"]["schema"]
    sent = set(schema["properties"]["enabled_events"]["items"]["enum"])
    read = {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
        "charge.refunded",
    }
    assert all(signal_of(kind, {"refunded": True}) is not None for kind in read)
    assert read <= sent
    assert "checkout.session.paid" not in sent  # negative control: a plausible name, not Stripe's


def test_the_fake_takes_exactly_the_locales_stripe_takes():
    create = spec()["paths"]["/v1/checkout/sessions"]["post"]["requestBody"]["content"]
    schema = create["application/x-www-form-urlencoded"]["schema"]
    assert set(schema["properties"]["locale"]["enum"]) == stripe_fake.LOCALES
