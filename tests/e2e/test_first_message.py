"""One message end to end: sandbox (as Twilio) -> message webhook -> pub/sub -> reply."""

import itertools
import time
from urllib.parse import urlencode

import httpx
import pytest

from services.sandbox.people import InboundMessage
from services.sandbox.twilio_fake import build_inbound_form, new_sid, sign
from tools import devstack

pytestmark = pytest.mark.e2e

_phones = itertools.count(1)


def new_phone() -> str:
    return f"+1555{next(_phones):07d}"


def replies(stack, phone):
    response = httpx.get(
        f"{stack['sandbox'].url}/sandbox/messages", params={"to": f"whatsapp:{phone}"}, timeout=5
    )
    return response.json()["messages"]


def wait_for_replies(stack, phone, count, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = replies(stack, phone)
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{phone}: expected {count} replies, got {replies(stack, phone)}")


def send(stack, phone, text="hi", message_sid=None):
    body = {"phone": phone, "text": text, "message_sid": message_sid}
    response = httpx.post(f"{stack['sandbox'].url}/sandbox/twilio/inbound", json=body, timeout=20)
    assert response.status_code == 200, response.text
    return response.json()


def test_hi_is_answered_through_real_sidecars(stack):
    phone = new_phone()
    assert send(stack, phone)["webhook_status"] == 200
    [welcome] = wait_for_replies(stack, phone, 1)
    assert "Astria portrait bot" in welcome["body"]
    assert "Before we start" in welcome["body"]
    assert welcome["from"] == "whatsapp:+14155238886"
    # The consent question is two buttons: a quick-reply made through Twilio's Content API.
    assert welcome["content_sid"].startswith("HX")
    assert [o["id"] for o in welcome["interactive"]["options"]] == ["yes", "no"]


def test_the_sidecars_run_daprd_built_by_the_project(stack):
    metadata = httpx.get(
        f"{stack['message'].dapr_url}/v1.0/metadata", headers=stack.dapr_headers, timeout=5
    ).json()
    assert metadata["runtimeVersion"] == devstack.DAPRD_VERSION
    subscriptions = {s["topic"]: s for s in metadata["subscriptions"]}
    assert "whatsapp.inbound" in subscriptions
    assert "photo.checked" in subscriptions
    assert {s["deadLetterTopic"] for s in subscriptions.values()} == {"deadletter"}
    components = {c["name"]: c["type"] for c in metadata["components"]}
    expected_state = "state.sqlite" if stack.profile == "local" else "state.redis"
    assert components["statestore"] == expected_state
    assert components["pubsub"] == "pubsub.redis"


def test_a_forged_signature_gets_403_and_publishes_nothing(stack):
    phone = new_phone()
    form = build_inbound_form(
        InboundMessage(phone=phone, text="hi"),
        account_sid="AC" + "0" * 32,
        to="whatsapp:+14155238886",
        message_sid=new_sid("SM"),
    )
    url = f"{stack['message'].url}/SmsReceived"
    forged = sign("not-the-auth-token", url, form)
    response = httpx.post(
        url,
        content=urlencode(form),
        headers={"X-Twilio-Signature": forged, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert response.status_code == 403
    # A genuine message afterwards is answered (the welcome), and nothing else.
    send(stack, phone)
    wait_for_replies(stack, phone, 1)
    time.sleep(1.5)
    assert len(replies(stack, phone)) == 1


def test_the_same_message_sid_twice_yields_one_reply(stack):
    phone = new_phone()
    sid = new_sid("SM")
    assert send(stack, phone, message_sid=sid)["webhook_status"] == 200
    assert send(stack, phone, message_sid=sid)["webhook_status"] == 200
    # Had "hi" been handled twice, the second would get the consent reminder.
    send(stack, phone, text="yes")
    wait_for_replies(stack, phone, 2)
    time.sleep(1.5)
    bodies = [m["body"] for m in replies(stack, phone)]
    assert len(bodies) == 2
    assert "Thank you" in bodies[1]


@pytest.mark.parametrize("channel", ["twilio", "meta"])
def test_delivery_receipts_reach_the_outbound_log(stack, channel):
    """Twilio's status callbacks and Meta's `statuses` notifications, as each fake sends
    them after a send, move the log to delivered."""
    import sqlite3

    phone = new_phone()
    body = {"phone": phone, "text": "hi"}
    answer = httpx.post(f"{stack['sandbox'].url}/sandbox/{channel}/inbound", json=body, timeout=20)
    assert answer.status_code == 200, answer.text
    replies_sent = wait_for_replies(stack, phone, 1)
    database = stack.workdir / "data" / "message.db"
    deadline = time.monotonic() + 20
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as connection:
            rows = connection.execute(
                "SELECT provider_message_id, status FROM outbound_message WHERE user_address = ?",
                (f"whatsapp:{phone}",),
            ).fetchall()
        statuses = dict(rows)
        if len(statuses) == 1 and set(statuses.values()) == {"delivered"}:
            break
        time.sleep(0.2)
    assert statuses == {reply["sid"]: "delivered" for reply in replies_sent}


def test_both_hops_are_closed_to_strangers_exactly_when_tokens_are_set(stack):
    """The `local` stack runs with both tokens (Kubernetes' and Azure's way), `redis`
    without (as `make run`): the journeys above went through either. Without a token, a
    caller is refused on every route daprd calls, and by daprd itself."""
    stranger = 401 if stack.tokens else 200
    message, maintenance = stack["message"].url, stack["maintenance"].url
    calls = {
        "subscriptions": httpx.get(f"{message}/dapr/subscribe", timeout=5),
        "a delivery": httpx.post(f"{message}/events/whatsapp.inbound", json={}, timeout=5),
        "a cron tick": httpx.post(f"{maintenance}/cron-reconcile", timeout=10),
        "the sidecar": httpx.get(f"{stack['message'].dapr_url}/v1.0/metadata", timeout=5),
    }
    assert {what: call.status_code for what, call in calls.items()} == dict.fromkeys(
        calls, stranger
    )
    as_daprd = httpx.get(f"{message}/dapr/subscribe", headers=stack.sidecar_headers, timeout=5)
    assert "whatsapp.inbound" in {s["topic"] for s in as_daprd.json()}
