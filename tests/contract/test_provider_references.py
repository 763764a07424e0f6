"""Every call our Twilio and Meta adapters make, checked by the providers' own OpenAPI
documents (Twilio's twilio-oai, Meta's business-messaging spec; vendored with their
licences under references/), on the way to the sandbox's fakes and on the way back.

Each check has a negative control: a request broken on purpose, which the same
document refuses. Where Meta's document is wrong about what Meta takes, META_REPAIRS
corrects it, each with the page of Meta's documentation that says so.
"""

from collections.abc import Iterator
from copy import deepcopy
from typing import Any

import httpx
import pytest

from services.image.adapters.media import MediaFetcher, MediaSettings
from services.message.adapters.meta_inbound import parse_notification
from services.message.adapters.meta_sender import MetaSender
from services.message.adapters.twilio_sender import TwilioSender
from services.message.domain.conversation import Option
from tests.contract import openapi
from tests.contract.openapi import Reference
from tests.contract.sandbox import ACCOUNT_SID, AUTH_TOKEN, META_TOKEN, meta_sender, sender
from tests.fakes import T0
from tests.servers import serve

TWILIO = {
    "/twilio/messaging": "twilio-oai-twilio_messaging_v2",
    "/twilio/content": "twilio-oai-twilio_content_v1",
    "/twilio": "twilio-oai-twilio_api_v2010",
}
META = {"/meta": "facebook-openapi-business-messaging-api_v23.0"}
PERSON = "whatsapp:+15551234567"
BUTTONS = [Option("size:small", "Small"), Option("size:large", "Large")]
ROWS = [
    Option("pack:corporate", "Corporate headshots", "8 portraits · $14.99"),
    Option("pack:fantasy", "Fantasy", "8 portraits · $19.99"),
]


@pytest.fixture(scope="module")
def checked(sandbox) -> Iterator[tuple[str, Reference, Any]]:
    """(proxy URL, the reference noting problems, the sandbox's store)."""
    url, store = sandbox
    reference = Reference({**TWILIO, **META})
    with serve(openapi.proxy(reference, url)) as checked_url:
        yield checked_url, reference, store


@pytest.fixture
def reference(checked) -> Reference:
    reference: Reference = checked[1]
    reference.problems.clear()
    reference.calls.clear()
    return reference


def send_everything(sender: TwilioSender | MetaSender, to: str, typing_on: str) -> None:
    """Each kind of message the bot sends, in both languages where it has a template."""
    sender.send_text(to=to, body="Thanks! 3 photos received.")
    sender.send_image(to=to, url="https://bot.example/portraits/p1.jpg", caption="1 of 8")
    sender.send_document(to=to, url="https://bot.example/documents/p1.pdf", filename="p1.pdf")
    for language in ("en", "es"):
        sender.send_buttons(to=to, body="Which size?", buttons=BUTTONS, language=language)
        sender.send_menu(to=to, body="Pick a pack", button="Packs", rows=ROWS, language=language)
        sender.send_link(
            to=to,
            body="Pay securely with Stripe",
            label="Pay $14.99",
            url="https://checkout.stripe.com/c/pay/cs_test_a1",
            language=language,
        )
        sender.send_template(to=to, text="Your portraits are ready.", language=language)
    sender.show_typing(message_id=typing_on)


def test_every_twilio_call_the_bot_makes_is_one_twilio_documents(checked, reference):
    url, _, store = checked
    twilio = sender(url, status_callback="https://bot.example/twilio/status")
    send_everything(twilio, PERSON, typing_on="SM" + "b" * 32)
    store.add_media("ME" + "2" * 32, "image/jpeg", b"\xff\xd8 jpeg")
    fetcher = MediaFetcher(
        MediaSettings(
            twilio_api_base=f"{url}/twilio",
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_media_hosts=frozenset({"127.0.0.1"}),
            meta_graph_base=f"{url}/meta/v26.0",
            meta_access_token=META_TOKEN,
            meta_media_hosts=frozenset({"127.0.0.1"}),
            max_bytes=1024,
            timeout=10,
            allow_private_hosts=True,
        )
    )
    media = f"{url}/twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME{'2' * 32}"
    assert fetcher.forget("twilio", media) is True
    assert reference.problems == []
    made = {template for _, template in reference.calls}
    assert made == {
        "/2010-04-01/Accounts/{AccountSid}/Messages.json",
        "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json",
        "/v1/Content",
        "/v2/Indicators/Typing.json",
    }


def test_every_meta_body_the_bot_sends_is_one_metas_spec_allows(checked, reference):
    url, _, _ = checked
    send_everything(meta_sender(url), "15551234567", typing_on="wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ=")
    assert reference.problems == []
    assert {t for _, t in reference.calls} == {"/{Version}/{Phone-Number-ID}/messages"}


def test_negative_control_twilio_refuses_an_unknown_parameter_and_a_missing_one(checked, reference):
    url, _, _ = checked
    form = {"From": "whatsapp:+14155238886", "Body": "hi", "Colour": "red"}
    httpx.post(
        f"{url}/twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        data=form,
        auth=(ACCOUNT_SID, AUTH_TOKEN),
    )
    assert any("unknown parameter Colour" in p for p in reference.problems)
    assert any("'To' is a required property" in p for p in reference.problems)


def test_negative_control_twilio_refuses_a_content_template_of_no_known_type(checked, reference):
    url, _, _ = checked
    template = {"friendly_name": "x", "language": "en", "types": {"twilio/text": "not an object"}}
    httpx.post(f"{url}/twilio/content/v1/Content", json=template, auth=(ACCOUNT_SID, AUTH_TOKEN))
    assert any("types/twilio/text" in p for p in reference.problems), reference.problems


def test_negative_control_meta_refuses_a_button_without_a_title(checked, reference):
    url, _, _ = checked
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "15551234567",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Which size?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "size:small"}}]},
        },
    }
    httpx.post(
        f"{url}/meta/v26.0/100000000000001/messages",
        json=body,
        headers={"Authorization": f"Bearer {META_TOKEN}"},
    )
    assert any("interactive/action" in p for p in reference.problems), reference.problems


def webhook_examples() -> dict[str, Any]:
    spec = openapi.document(META["/meta"]).spec
    content = spec["paths"]["/whatsapp/webhooks"]["post"]["requestBody"]["content"]
    return {
        name: example["value"] for name, example in content["application/json"]["examples"].items()
    }


@pytest.mark.parametrize("name", sorted(webhook_examples()))
def test_each_of_metas_own_webhook_examples_is_read_without_error(name):
    notification = webhook_examples()[name]
    messages, statuses = parse_notification(notification, T0)
    # A person's message becomes one inbound message each, its text read; nothing else does.
    sent = {
        raw["id"]: raw
        for entry in notification["entry"]
        for change in entry["changes"]
        if change.get("field") == "messages"
        for raw in change["value"].get("messages") or []
    }
    assert {m.provider_message_id for m in messages} <= set(sent), name
    for message in messages:
        raw = sent[message.provider_message_id]
        assert message.sender == f"whatsapp:+{raw['from']}", name  # one address for both channels
        if raw.get("type") == "text":
            assert message.text == raw["text"]["body"], name
    assert all(isinstance(status, dict) for status in statuses), name


def test_negative_control_a_webhook_example_broken_on_purpose_is_refused():
    broken = deepcopy(next(iter(webhook_examples().values())))
    del broken["entry"][0]["changes"][0]["value"]["metadata"]
    doc = openapi.document(META["/meta"])
    schema = doc.spec["paths"]["/whatsapp/webhooks"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    assert openapi.errors(doc, schema, next(iter(webhook_examples().values()))) == []
    assert any(e.startswith("entry/0/changes/0/value") for e in openapi.errors(doc, schema, broken))
