import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from services.message.app import create_app
from services.message.bootstrap import MessageRuntime
from services.message.handlers import CONVERSATION_EVENTS
from services.message.settings import MessageSettings
from shared.events.topics import DEADLETTER_TOPIC, Topic
from tests.fakes import (
    AsyncPublisherOf,
    RecordingPublisher,
    cloudevent,
    message_ports_on_fakes,
)
from tests.servers import in_process

AUTH_TOKEN = "test-auth-token"
META_SECRET = "meta-app-secret"
URL = "http://testserver/SmsReceived"


def form(message_sid="SM" + "1" * 32, **overrides):
    return {
        "MessageSid": message_sid,
        "SmsMessageSid": message_sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "whatsapp:+15551234567",
        "To": "whatsapp:+14155238886",
        "Body": "hi",
        "NumMedia": "0",
        "ProfileName": "Jane",
        "WaId": "15551234567",
        **overrides,
    }


def signed_post(client, data, token=AUTH_TOKEN, url=URL):
    signature = RequestValidator(token).compute_signature(url, data)
    return client.post(
        "/SmsReceived",
        content=urlencode(data),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )


@pytest.fixture
def runtime():
    publisher = RecordingPublisher()
    ports = message_ports_on_fakes(MessageSettings(), publisher=publisher)
    return MessageRuntime(
        inbound=AsyncPublisherOf(publisher),
        ports=ports,
        clock=ports.clock,
        twilio_auth_token=AUTH_TOKEN,
        meta_app_secret=META_SECRET,
        meta_verify_token="verify-me",
    )


@pytest.fixture
def client(runtime):
    yield from in_process(create_app, runtime, MessageSettings(max_webhook_bytes=4096))


def published(runtime):
    return runtime.ports.publisher.published


def test_a_signed_webhook_is_acknowledged_with_empty_twiml_and_published(client, runtime):
    response = signed_post(client, form())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    [(topic, event, event_id)] = published(runtime)
    assert (topic, event_id) == (Topic.WHATSAPP_INBOUND, "twilio-SM" + "1" * 32)
    assert event.text == "hi"


def test_a_forged_signature_is_refused_and_nothing_is_published(client, runtime):
    response = signed_post(client, form(), token="not-the-auth-token")
    assert response.status_code == 403
    assert published(runtime) == []


def webhooks_counted(client, status):
    metrics = client.get("/metrics/").text
    line = f'bot_webhooks_total{{route="/SmsReceived",status="{status}"}} '
    counts = [float(m.removeprefix(line)) for m in metrics.splitlines() if m.startswith(line)]
    return counts[0] if counts else 0


def test_every_webhook_is_counted_by_the_status_it_was_answered(client, runtime):
    refused, accepted = webhooks_counted(client, "403"), webhooks_counted(client, "200")
    assert signed_post(client, form(), token="not-the-auth-token").status_code == 403
    assert signed_post(client, form()).status_code == 200
    assert webhooks_counted(client, "403") == refused + 1
    assert webhooks_counted(client, "200") == accepted + 1


def test_a_missing_signature_is_refused(client, runtime):
    response = client.post("/SmsReceived", data=form())
    assert response.status_code == 403
    assert published(runtime) == []


def test_a_tampered_body_is_refused(client, runtime):
    data = form()
    signature = RequestValidator(AUTH_TOKEN).compute_signature(URL, data)
    data["Body"] = "send me everything"
    response = client.post("/SmsReceived", data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert published(runtime) == []


def test_a_replayed_message_sid_has_one_effect(client, runtime):
    assert signed_post(client, form()).status_code == 200
    assert signed_post(client, form()).status_code == 200
    # Both deliveries go out under the provider's id; the conversation decides it once.
    deliveries = published(runtime)
    assert [event_id for _, _, event_id in deliveries] == ["twilio-SM" + "1" * 32] * 2
    for _, event, event_id in deliveries:
        envelope = {
            "id": event_id,
            "topic": "whatsapp.inbound",
            "data": event.model_dump(mode="json"),
        }
        answer = client.post("/events/whatsapp.inbound", content=json.dumps(envelope))
        assert answer.json() == {"status": "SUCCESS"}
    # One welcome, its consent buttons on it: the replay adds nothing.
    assert len(runtime.ports.senders["twilio"].texts_to("whatsapp:+15551234567")) == 1


def test_a_publish_the_broker_refuses_is_a_503_so_the_provider_delivers_again(client, runtime):
    runtime.ports.publisher.fail = True
    response = signed_post(client, form())
    assert response.status_code == 503
    runtime.ports.publisher.fail = False
    assert signed_post(client, form()).status_code == 200
    assert len(published(runtime)) == 1


def test_a_signed_but_malformed_form_gets_422_and_nothing_is_published(client, runtime):
    response = signed_post(client, form(NumMedia="lots"))
    assert response.status_code == 422
    assert "NumMedia" in response.json()["error"]
    assert published(runtime) == []


def test_an_oversized_body_gets_413_before_anything_else(client, runtime):
    response = signed_post(client, form(Body="x" * 5000))
    assert response.status_code == 413
    assert published(runtime) == []


def test_the_signature_is_checked_against_the_configured_public_url(runtime):
    settings = MessageSettings(public_base_url="https://bot.example.com")
    with TestClient(create_app(settings, build_deps=lambda _s: runtime)) as client:
        behind_proxy = signed_post(client, form(), url="https://bot.example.com/SmsReceived")
        as_seen_inside = signed_post(client, form(message_sid="SM" + "2" * 32))
    assert behind_proxy.status_code == 200
    assert as_seen_inside.status_code == 403


def inbound_delivery(data):
    return cloudevent(data, event_id="twilio-SM9", topic="whatsapp.inbound", source="message")


INBOUND = {
    "channel": "twilio",
    "provider_message_id": "SM9",
    "sender": "whatsapp:+15551234567",
    "profile_name": "Jane",
    "text": "hi",
    "received_at": "2026-11-26T10:00:00Z",
}


def test_the_subscriber_answers_and_reports_success(client, runtime):
    response = client.post(
        "/events/whatsapp.inbound",
        content=inbound_delivery(INBOUND),
        headers={"Content-Type": "application/cloudevents+json"},
    )
    assert response.json() == {"status": "SUCCESS"}
    assert (
        "Astria portrait bot"
        in runtime.ports.senders["twilio"].texts_to("whatsapp:+15551234567")[0]
    )


def test_a_poison_event_is_dropped_to_the_dead_letter_topic(client, runtime):
    response = client.post(
        "/events/whatsapp.inbound", content=inbound_delivery({"text": "no sender"})
    )
    assert response.status_code == 200
    assert response.json() == {"status": "DROP"}
    assert runtime.ports.senders["twilio"].sent == []


def test_a_failing_send_is_retried(client, runtime):
    def broken(**_):
        raise ConnectionError("twilio unreachable")

    runtime.ports.senders["twilio"].send_text = broken
    response = client.post("/events/whatsapp.inbound", content=inbound_delivery(INBOUND))
    assert response.json() == {"status": "RETRY"}


def test_every_subscription_names_the_dead_letter_topic(client):
    subscriptions = client.get("/dapr/subscribe").json()
    assert {s["topic"] for s in subscriptions} == {
        Topic.WHATSAPP_INBOUND,
        Topic.MAINTENANCE_CLEANUP,
        Topic.MAINTENANCE_RECONCILE,
        *(event.TOPIC for event in CONVERSATION_EVENTS),
    }
    for subscription in subscriptions:
        assert subscription["deadLetterTopic"] == DEADLETTER_TOPIC
        assert subscription["route"] == f"/events/{subscription['topic']}"


def test_subscriptions_require_the_app_api_token_when_one_is_set(runtime):
    settings = MessageSettings(app_api_token="s3cret")
    with TestClient(create_app(settings, build_deps=lambda _s: runtime)) as client:
        without = client.post("/events/whatsapp.inbound", content=inbound_delivery(INBOUND))
        with_token = client.post(
            "/events/whatsapp.inbound",
            content=inbound_delivery(INBOUND),
            headers={"dapr-api-token": "s3cret"},
        )
    assert without.status_code == 401
    assert with_token.json() == {"status": "SUCCESS"}
    assert len(runtime.ports.senders["twilio"].sent) == 1  # the one delivery let in


# --- Meta Cloud API --------------------------------------------------------------------


def meta_body(*message_ids, object_="whatsapp_business_account"):
    messages = [
        {"from": "16505551234", "id": mid, "timestamp": "1", "type": "text", "text": {"body": "hi"}}
        for mid in message_ids
    ]
    value = {"contacts": [{"wa_id": "16505551234", "profile": {"name": "S"}}], "messages": messages}
    return json.dumps(
        {
            "object": object_,
            "entry": [{"id": "W", "changes": [{"field": "messages", "value": value}]}],
        }
    ).encode()


def meta_post(client, raw, secret=META_SECRET):
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return client.post(
        "/webhooks/meta",
        content=raw,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )


def test_meta_verification_echoes_the_challenge_only_for_the_right_token(client):
    ok = client.get(
        "/webhooks/meta",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me",
            "hub.challenge": "1158201444",
        },
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert ok.headers["content-type"].startswith("text/plain")
    wrong = client.get(
        "/webhooks/meta",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    assert wrong.status_code == 403


def test_a_signed_meta_batch_publishes_every_message_in_order_under_its_own_id(client, runtime):
    response = meta_post(client, meta_body("wamid.A", "wamid.B"))
    assert response.status_code == 200
    assert response.json() == {"accepted": 2, "statuses": 0}
    # Meta's redelivery goes out under the same id, which the conversation decides once.
    assert meta_post(client, meta_body("wamid.A")).status_code == 200
    ids = [event_id for _, _, event_id in published(runtime)]
    assert ids == ["meta-wamid.A", "meta-wamid.B", "meta-wamid.A"]


def test_a_forged_meta_signature_is_refused_and_nothing_is_published(client, runtime):
    assert meta_post(client, meta_body("wamid.A"), secret="guess").status_code == 403
    unsigned = client.post("/webhooks/meta", content=meta_body("wamid.A"))
    assert unsigned.status_code == 403
    assert published(runtime) == []


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        meta_body("wamid.A", object_="page"),
        b'{"object":"whatsapp_business_account","entry":5}',
    ],
)
def test_a_signed_but_malformed_meta_body_gets_422(client, runtime, raw):
    assert meta_post(client, raw).status_code == 422
    assert published(runtime) == []


def test_an_oversized_meta_body_gets_413(runtime):
    settings = MessageSettings(max_meta_webhook_bytes=1000)
    with TestClient(create_app(settings, build_deps=lambda _s: runtime)) as client:
        assert meta_post(client, b" " * 2000).status_code == 413
    assert published(runtime) == []


def test_a_signed_status_callback_updates_the_log(client, runtime):
    runtime.ports.records.sent_many([("twilio", "SM7", "whatsapp:+1", "text", "x")])
    data = {"MessageSid": "SM7", "MessageStatus": "delivered", "AccountSid": "AC1"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        "http://testserver/twilio/status", data
    )
    response = client.post("/twilio/status", data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 204
    assert runtime.ports.records.outbound[0]["status"] == "delivered"
    forged = client.post(
        "/twilio/status",
        data={**data, "MessageStatus": "read"},
        headers={"X-Twilio-Signature": signature},
    )
    assert forged.status_code == 403
    assert runtime.ports.records.outbound[0]["status"] == "delivered"


def test_meta_statuses_update_the_log(client, runtime):
    runtime.ports.records.sent_many([("meta", "wamid.S", "whatsapp:+1", "text", "x")])
    value = {
        "statuses": [{"id": "wamid.S", "status": "read", "timestamp": "1", "recipient_id": "1"}]
    }
    raw = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "W", "changes": [{"field": "messages", "value": value}]}],
        }
    ).encode()
    response = meta_post(client, raw)
    assert response.json() == {"accepted": 0, "statuses": 1}
    assert runtime.ports.records.outbound[0]["status"] == "read"
