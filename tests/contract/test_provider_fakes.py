"""The real twilio library against the sandbox's fake Messages endpoint.

If the library can send through the fake and parse its answers, production code
cannot tell the fake from Twilio except by base URL.
"""

import secrets
import time

import pytest

from services.message.adapters.provider_errors import META, TWILIO, Verdict
from services.message.domain.conversation import Option
from services.message.domain.window import template_variable
from shared.errors import Rejected, Transient, WindowClosed
from tests.contract.sandbox import ACCOUNT_SID, AUTH_TOKEN, META_TOKEN, meta_sender, sender


def test_the_library_sends_and_the_fake_records_it(sandbox):
    url, store = sandbox
    sid = sender(url).send_text(to="whatsapp:+15550000001", body="*hello*")
    assert sid.startswith("SM")
    assert len(sid) == 34
    [message] = store.outbound_to("whatsapp:+15550000001")
    assert message["sid"] == sid
    assert message["body"] == "*hello*"
    assert message["from"] == "whatsapp:+14155238886"
    assert message["status"] == "queued"


@pytest.mark.parametrize(
    ("wrongly_signed", "refusal"),
    [
        (lambda url: sender(url, auth_token="wrong"), "20003"),
        (lambda url: meta_sender(url, token="wrong"), "Invalid OAuth"),
    ],
    ids=["twilio", "meta"],
)
def test_wrong_credentials_are_refused_as_each_provider_does(sandbox, wrongly_signed, refusal):
    url, store = sandbox
    with pytest.raises(Rejected, match=refusal):
        wrongly_signed(url).send_text(to="whatsapp:+15550000002", body="x")
    assert store.outbound_to("whatsapp:+15550000002") == []


def test_a_body_over_1600_characters_is_refused_with_21617(sandbox):
    url, store = sandbox
    with pytest.raises(Rejected, match="21617"):
        sender(url).send_text(to="whatsapp:+15550000003", body="x" * 1601)
    assert store.outbound_to("whatsapp:+15550000003") == []


def test_inbound_media_needs_basic_auth_and_redirects_to_the_cdn(sandbox):
    import httpx

    url, store = sandbox
    store.add_media("ME" + "1" * 32, "image/jpeg", b"jpeg bytes")
    media = f"{url}/twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME{'1' * 32}"
    assert httpx.get(media).status_code == 401
    answer = httpx.get(media, auth=(ACCOUNT_SID, AUTH_TOKEN))
    assert answer.status_code == 307
    assert answer.headers["location"].startswith("/twilio-cdn/")
    followed = httpx.get(media, auth=(ACCOUNT_SID, AUTH_TOKEN), follow_redirects=True)
    assert followed.content == b"jpeg bytes"
    assert followed.headers["content-type"] == "image/jpeg"


# --- the Meta Graph API fake against our MetaSender ---------------------------------------


def test_meta_sender_sends_text_and_images_through_the_graph_fake(sandbox):
    url, store = sandbox
    sender = meta_sender(url)
    text_id = sender.send_text(to="whatsapp:+16505551234", body="hola")
    image_id = sender.send_image(to="whatsapp:+16505551234", url="https://img.example/1.jpg")
    assert text_id.startswith("wamid.")
    assert image_id.startswith("wamid.")
    sent = store.outbound_to("whatsapp:+16505551234")
    assert [(m["body"], m["media_urls"]) for m in sent] == [
        ("hola", []),
        ("", ["https://img.example/1.jpg"]),
    ]


def test_meta_media_is_a_two_step_download_with_the_bearer_token(sandbox):
    import httpx

    url, store = sandbox
    store.add_media("987654321", "image/png", b"png bytes")
    headers = {"Authorization": "Bearer meta-token"}
    assert httpx.get(f"{url}/meta/v26.0/987654321").status_code == 401
    meta = httpx.get(f"{url}/meta/v26.0/987654321", headers=headers).json()
    assert (meta["mime_type"], meta["file_size"]) == ("image/png", "9")
    assert httpx.get(meta["url"]).status_code == 401
    assert httpx.get(meta["url"], headers=headers).content == b"png bytes"


ERRORS = {Verdict.RETRY: Transient, Verdict.WINDOW: WindowClosed, Verdict.DROP: Rejected}


def queue_failure(url, channel, status, code):
    import httpx

    answer = httpx.post(f"{url}/sandbox/send-failures", json={channel: [[status, code]]})
    assert answer.status_code == 200


@pytest.mark.parametrize(("code", "verdict"), sorted(TWILIO.items()))
def test_each_twilio_error_reaches_the_sender_as_its_verdict(sandbox, code, verdict):
    url, store = sandbox
    queue_failure(url, "twilio", 429 if code == 20429 else 400, code)
    with pytest.raises(ERRORS[verdict]) as caught:
        sender(url).send_text(to="whatsapp:+15550000009", body="x")
    assert type(caught.value) is ERRORS[verdict]
    assert str(code) in str(caught.value)
    assert store.outbound_to("whatsapp:+15550000009") == []


@pytest.mark.parametrize(("code", "verdict"), sorted(META.items()))
def test_each_meta_error_reaches_the_sender_as_its_verdict(sandbox, code, verdict):
    url, store = sandbox
    queue_failure(url, "meta", 400, code)  # Meta answers rate limits with 400 and a code
    with pytest.raises(ERRORS[verdict]) as caught:
        meta_sender(url).send_text(to="whatsapp:+16505550009", body="x")
    assert type(caught.value) is ERRORS[verdict]
    assert str(code) in str(caught.value)
    assert store.outbound_to("whatsapp:+16505550009") == []


def test_a_failure_is_answered_once_then_sends_go_through(sandbox):
    url, store = sandbox
    queue_failure(url, "meta", 400, 131056)
    with pytest.raises(Transient):
        meta_sender(url).send_text(to="whatsapp:+16505550010", body="first try")
    meta_sender(url).send_text(to="whatsapp:+16505550010", body="second try")
    assert [m["body"] for m in store.outbound_to("whatsapp:+16505550010")] == ["second try"]


def test_an_unreachable_provider_is_transient_for_both_senders():
    from tools.devstack import free_port

    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(Transient, match="twilio unreachable"):
        sender(nobody).send_text(to="whatsapp:+15550000009", body="x")
    with pytest.raises(Transient, match="graph api unreachable"):
        meta_sender(nobody).send_text(to="whatsapp:+15550000009", body="x")


def test_the_library_sends_media_urls_as_repeated_fields(sandbox):
    url, store = sandbox
    sender(url).send_image(to="whatsapp:+15550000010", url="https://cdn.example/p.jpg")
    [message] = store.outbound_to("whatsapp:+15550000010")
    assert message["media_urls"] == ["https://cdn.example/p.jpg"]
    assert message["sid"].startswith("MM")


DOCUMENT = "https://bot.example/documents/portraits/f/o/1-0.png.pdf?expires=1&signature=ab"


def test_a_document_goes_as_media_on_twilio_and_as_a_named_document_on_meta(sandbox):
    url, store = sandbox
    # Twilio takes no filename or caption for a document: the PDF alone, by its URL.
    sender(url).send_document(to="whatsapp:+15550000011", url=DOCUMENT, filename="portrait-1.pdf")
    [twilio] = store.outbound_to("whatsapp:+15550000011")
    assert (twilio["body"], twilio["media_urls"]) == ("", [DOCUMENT])
    assert twilio["sid"].startswith("MM")
    meta_sender(url).send_document(
        to="whatsapp:+16505550011", url=DOCUMENT, filename="portrait-1.pdf"
    )
    [meta] = store.outbound_to("whatsapp:+16505550011")
    assert (meta["media_urls"], meta["filename"]) == ([DOCUMENT], "portrait-1.pdf")


def wait_for_status(store, to, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [message] = store.outbound_to(to)
        if message["status"] != "queued":
            return message
        time.sleep(0.05)
    raise AssertionError(f"no status for {to}")


@pytest.mark.parametrize(
    ("content_type", "data", "error"),
    [
        ("application/pdf", b"%PDF-1.4 a portrait", None),
        ("image/jpeg", b"\xff\xd8" + b"0" * (6 * 1024 * 1024), 63021),  # over 5 MB
        ("image/gif", b"GIF89a", 63021),  # not a kind WhatsApp takes
        (None, None, 63019),  # nothing to fetch
    ],
    ids=["pdf", "image-over-5-MB", "gif", "nothing"],
)
def test_twilio_fetches_the_media_and_fails_what_whatsapp_would_not_take(
    sandbox, content_type, data, error
):
    url, store = sandbox
    to = f"whatsapp:+1555{secrets.randbelow(10**7):07d}"
    media_sid = "ME" + secrets.token_hex(16)
    if content_type:
        store.add_media(media_sid, content_type, data)
    sender(url).send_document(to=to, url=f"{url}/twilio-cdn/{media_sid}", filename="p.pdf")
    if error is None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "media_types" not in store.outbound_to(to)[0]:
            time.sleep(0.05)
        [message] = store.outbound_to(to)
        assert message["media_types"] == [content_type]
        assert (message["status"], message["error_code"]) == ("queued", None)
    else:
        message = wait_for_status(store, to)
        assert (message["status"], message["error_code"]) == ("failed", error)


@pytest.mark.parametrize(
    ("kind", "content_type", "size", "error"),
    [
        ("image", "image/jpeg", 5 * 1024 * 1024, None),
        ("image", "image/jpeg", 5 * 1024 * 1024 + 1, 131053),  # over 5 MB
        ("image", "image/webp", 1000, 131053),  # a sticker's type, not an image's
        ("document", "application/pdf", 6 * 1024 * 1024, None),
        ("image", None, 0, 131053),  # nothing to fetch
    ],
    ids=["image-5-MB", "image-over-5-MB", "webp", "pdf-6-MB", "nothing"],
)
def test_meta_fetches_the_media_and_fails_what_whatsapp_would_not_take(
    sandbox, kind, content_type, size, error
):
    url, store = sandbox
    to = f"1555{secrets.randbelow(10**7):07d}"
    media_sid = "ME" + secrets.token_hex(16)
    if content_type:
        store.add_media(media_sid, content_type, b"\xff" * size)
    link = f"{url}/twilio-cdn/{media_sid}"
    if kind == "image":
        meta_sender(url).send_image(to=to, url=link)
    else:
        meta_sender(url).send_document(to=to, url=link, filename="p.pdf")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        [message] = store.outbound_to(f"whatsapp:+{to}")
        if "media_types" in message or message["error_code"] is not None:
            break
        time.sleep(0.05)
    assert message["error_code"] == error
    if error is None:
        assert message["media_types"] == [content_type]


def test_meta_refuses_a_document_without_a_link_or_an_id(sandbox):
    import httpx

    url, _ = sandbox
    answer = httpx.post(
        f"{url}/meta/v26.0/PHONE/messages",
        json={
            "messaging_product": "whatsapp",
            "to": "16505550012",
            "type": "document",
            "document": {},
        },
        headers={"Authorization": f"Bearer {META_TOKEN}"},
    )
    assert answer.status_code == 400
    assert "document must have a link or an id" in answer.text


def test_both_libraries_show_typing_on_an_inbound_message_and_the_fakes_record_it(sandbox):
    url, store = sandbox
    twilio_sid, wamid = "SM" + "a" * 32, "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ="
    sender(url).show_typing(message_id=twilio_sid)
    meta_sender(url).show_typing(message_id=wamid)
    shown = [(t["channel"], t["message_id"]) for t in store.typing]
    assert shown[-2:] == [("twilio", twilio_sid), ("meta", wamid)]


@pytest.mark.parametrize("channel", ["twilio", "meta"])
def test_typing_on_something_that_is_no_inbound_message_id_is_refused(sandbox, channel):
    url, store = sandbox
    before = len(store.typing)
    show = sender(url) if channel == "twilio" else meta_sender(url)
    with pytest.raises(Rejected, match="400"):
        show.show_typing(message_id="HX" + "0" * 32)  # a template's sid
    assert len(store.typing) == before


# --- templates outside the 24-hour window -----------------------------------------------

HELD = "🎉 Your portraits are ready!\n\nTap below to see them.\thttps://example.com/g"


def test_twilio_fails_a_template_whose_variable_whatsapp_refuses_as_its_receipt_says(sandbox):
    """Twilio takes the send (201) and WhatsApp refuses it: 63013 in the receipt."""
    url, store = sandbox
    refused, fits = (f"whatsapp:+1555{secrets.randbelow(10**7):07d}" for _ in range(2))
    twilio = sender(url)
    twilio.send_template(to=refused, text=HELD, language="en")
    assert (wait_for_status(store, refused)["error_code"]) == 63013
    twilio.send_template(to=fits, text=template_variable(HELD), language="en")
    [sent] = store.outbound_to(fits)
    assert sent["body"] == (
        "News from your portrait bot: 🎉 Your portraits are ready! Tap below to see them. "
        "https://example.com/g Reply to go on."
    )
    assert (sent["status"], sent["error_code"]) == ("queued", None)


def test_twilio_fails_a_template_whose_text_passes_1024_characters(sandbox):
    url, store = sandbox
    to = f"whatsapp:+1555{secrets.randbelow(10**7):07d}"
    sender(url).send_template(to=to, text="word " * 200 + "end", language="en")
    assert wait_for_status(store, to)["error_code"] == 63021


def test_meta_refuses_a_template_whose_variable_whatsapp_refuses_with_132018(sandbox):
    url, store = sandbox
    to = "whatsapp:+16505550012"
    with pytest.raises(Rejected, match="132018"):
        meta_sender(url).send_template(to=to, text=HELD, language="en")
    meta_sender(url).send_template(to=to, text=template_variable(HELD), language="en")
    [sent] = store.outbound_to(to)
    assert sent["body"] == template_variable(HELD)


def test_each_language_gets_its_own_approved_template_and_content_its_own_language(sandbox):
    """A Spanish speaker outside the window gets the template approved in Spanish; the
    content made for an interactive message is created in the person's language too."""
    url, store = sandbox
    spanish, english = "whatsapp:+34600000001", "whatsapp:+15550000301"
    twilio = sender(url)
    twilio.send_template(to=spanish, text="Tus retratos están listos.", language="es")
    twilio.send_template(to=english, text="Your portraits are ready.", language="en")
    assert store.outbound_to(spanish)[0]["body"] == (
        "Novedades de tu bot de retratos: Tus retratos están listos. Responde para seguir."
    )
    assert store.outbound_to(english)[0]["body"].startswith("News from your portrait bot:")
    twilio.send_buttons(to=spanish, body="¿Aceptas?", buttons=(Option("si", "Sí"),), language="es")
    made = store.contents[store.outbound_to(spanish)[-1]["content_sid"]]
    assert made["language"] == "es"
