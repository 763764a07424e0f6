import hashlib
import hmac

import pytest

from services.message.adapters.meta_inbound import parse_notification, signature_is_valid
from services.message.adapters.meta_sender import recipient
from shared.errors import Rejected
from shared.events.message import Channel
from tests.fakes import T0


def parse(body):
    return parse_notification(body, T0)


def envelope(*messages, contacts=None, statuses=()):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": contacts
        if contacts is not None
        else [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
        "messages": list(messages),
        "statuses": list(statuses),
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def text(body, message_id="wamid.1", sender="16505551234"):
    return {
        "from": sender,
        "id": message_id,
        "timestamp": "1749416383",
        "type": "text",
        "text": {"body": body},
    }


def test_a_text_message_becomes_the_channel_neutral_event():
    [event], statuses = parse(envelope(text("Does it come in another color?")))
    assert event.channel is Channel.META
    assert event.sender == "whatsapp:+16505551234"
    assert event.profile_name == "Sheena Nelson"
    assert event.text == "Does it come in another color?"
    assert event.provider_message_id == "wamid.1"
    assert event.received_at.year == 2025
    assert statuses == []


def test_an_image_keeps_its_media_id_and_caption():
    image = {
        "from": "16505551234",
        "id": "wamid.2",
        "timestamp": "1",
        "type": "image",
        "image": {"caption": "me", "mime_type": "image/jpeg", "sha256": "x", "id": "1234567890"},
    }
    [event], _ = parse(envelope(image))
    assert event.media[0].reference == "1234567890"
    assert event.media[0].content_type == "image/jpeg"
    assert event.text == "me"


def test_every_message_of_a_batch_is_read():
    messages, _ = parse(envelope(text("a", "wamid.a"), text("b", "wamid.b")))
    assert [m.text for m in messages] == ["a", "b"]


def test_locations_buttons_and_reactions():
    location = {
        "from": "1",
        "id": "w.l",
        "type": "location",
        "location": {"latitude": 1, "longitude": 2},
    }
    button = {
        "from": "1",
        "id": "w.b",
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "YES"}},
    }
    reaction = {
        "from": "1",
        "id": "w.r",
        "type": "reaction",
        "reaction": {"message_id": "w.x", "emoji": "👍"},
    }
    messages, _ = parse(envelope(location, button, reaction, contacts=[]))
    assert [(m.message_type, m.text, m.choice) for m in messages] == [
        ("location", "", None),
        ("interactive", "YES", "yes"),
    ]


def test_whatsapps_system_messages_are_not_read_as_words_of_the_person():
    """Meta's system messages webhook (a changed number, a changed user id): no contacts
    array, nothing the person wrote. Read as an empty text, the bot would answer the old
    number "I didn't catch that"."""
    changed = {
        "from": "16505551234",
        "id": "wamid.s",
        "timestamp": "1749416383",
        "type": "system",
        "system": {
            "body": "User Sheena changed from 16505551234 to 16505559999",
            "wa_id": "16505559999",
            "type": "user_changed_number",
        },
    }
    reply = {
        "context": {"from": "15550783881", "id": "wamid.ours"},
        "from": "16505551234",
        "id": "wamid.l",
        "timestamp": "1749416384",
        "type": "interactive",
        "interactive": {
            "type": "list_reply",
            "list_reply": {"id": "woman", "title": "Woman", "description": "An adult woman"},
        },
    }
    messages, _ = parse(envelope(changed, reply, contacts=[]))
    assert [(m.provider_message_id, m.choice) for m in messages] == [("wamid.l", "woman")]


def test_a_user_without_a_phone_number_is_keyed_on_the_business_scoped_id():
    message = {
        "from_user_id": "US.13491208655302741918",
        "id": "w.u",
        "type": "text",
        "text": {"body": "hi"},
    }
    [event], _ = parse(
        envelope(
            message, contacts=[{"user_id": "US.13491208655302741918", "profile": {"name": "X"}}]
        )
    )
    assert event.sender == "whatsapp:US.13491208655302741918"
    assert recipient(event.sender) == "US.13491208655302741918"


def test_statuses_are_returned_separately():
    status = {"id": "wamid.9", "status": "read", "timestamp": "1", "recipient_id": "16505551234"}
    messages, statuses = parse(envelope(statuses=[status]))
    assert messages == []
    assert statuses == [status]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"object": "page"},
        {"object": "whatsapp_business_account", "entry": "nope"},
        envelope({"type": "text", "text": {"body": "no sender"}}),
        envelope({"from": "1", "id": "w", "type": "image", "image": {}}),
    ],
)
def test_malformed_notifications_are_rejected(body):
    with pytest.raises(Rejected):
        parse(body)


def test_the_signature_is_an_hmac_of_the_raw_body_with_the_app_secret():
    raw = b'{"object":"whatsapp_business_account","entry":[]}'
    good = "sha256=" + hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
    assert signature_is_valid("app-secret", raw, good)
    assert signature_is_valid("app-secret", raw, good.upper().replace("SHA256=", "sha256="))
    assert not signature_is_valid("other-secret", raw, good)
    assert not signature_is_valid("app-secret", raw + b" ", good)
    assert not signature_is_valid("app-secret", raw, good.removeprefix("sha256="))
    assert not signature_is_valid("app-secret", raw, "")


def test_a_message_without_a_usable_timestamp_counts_as_received_now():
    message = {"from": "15551234567", "id": "wamid.t", "type": "text", "text": {"body": "hi"}}
    for stamp in (None, "soon", "9" * 30):
        [event], _ = parse(envelope({**message, "timestamp": stamp}))
        assert event.received_at == T0
