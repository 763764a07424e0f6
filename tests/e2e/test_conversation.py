"""The whole journey on real sidecars and every service, as a person lives it.

The person is played through the sandbox (Twilio or Meta); Stripe and Astria
are the sandbox's fakes. What the services publish is read from the broker.
"""

import io
import json
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from services.image.domain.previews import GAP, TILE_WIDTH
from tests.e2e.people import (
    FACELESS,
    GOOD,
    PORTRAITS,
    SMALL,
    TWO_PEOPLE,
    Person,
    acknowledged,
    blob_files,
    leaks_in_logs,
    nothing_left,
    wait_published,
    walk_to_photos,
)
from tests.e2e.test_maintenance import operator

pytestmark = pytest.mark.e2e


@pytest.fixture
def astria_knobs(stack):
    """Set the sandbox Astria's knobs for one test, and put them back after."""
    url = f"{stack['sandbox'].url}/sandbox/astria/knobs"
    saved = httpx.get(f"{stack['sandbox'].url}/sandbox/astria", timeout=5).json()["knobs"]
    yield lambda **knobs: httpx.post(url, json=knobs, timeout=5).raise_for_status()
    httpx.post(url, json=saved, timeout=5).raise_for_status()


def buy_portraits(stack, person, channel):
    """From hi to paid: photos checked by the image service, a Stripe page paid."""
    walk_to_photos(person)
    # The photo instructions come under the picture of the packs, which the image service
    # draws from the covers at the sandbox's Astria: two packs for a woman.
    [preview] = person.messages()[-1]["media_urls"]
    assert preview == f"{stack['image'].url}/previews/en/woman.jpg"
    picture = Image.open(io.BytesIO(httpx.get(preview, timeout=10).content))
    assert (picture.format, picture.width) == ("JPEG", GAP + 2 * (TILE_WIDTH + GAP))

    # Three good photos, one too small and one without a face, in one message; the image
    # service checks them.
    before = len(person.received())
    person.send(files=[*GOOD[:3], SMALL, FACELESS])
    submitted = wait_published(stack, "photo.submitted", 5, user=person.address)
    assert {e["data"]["subject"] for e in submitted} == {"woman"}
    assert {e["data"]["channel"] for e in submitted} == {channel}
    references = [e["data"]["media_reference"] for e in submitted]
    if channel == "twilio":
        # A media URL on Twilio's API host, behind Basic auth.
        twilio_media = stack["sandbox"].url + "/twilio/2010-04-01/Accounts/"
        assert all(ref.startswith(twilio_media) for ref in references)
        assert httpx.get(references[0], timeout=5).status_code == 401
    else:
        # A media id, resolved through the Graph API with the bearer token.
        assert all(ref.isdigit() for ref in references)
    # Photos sent together are answered together, and enough of them bring the packs.
    [ack] = person.wait_for(before + 1)[before:]
    assert ack.startswith("✅ 3 photos accepted.")
    assert "512 px" in ack
    assert "I can't see a face" in ack
    assert "enough to start" in ack
    # One of the refused ones is replaced, and one of two people is not taken.
    before = len(person.received())
    person.send(files=[GOOD[3], TWO_PEOPLE])
    [ack] = person.wait_for(before + 1)[before:]
    assert ack.startswith("✅ 1 photo accepted.")
    assert "several people" in ack

    packs = person.controls()[-1]
    assert (packs["type"], packs["button"]) == ("list", "See packs")
    corporate = next(o for o in packs["options"] if o["id"] == "pack:corporate")
    assert corporate["title"] == "Corporate headshots"
    assert "$14.99" in corporate["description"]

    [link] = person.taps_and_waits("pack:corporate", 1)
    assert "*Corporate headshots* — $14.99" in link
    [request] = wait_published(stack, "checkout.requested", 1, user=person.address)
    order_id = request["data"]["order_id"]
    assert (request["data"]["pack_code"], request["data"]["subject"]) == ("corporate", "woman")

    # The payment service opened a Stripe Checkout Session at the sandbox: one pay button.
    label, checkout_url = person.pay_link()
    assert label == "Pay $14.99"
    assert checkout_url.startswith(stack["sandbox"].url + "/stripe/checkout/cs_test_")
    page = httpx.get(checkout_url, timeout=5)
    assert "Corporate headshots" in page.text
    assert "$14.99" in page.text

    before = len(person.received())
    assert httpx.post(checkout_url + "/pay", timeout=30).status_code == 200
    return order_id, before


@pytest.mark.parametrize(
    ("channel", "duplicate_callbacks"),
    [("twilio", False), ("meta", False), ("twilio", True)],
    ids=["twilio", "meta", "twilio-astria-500-then-callbacks-twice"],
)
def test_the_whole_journey_from_hi_to_the_portraits(
    stack, astria_knobs, channel, duplicate_callbacks
):
    # The hard variant: Astria's first create fails with 500 (Dapr's retry gets through),
    # then every prompt callback arrives twice. The person still gets every portrait, once.
    astria_knobs(
        duplicate_prompt_callbacks=duplicate_callbacks, fail_creates=int(duplicate_callbacks)
    )
    person = Person(stack, channel)
    order_id, before = buy_portraits(stack, person, channel)

    # Paid → the image service trains at the sandbox's Astria → callbacks → as many portraits
    # as Astria's pack makes of a woman (not a number of our catalogue's).
    after = person.wait_for_text("That's all of them", since=before)
    assert any("Payment received" in m for m in after)
    summary = next(m for m in after if "That's all of them" in m)
    assert f"*{PORTRAITS} portraits*" in summary
    images = [m for m in after if m.startswith("[image")]
    assert len(images) == PORTRAITS
    # Our copies, by signed links to the image service: not Astria's URLs.
    portraits = [m["media_urls"][0] for m in person.messages()[before:] if m["media_urls"]]
    assert all(url.startswith(f"{stack['image'].url}/portraits/") for url in portraits)
    assert all("expires=" in url and "signature=" in url for url in portraits)
    # Each batch (one Astria prompt, one portrait) numbered as the sandbox made it; batches
    # are handled concurrently, so they may interleave with each other.
    batches: dict[str, list[int]] = {}
    for url in portraits:
        prompt, index = urlsplit(url).path.rsplit("/", 1)[1].removesuffix(".jpg").split("-")
        batches.setdefault(prompt, []).append(int(index))
    assert len(batches) == PORTRAITS
    assert all(serials == [0] for serials in batches.values())
    copy = httpx.get(portraits[0], timeout=10)
    assert copy.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(copy.content)).format == "JPEG"
    assert after.index(summary) > max(after.index(m) for m in images)

    # "typing…" while the photos were checked (two messages of photos) and the checkout
    # prepared (the pack chosen), on the person's own messages; never on a plain answer.
    sandbox = stack["sandbox"].url
    chat = httpx.get(f"{sandbox}/sandbox/chat", params={"phone": person.phone}, timeout=5).json()
    sent = [m for m in chat["messages"] if m["direction"] == "in"]
    typing = httpx.get(f"{sandbox}/sandbox/typing", timeout=5).json()["typing"]
    shown = [t["message_id"] for t in typing if t["channel"] == channel]

    def typed_on(sid):  # on Meta each photo is a message of its own, "<sid>.<n>"
        return any(shown_id in (sid, f"{sid}.0") for shown_id in shown)

    typed = [(bool(m["media_urls"]), m["body"]) for m in sent if typed_on(m["sid"])]
    assert typed == [(True, ""), (True, ""), (False, "Corporate headshots")]

    astria = httpx.get(f"{stack['sandbox'].url}/sandbox/astria", timeout=5).json()
    [tune_request] = [r for r in astria["requests"] if r["title"] == order_id]
    assert tune_request["name"] == "woman"
    assert tune_request["image_count"] == 4  # the accepted photos, not the refused one
    assert tune_request["branch"] == "fast"
    assert f"/pack-tune-received?order_id={order_id}&token=" in tune_request["callback"]
    assert f"/update-images?order_id={order_id}&token=" in tune_request["prompt_callback"]
    [completed] = wait_published(stack, "order.completed", 1, user=person.address)
    assert (completed["data"]["images"], completed["data"]["expected"]) == (PORTRAITS, PORTRAITS)

    # RESEND: the same copies again; GALLERY: a link to a page of them, full size.
    again = person.says_and_waits("resend", 1 + PORTRAITS)
    assert "again" in again[0]
    resent = [m["media_urls"][0] for m in person.messages()[-PORTRAITS:]]
    assert sorted(resent) == sorted(portraits)
    [link] = person.says_and_waits("gallery", 1)
    assert "more days" in link
    label, gallery_url = person.pay_link()  # the newest link button
    assert label == "Open gallery"
    assert gallery_url.startswith(f"{stack['image'].url}/gallery/{order_id}?")
    page = httpx.get(gallery_url, timeout=10)
    assert page.status_code == 200
    assert page.text.count("<img ") == PORTRAITS
    full = page.text.split('" download>', 1)[0].rsplit('href="', 1)[1].replace("&amp;", "&")
    assert httpx.get(stack["image"].url + full, timeout=10).status_code == 200
    forged = gallery_url.replace("signature=", "signature=f")
    assert httpx.get(forged, timeout=10).status_code == 404
    # FILES: each portrait full size, as a PDF document holding our copy as it is.
    lead = person.says_and_waits("files", 1 + PORTRAITS)[0]
    assert "as files (PDF)" in lead
    sent = person.messages()[-PORTRAITS:]
    documents = {
        urlsplit(m["media_urls"][0]).path.removeprefix("/documents").removesuffix(".pdf"): m
        for m in sent
    }
    # Within WhatsApp's limit, the full file is the one sent as an image.
    assert set(documents) == {urlsplit(url).path for url in portraits}
    if channel == "meta":  # Twilio takes no filename; the URL's .pdf names it there
        names = {f"portrait-{n}.pdf" for n in range(1, PORTRAITS + 1)}
        assert sorted(m["filename"] for m in sent) == sorted(names)
    else:  # Twilio fetched each one and found a PDF it sends as a document, none refused

        def fetched():
            mine = {m["sid"]: m for m in person.messages()}
            found = [mine[m["sid"]] for m in sent]
            return found if all("media_types" in m for m in found) else None

        assert [(m["media_types"], m["error_code"]) for m in wait_until(fetched)] == [
            (["application/pdf"], None)
        ] * PORTRAITS
    first = documents[urlsplit(portraits[0]).path]["media_urls"][0]
    assert first.startswith(f"{stack['image'].url}/documents/portraits/")
    document = httpx.get(first, timeout=10)
    assert document.headers["content-type"] == "application/pdf"
    assert copy.content in document.content

    # The operator sees the whole order on one timeline, from every service that touched it.
    with operator(stack) as client:

        def delivered():
            order = client.get(f"/orders/{order_id}").json()
            return order if order.get("stage") == "delivered" else None

        order = wait_until(delivered)
    assert order is not None
    assert (order["images"], order["expected"]) == (PORTRAITS, PORTRAITS)
    assert person.phone not in json.dumps(order)
    topics = [event["topic"] for event in order["timeline"]]
    assert topics[0] == "checkout.requested"
    assert {"payment.completed", "tune.started", "tune.trained", "order.completed"} <= set(topics)
    assert topics.count("images.ready") == PORTRAITS  # one a prompt, though callbacks repeat
    assert {event["source"] for event in order["timeline"]} == {"message", "payment", "image"}

    assert "portraits are delivered" in person.says_and_waits("STATUS", 1)[0]
    files = blob_files(stack, person)
    assert len(files) == 4 + PORTRAITS  # the photos, and our copy of each portrait
    assert "Reply *YES* to confirm" in person.says_and_waits("DELETE", 1)[0]
    person.send("yes")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not nothing_left(stack, person, files):
        time.sleep(0.3)
    assert nothing_left(stack, person, files)
    # Nothing secret or personal was written on the way: not the number, not a secret, not
    # the per-order token of Astria's callback URLs (access logs included).
    callback_token = tune_request["callback"].rsplit("token=", 1)[1]
    assert leaks_in_logs(stack, person, callback_token) == []


@pytest.mark.parametrize("stack", ["local"], indirect=True)  # sizes are no broker's business
def test_a_journey_at_astrias_real_sizes_delivers_every_8_mb_portrait(stack, astria_knobs):
    """Astria's Corporate Headshots (35 portraits of a woman), each 8 MB as Astria's
    are: each kept whole, each sent within WhatsApp's 5 MB, none refused by "Twilio"."""
    astria_knobs(portrait_megabytes=[8, 8])
    person = Person(stack, "twilio")
    _, before = buy_portraits(stack, person, "twilio")
    after = person.wait_for_text("That's all of them", since=before, timeout=300)
    assert any(f"*{PORTRAITS} portraits*" in m for m in after)
    assert len([m for m in after if m.startswith("[image")]) == PORTRAITS
    kept = [p for p in blob_files(stack, person) if "/portraits/" in str(p)]
    full = [p for p in kept if p.stat().st_size > 7_500_000]
    assert len(full) == PORTRAITS  # Astria's files as Astria made them, beside their copies
    assert all(p.stat().st_size <= 5 * 1024 * 1024 for p in kept if p not in full)

    def fetched():  # "Twilio" fetches each image as WhatsApp would, and refuses one too big
        sent = [m for m in person.messages()[before:] if m["media_urls"]]
        return sent if all("media_types" in m for m in sent) else None

    sent = wait_until(fetched)
    assert len(sent) == PORTRAITS
    assert {(tuple(m["media_types"]), m["error_code"]) for m in sent} == {(("image/jpeg",), None)}


def test_portraits_that_could_not_be_made_are_refunded_once_and_the_person_told(
    stack, astria_knobs
):
    # A fifth of the pack's prompts fail at Astria, and every callback comes twice.
    astria_knobs(fail_prompts=PORTRAITS // 5, duplicate_prompt_callbacks=True)
    person = Person(stack, "twilio")
    order_id, before = buy_portraits(stack, person, "twilio")
    person.wait_for_text("could not be made", since=before)
    time.sleep(1)  # a second refund, or a second message, would have come by now
    after = person.received()[before:]
    made = PORTRAITS - PORTRAITS // 5
    assert len([m for m in after if m.startswith("[image")]) == made
    assert any(f"*{made} portraits*" in m for m in after)
    [told] = [m for m in after if "could not be made" in m]
    assert "$3.00" in told  # 7 of 35 of $14.99 (299.8 cents), rounded in the person's favour
    stripe = httpx.get(f"{stack['sandbox'].url}/sandbox/stripe", timeout=5).json()
    [session] = [s for s in stripe["sessions"] if s["client_reference_id"] == order_id]
    refunds = [r for r in stripe["refunds"] if r["payment_intent"] == session["payment_intent"]]
    assert [r["amount"] for r in refunds] == [300]
    [refunded] = wait_published(stack, "payment.refunded", 1, user=person.address)
    assert (refunded["data"]["amount_minor"], refunded["data"]["partial"]) == (300, True)


def test_another_style_runs_on_the_trained_model_at_the_restyle_price(stack):
    person = Person(stack, "twilio")
    first_order, before = buy_portraits(stack, person, "twilio")
    person.wait_for_text("That's all of them", since=before)
    offer = person.controls()[-1]
    assert offer["type"] == "list"
    fantasy = next(o for o in offer["options"] if o["id"] == "pack:fantasy")
    assert "$6.99" in fantasy["description"]  # its re-style price, not $19.99

    [link] = person.taps_and_waits("pack:fantasy", 1)
    assert "$6.99" in link
    label, checkout_url = person.pay_link()
    assert label == "Pay $6.99"
    before = len(person.received())
    assert httpx.post(checkout_url + "/pay", timeout=30).status_code == 200
    after = person.wait_for_text("That's all of them", since=before)
    assert any("No training this time" in m for m in after)
    assert any("*12 portraits*" in m for m in after)
    assert len([m for m in after if m.startswith("[image")]) == 12

    [request] = [
        e["data"]
        for e in wait_published(stack, "checkout.requested", 2, user=person.address)
        if e["data"]["order_id"] != first_order
    ]
    assert request["restyle_of"] == first_order
    # At Astria: the pack's prompts on the first order's tune, and no new tune.
    astria = httpx.get(f"{stack['sandbox'].url}/sandbox/astria", timeout=5).json()
    [tune] = [t for t in astria["tunes"] if t["title"] == first_order]
    assert not [t for t in astria["tunes"] if t["title"] == request["order_id"]]
    runs = [r for r in astria["requests"] if r.get("tune_ids") == [tune["id"]]]
    assert [r["pack_id"] for r in runs] == ["fantasy-heroes"]
    stripe = httpx.get(f"{stack['sandbox'].url}/sandbox/stripe", timeout=5).json()
    [session] = [s for s in stripe["sessions"] if s["client_reference_id"] == request["order_id"]]
    assert (session["amount_total"], session["locale"]) == (699, "en")


def counters(stack):
    """Every service's counters as Prometheus reads them: (service, name, labels) -> value."""
    found = {}
    for service in ("message", "image", "payment", "maintenance"):
        text = httpx.get(f"{stack[service].url}/metrics/", timeout=5).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name.startswith("bot_") and sample.name.endswith("_total"):
                    labels = tuple(sorted(sample.labels.items()))
                    found[(service, sample.name.removesuffix("_total"), labels)] = sample.value
    return found


def test_the_counters_move_as_a_journey_advances(stack, astria_knobs):
    astria_knobs(fail_creates=1)  # one retry, counted
    before = counters(stack)
    person = Person(stack, "twilio")
    buy_portraits(stack, person, "twilio")
    person.wait_for_text("That's all of them")
    time.sleep(1)  # the last sends and their counts
    after = counters(stack)

    def moved(service, name, **labels):
        key = (service, name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    # One webhook per message the person sent: hi, yes, woman, 5 photos, 2 photos, the pack.
    assert moved("message", "bot_webhooks", route="/SmsReceived", status="200") == 6
    assert moved("message", "bot_sends", provider="twilio", result="sent") >= len(person.received())
    assert moved("message", "bot_events", topic="photo.checked", outcome="SUCCESS") == 7
    assert moved("image", "bot_photo_refusals", reason="too_small") == 1
    assert moved("image", "bot_photo_refusals", reason="no_face") == 1
    assert moved("image", "bot_photo_refusals", reason="several_people") == 1
    assert moved("image", "bot_events", topic="payment.completed", outcome="RETRY") == 1
    assert moved("image", "bot_events", topic="payment.completed", outcome="SUCCESS") == 1
    assert moved("image", "bot_webhooks", route="/update-images", status="200") >= 2
    assert moved("payment", "bot_webhooks", route="/payment-received", status="200") >= 1
    for service, stage in [("payment", "checkout"), ("payment", "paid"), ("image", "training")]:
        assert moved(service, "bot_order_stages", stage=stage) == 1, stage
    assert moved("image", "bot_order_stages", stage="delivered") == 1
    assert moved("payment", "bot_refunds", reason="tune_failed") == 0
    assert moved("maintenance", "bot_dead_letters", topic="payment.completed") == 0


def test_two_photos_sent_at_the_same_instant_are_both_counted(stack):
    person = Person(stack)
    walk_to_photos(person)
    before = len(person.received())
    senders = [threading.Thread(target=person.send, kwargs={"files": [GOOD[i]]}) for i in (0, 1)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()

    # One answer for both, or one each: it depends on when each was checked.
    wait_until(lambda: sum(acknowledged(person.received()[before:])) == 2)
    # Each check carries the image service's count; a lost update could leave 1.
    assert "good so far: *2*" in person.says_and_waits("status", 1)[0]


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_lost_astria_callbacks_are_recovered_by_reconciliation(stack, astria_knobs):
    astria_knobs(drop_callbacks=True)
    person = Person(stack)
    order_id, before = buy_portraits(stack, person, "twilio")
    sandbox = stack["sandbox"].url

    def trained_at_astria():
        tunes = httpx.get(f"{sandbox}/sandbox/astria", timeout=5).json()["tunes"]
        return any(t["title"] == order_id and t["trained_at"] for t in tunes)

    wait_until(trained_at_astria)
    time.sleep(1)  # Astria has finished its prompts too, and sent no callback at all
    assert not any(m.startswith("[image") for m in person.received()[before:])

    def reconcile(tick):
        stack.publish_as(
            "maintenance",
            "maintenance.reconcile",
            {"requested_at": "2999-01-01T00:00:00Z", "overdue_after_minutes": 0},
            event_id=f"reconcile-{order_id}-{tick}",
        )

    reconcile(1)
    wait_until(lambda: any("That's all of them" in m for m in person.received()))
    reconcile(2)  # the next tick finds nothing left to do
    time.sleep(2)
    after = person.received()[before:]
    assert len([m for m in after if m.startswith("[image")]) == PORTRAITS
    assert sum("That's all of them" in m for m in after) == 1
