"""Buttons, lists and pay links: our senders through the real provider libraries against the
fakes, which accept what WhatsApp documents and refuse, with the provider's code, what it
would refuse (Meta's interactive-message pages, Twilio's Content API pages)."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.datastructures import FormData

from services.message.adapters.meta_inbound import parse_notification
from services.message.adapters.twilio_inbound import parse_inbound
from services.message.domain.conversation import Option
from services.sandbox import meta_fake, twilio_fake
from services.sandbox.people import Choice, InboundMessage
from shared.errors import Rejected
from tests.contract.sandbox import ACCOUNT_SID, AUTH_TOKEN, meta_sender, sender
from tests.fakes import T0

CONSENT = (Option("yes", "Yes, I agree"), Option("no", "No"))
PACKS = (
    Option("pack:corporate", "Corporate headshots", "20 portraits · 14,99 US$"),
    Option("pack:fantasy", "Fantasy heroes", "20 portraits · 19,99 US$"),
)
PAY = "https://checkout.stripe.com/c/pay/cs_test_a1b2?ref=1#fid"

SENDERS: dict[str, Callable[[str], Any]] = {"twilio": sender, "meta": meta_sender}


def shown(store, to):
    return [(m["body"], m["interactive"]) for m in store.outbound_to(to)]


@pytest.mark.parametrize("channel", ["twilio", "meta"])
def test_buttons_lists_and_a_pay_link_reach_the_person_as_sent(sandbox, channel):
    url, store = sandbox
    to = "whatsapp:+15550001" + ("001" if channel == "twilio" else "002")
    send = SENDERS[channel](url)
    send.send_buttons(language="en", to=to, body="Do you agree?", buttons=CONSENT)
    send.send_menu(language="en", to=to, body="Pick a pack", button="See packs", rows=PACKS)
    send.send_link(
        language="en", to=to, body="Your order is ready.", label="Pay 14,99 US$", url=PAY
    )
    assert shown(store, to) == [
        (
            "Do you agree?",
            {
                "type": "buttons",
                "options": [
                    {"id": "yes", "title": "Yes, I agree", "description": ""},
                    {"id": "no", "title": "No", "description": ""},
                ],
                "button": None,
                "url": None,
            },
        ),
        (
            "Pick a pack",
            {
                "type": "list",
                "options": [
                    {"id": o.id, "title": o.title, "description": o.description} for o in PACKS
                ],
                "button": "See packs",
                "url": None,
            },
        ),
        (
            "Your order is ready.",
            {
                "type": "link",
                "options": [{"id": PAY, "title": "Pay 14,99 US$", "description": ""}],
                "button": None,
                "url": PAY,
            },
        ),
    ]


def test_twilio_content_is_created_once_per_shape_and_found_again_after_a_restart(sandbox):
    url, store = sandbox
    before = len(store.contents)
    done = (Option("done", "Done"),)  # a shape no other test sends
    first = sender(url)
    first.send_buttons(language="en", to="whatsapp:+15550001003", body="Finished?", buttons=done)
    first.send_buttons(
        language="en", to="whatsapp:+15550001003", body="Still finished?", buttons=done
    )
    sender(url).send_buttons(
        language="en", to="whatsapp:+15550001003", body="Once more?", buttons=done
    )
    assert len(store.contents) == before + 1  # the body is a variable; the buttons are the shape
    bodies = [body for body, _ in shown(store, "whatsapp:+15550001003")]
    assert bodies == ["Finished?", "Still finished?", "Once more?"]
    [sent, *_] = store.outbound_to("whatsapp:+15550001003")
    assert sent["content_sid"].startswith("HX")
    assert json.loads(sent["content_variables"]) == {"1": "Finished?"}


TOO_MANY = tuple(Option(f"b{n}", f"Button {n}") for n in range(4))
REFUSED: dict[str, tuple[str, dict[str, Any]]] = {
    "four buttons": ("buttons", {"buttons": TOO_MANY}),
    "a title over 20": ("buttons", {"buttons": (Option("x", "A title of 21 letters"),)}),
    "the same title twice": ("buttons", {"buttons": (Option("a", "Yes"), Option("b", "Yes"))}),
    "eleven rows": (
        "menu",
        {"button": "See", "rows": tuple(Option(f"r{n}", f"Row {n}", "d") for n in range(11))},
    ),
    "a row title over 24": (
        "menu",
        {"button": "See", "rows": (Option("r", "A row title of 25 letters", "d"),)},
    ),
    "a description over 72": ("menu", {"button": "See", "rows": (Option("r", "Row", "d" * 73),)}),
    "a list without its button": ("menu", {"button": "", "rows": PACKS}),
}


@pytest.mark.parametrize("channel", ["twilio", "meta"])
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_whatsapp_refuses_is_refused_and_not_delivered(sandbox, channel, case):
    url, store = sandbox
    kind, fields = REFUSED[case]
    to = f"whatsapp:+1555000{sorted(REFUSED).index(case):02d}{len(channel)}"
    send = SENDERS[channel](url)
    code = "20001" if channel == "twilio" else "131009"
    with pytest.raises(Rejected, match=code):
        getattr(send, f"send_{kind}")(to=to, body="Pick one", language="en", **fields)
    assert store.outbound_to(to) == []


def test_twilio_refuses_a_list_item_without_its_description_and_meta_takes_it(sandbox):
    """Twilio's list-picker requires each item's description; Meta's rows may go without."""
    url, store = sandbox
    rows = (Option("woman", "Woman"), Option("man", "Man"))
    with pytest.raises(Rejected):
        sender(url).send_menu(
            language="en", to="whatsapp:+15550003001", body="Who?", button="Choose", rows=rows
        )
    assert store.outbound_to("whatsapp:+15550003001") == []
    meta_sender(url).send_menu(
        language="en", to="whatsapp:+15550003002", body="Who?", button="Choose", rows=rows
    )
    assert len(store.outbound_to("whatsapp:+15550003002")) == 1


def test_meta_refuses_a_link_button_without_a_url_or_with_a_long_label(sandbox):
    url, store = sandbox
    send = meta_sender(url)
    with pytest.raises(Rejected, match="131009"):
        send.send_link(
            language="en", to="whatsapp:+15550002001", body="Pay", label="Pay", url="not a url"
        )
    with pytest.raises(Rejected, match="131009"):
        send.send_link(
            language="en", to="whatsapp:+15550002001", body="Pay", label="P" * 21, url=PAY
        )
    assert store.outbound_to("whatsapp:+15550002001") == []


def twilio_message(url, **form):
    return httpx.post(
        f"{url}/twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        data={"To": "whatsapp:+15550002002", "From": "whatsapp:+14155238886", **form},
        auth=(ACCOUNT_SID, AUTH_TOKEN),
    )


def test_twilio_refuses_unknown_content_and_bad_variables_with_their_codes(sandbox):
    url, store = sandbox
    sender(url).send_buttons(
        language="en", to="whatsapp:+15550002003", body="Agree?", buttons=CONSENT
    )
    [made] = store.outbound_to("whatsapp:+15550002003")
    content_sid = made["content_sid"]
    answers = {
        "unknown sid": twilio_message(url, ContentSid="HX" + "f" * 32),
        "not json": twilio_message(url, ContentSid=content_sid, ContentVariables="{1:"),
        "empty value": twilio_message(url, ContentSid=content_sid, ContentVariables='{"1": ""}'),
        "missing value": twilio_message(url, ContentSid=content_sid, ContentVariables="{}"),
        "no sid": twilio_message(url, Body="hi", ContentVariables='{"1": "x"}'),
    }
    codes = {case: (a.status_code, a.json()["code"]) for case, a in answers.items()}
    assert codes == {
        "unknown sid": (400, 21655),
        "not json": (400, 21656),
        "empty value": (400, 21656),
        "missing value": (400, 21656),
        "no sid": (400, 21654),
    }
    assert store.outbound_to("whatsapp:+15550002002") == []


def test_the_content_api_needs_credentials_and_lists_what_was_made(sandbox):
    url, store = sandbox
    assert httpx.get(f"{url}/twilio/content/v1/Content").status_code == 401
    listed = httpx.get(
        f"{url}/twilio/content/v1/Content", params={"PageSize": 500}, auth=(ACCOUNT_SID, AUTH_TOKEN)
    ).json()
    assert [c["sid"] for c in listed["contents"]] == list(store.contents)
    assert listed["meta"]["key"] == "contents"


TAPS = [
    Choice(id="yes", title="Yes, I agree", kind="button"),
    Choice(id="pack:fantasy", title="Fantasy heroes", kind="list"),
]


@pytest.mark.parametrize("tap", TAPS, ids=["button", "list row"])
def test_a_tap_as_each_fake_delivers_it_reaches_our_parsers_as_the_id(tap):
    message = InboundMessage(phone="+34600000001", choice=tap)
    form = twilio_fake.build_inbound_form(
        message, account_sid=ACCOUNT_SID, to="whatsapp:+14155238886", message_sid="SM" + "b" * 32
    )
    notification = meta_fake.build_notification(
        wa_id="34600000001",
        profile_name="Ana",
        message_id="wamid.tap",
        text="",
        media=[],
        phone_number_id="100000000000001",
        display_number="15550000000",
        sent_at=T0,
        choice=tap,
        offered_in={
            "sid": "wamid.offer",
            "interactive": {"options": [{"id": tap.id, "title": tap.title, "description": "d"}]},
        },
    )
    [tapped] = notification["entry"][0]["changes"][0]["value"]["messages"]
    assert tapped["context"] == {"from": "15550000000", "id": "wamid.offer"}
    reply = tapped["interactive"][tapped["interactive"]["type"]]
    assert reply.get("description") == ("d" if tap.kind == "list" else None)
    twilio = parse_inbound(FormData(form), T0)
    [meta], _ = parse_notification(notification, T0)
    assert (twilio.choice, twilio.text, twilio.message_type) == (tap.id, tap.title, "interactive")
    assert (meta.choice, meta.text, meta.message_type) == (tap.id, tap.title, "interactive")
