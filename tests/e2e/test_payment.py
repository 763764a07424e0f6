"""Payments on real sidecars: checkout.requested → a session at the sandbox's Stripe → pay →
signed webhook → payment.completed once, even when Stripe delivers it three times; and
tune.failed → a refund recorded at Stripe."""

import itertools
import time

import httpx
import pytest

from tests.e2e.people import wait_published

pytestmark = pytest.mark.e2e

_orders = itertools.count(1)


def request_checkout(stack, order_id):
    stack.publish_as(
        "message",
        "checkout.requested",
        {
            "order_id": order_id,
            "user": "whatsapp:+15559990000",
            "channel": "twilio",
            "pack_code": "fantasy",
            "subject": "girl",
        },
        event_id=f"checkout-{order_id}",
    )
    [ready] = wait_published(stack, "checkout.ready", order_id=order_id)
    return ready["data"]["url"]


def test_paid_once_although_stripe_delivers_three_times_then_refunded(stack):
    order_id = f"ord_e2e_{next(_orders)}_{stack.profile}"
    url = request_checkout(stack, order_id)
    assert httpx.post(f"{url}/pay", params={"duplicates": 3}, timeout=60).status_code == 200
    [completed] = wait_published(stack, "payment.completed", order_id=order_id)
    assert completed["data"]["amount_minor"] == 1999
    assert completed["data"]["pack_code"] == "fantasy"
    assert completed["id"] == f"payment.completed-{order_id}"
    deliveries = httpx.get(f"{stack['sandbox'].url}/sandbox/stripe", timeout=5).json()["deliveries"]
    assert sum(1 for d in deliveries if d["status"] == 200) >= 3
    time.sleep(1.5)
    assert len(wait_published(stack, "payment.completed", order_id=order_id)) == 1

    stack.publish_as(
        "image",
        "tune.failed",
        {"order_id": order_id, "user": "whatsapp:+15559990000", "reason": "no faces"},
        event_id=f"tune.failed-{order_id}",
    )
    # This order has no photos, so the image service fails its tune too: the refund is
    # announced more than once, always under one event id, and made once at Stripe.
    refunded = wait_published(stack, "payment.refunded", order_id=order_id)
    assert {e["id"] for e in refunded} == {f"payment.refunded-{order_id}"}
    assert refunded[0]["data"]["amount_minor"] == 1999
    state = httpx.get(f"{stack['sandbox'].url}/sandbox/stripe", timeout=5).json()
    session = next(s for s in state["sessions"] if s["client_reference_id"] == order_id)
    assert [r["payment_intent"] for r in state["refunds"]].count(session["payment_intent"]) == 1


def test_an_expiry_delivered_after_the_payment_changes_nothing(stack):
    order_id = f"ord_e2e_{next(_orders)}_{stack.profile}"
    url = request_checkout(stack, order_id)
    httpx.post(f"{url}/pay", params={"expire_after": True, "delayed": True}, timeout=60)
    wait_published(stack, "payment.completed", order_id=order_id)
    time.sleep(1.5)
    assert [
        e for e in stack.published("checkout.expired") if e["data"]["order_id"] == order_id
    ] == []
