import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from services.message.adapters.conversations import ConversationStore
from services.message.adapters.courier import Courier
from services.message.domain.record import Lease
from services.message.handlers import (
    accept_inbound,
    handle_event,
    handle_inbound,
    record_status,
)
from services.message.settings import MessageSettings
from shared.errors import Rejected, Transient, WindowClosed
from shared.events import image, payment
from shared.events.base import EventMeta
from shared.events.message import Channel, InboundMedia, WhatsAppInbound
from shared.events.topics import Topic
from shared.injection import call
from tests.fakes import (
    T0,
    AsyncPublisherOf,
    message_ports_on_fakes,
    payment_completed,
)

USER = "whatsapp:+15551234567"


def inbound(message_id="SM1", text="hi", media=(), message_type=None):
    return WhatsAppInbound(
        channel=Channel.TWILIO,
        provider_message_id=message_id,
        sender=USER,
        profile_name="Jane",
        text=text,
        media=tuple(media),
        message_type=message_type,
        received_at=T0,
    )


@pytest.fixture
def deps():
    return message_ports_on_fakes(MessageSettings(min_photos=2, max_photos=4))


def say(deps, text, message_id):
    event = inbound(message_id, text)
    return call(handle_inbound, deps, event, meta=EventMeta(id=f"twilio-{message_id}", topic="t"))


def texts(deps):
    return deps.senders["twilio"].texts_to(USER)


def record_of(deps):
    record, _ = deps.conversations.load(USER)
    assert record is not None
    return record


def conversation(deps):
    return record_of(deps).conversation


# --- webhook side ----------------------------------------------------------------------


def accept(deps, event):
    asyncio.run(accept_inbound(event, AsyncPublisherOf(deps.publisher)))


def test_an_inbound_message_is_published_with_a_deterministic_id(deps):
    accept(deps, inbound())
    [(topic, event, event_id)] = deps.publisher.published
    assert (topic, event_id, event.text) == (Topic.WHATSAPP_INBOUND, "twilio-SM1", "hi")


def test_a_provider_retry_is_published_with_the_same_id_and_decided_once(deps):
    accept(deps, inbound())
    accept(deps, inbound())
    ids = [event_id for _, _, event_id in deps.publisher.published]
    assert ids == ["twilio-SM1", "twilio-SM1"]
    for event_id in ids:
        call(handle_inbound, deps, inbound(), meta=EventMeta(id=event_id, topic="t"))
    assert len(texts(deps)) == 1  # the welcome, once


def test_a_failed_publish_raises_so_the_webhook_answers_503_and_the_provider_retries(deps):
    deps.publisher.fail = True
    with pytest.raises(Transient):
        accept(deps, inbound())
    deps.publisher.fail = False
    accept(deps, inbound())
    assert len(deps.publisher.published) == 1


# --- the conversation ------------------------------------------------------------------


def test_hi_gets_the_welcome_and_the_consent(deps):
    say(deps, "hi", "SM1")  # succeeds: no error to retry
    assert len(texts(deps)) == 1
    assert "Astria portrait bot" in texts(deps)[0]
    assert "Before we start" in texts(deps)[0]
    assert deps.senders["twilio"].controls == [(USER, "buttons", ("yes", "no"))]
    assert conversation(deps).step == "consent"


def test_a_redelivered_event_is_not_decided_twice(deps):
    say(deps, "hi", "SM1")
    say(deps, "hi", "SM1")
    assert len(texts(deps)) == 1
    assert conversation(deps).step == "consent"


def test_the_outbox_is_empty_after_a_flush(deps):
    say(deps, "hi", "SM1")
    record = record_of(deps)
    assert record.outbox == ()
    assert record.processed == ("twilio-SM1",)


def test_a_crash_after_deciding_is_finished_by_the_retry(deps):
    say(deps, "hi", "SM1")
    sender = deps.senders["twilio"]
    original = sender.send_text
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("twilio went away")
        return original(**kwargs)

    sender.send_text = flaky
    with pytest.raises(ConnectionError):
        say(deps, "help", "SM2")  # the help, then the consent again: the second fails
    assert "What I can do" in texts(deps)[-1]
    assert len(texts(deps)) == 2
    say(deps, "help", "SM2")  # Dapr's retry
    assert len(texts(deps)) == 3  # the help once, then what was missing
    assert "Before we start" in texts(deps)[-1]
    assert conversation(deps).step == "consent"


def walk_to_photos(deps):
    for i, text in enumerate(["hi", "yes", "woman"], 1):
        say(deps, text, f"SM{i}")


def test_photos_are_submitted_with_stable_event_ids(deps):
    walk_to_photos(deps)
    media = [
        InboundMedia(reference=f"https://api.twilio.com/m/{i}", content_type="image/jpeg")
        for i in range(2)
    ]
    call(
        handle_inbound, deps, inbound("MM1", "", media), meta=EventMeta(id="twilio-MM1", topic="t")
    )
    submitted = [(e, i) for t, e, i in deps.publisher.published if t == Topic.PHOTO_SUBMITTED]
    assert [i for _, i in submitted] == ["photo-MM1-0", "photo-MM1-1"]
    assert submitted[1][0].media_reference == "https://api.twilio.com/m/1"
    assert conversation(deps).pending == 2


@pytest.mark.parametrize(("message_type", "submitted"), [("image", 1), (None, 1), ("sticker", 0)])
def test_a_webp_photo_is_a_photo_and_only_the_provider_says_sticker(deps, message_type, submitted):
    walk_to_photos(deps)
    before = len(texts(deps))
    webp = InboundMedia(reference="https://api.twilio.com/m/w", content_type="image/webp")
    event = inbound("MMW", "", [webp], message_type=message_type)
    call(handle_inbound, deps, event, meta=EventMeta(id="twilio-MMW", topic="t"))
    photos = [e for t, e, _ in deps.publisher.published if t == Topic.PHOTO_SUBMITTED]
    assert len(photos) == submitted
    answers = "\n".join(texts(deps)[before:])
    assert ("I can't use stickers" in answers) is (submitted == 0), answers


def test_photos_being_checked_show_the_person_the_bot_is_typing(deps):
    walk_to_photos(deps)
    assert deps.senders["twilio"].typing == []  # text answered at once: no indicator
    photo = InboundMedia(reference="https://api.twilio.com/m/1", content_type="image/jpeg")
    event = inbound("MMT", "", [photo])
    call(handle_inbound, deps, event, meta=EventMeta(id="twilio-MMT", topic="t"))
    assert deps.senders["twilio"].typing == ["MMT"]
    # A redelivery decides nothing again, and shows nothing again.
    call(handle_inbound, deps, event, meta=EventMeta(id="twilio-MMT", topic="t"))
    assert deps.senders["twilio"].typing == ["MMT"]


def test_a_failing_typing_indicator_loses_nothing(deps):
    walk_to_photos(deps)
    deps.senders["twilio"].typing_fails = True
    photo = InboundMedia(reference="https://api.twilio.com/m/1", content_type="image/jpeg")
    event = inbound("MMF", "", [photo])
    call(handle_inbound, deps, event, meta=EventMeta(id="twilio-MMF", topic="t"))
    submitted = [e for t, e, _ in deps.publisher.published if t == Topic.PHOTO_SUBMITTED]
    assert len(submitted) == 1


def checked(count, accepted=True, reason=None):
    return image.PhotoChecked(
        user=USER,
        message_id="MM1",
        media_index=count,
        accepted=accepted,
        reason=reason,
    )


def test_two_photo_results_at_the_same_instant_are_both_counted(deps):
    walk_to_photos(deps)
    store = deps.conversations.state
    # While the first result is being saved, the second one lands: the ETag refuses
    # the stale write and the first is decided again on top of the second.
    store.before_save = lambda: call(
        handle_event, deps, checked(2), meta=EventMeta(id="pc-2", topic="t")
    )
    call(handle_event, deps, checked(1), meta=EventMeta(id="pc-1", topic="t"))
    assert conversation(deps).accepted == 2
    assert sum("1 photo accepted" in t for t in texts(deps)) == 2


def walk_to_checkout(deps):
    """Photos accepted, a pack chosen: (the checkout requested, its event id)."""
    walk_to_photos(deps)
    call(handle_event, deps, checked(1), meta=EventMeta(id="pc-1", topic="t"))
    call(handle_event, deps, checked(2), meta=EventMeta(id="pc-2", topic="t"))
    say(deps, "done", "SM4")
    say(deps, "1", "SM5")
    [(_, request, key)] = [p for p in deps.publisher.published if p[0] == Topic.CHECKOUT_REQUESTED]
    return request, key


def test_the_journey_reaches_the_payment_link(deps):
    request, key = walk_to_checkout(deps)
    assert request.pack_code == "corporate"
    assert request.subject == "woman"
    assert key == f"checkout-{request.order_id}"
    ready = payment.CheckoutReady(
        order_id=request.order_id, user=USER, url="https://pay.example/s/1"
    )
    call(handle_event, deps, ready, meta=EventMeta(id="cr-1", topic="t"))
    assert "https://pay.example/s/1" in texts(deps)[-1]


def test_events_for_an_unknown_person_are_acknowledged_silently(deps):
    call(
        handle_event, deps, checked(1), meta=EventMeta(id="pc-1", topic="t")
    )  # succeeds: no error to retry
    assert texts(deps) == []


def test_images_are_sent_as_images_in_order(deps):
    walk_to_photos(deps)
    ready = image.ImagesReady(
        order_id="o", user=USER, prompt_id=1, image_urls=("https://i/1", "https://i/2")
    )
    call(handle_event, deps, ready, meta=EventMeta(id="ir-1", topic="t"))
    assert texts(deps)[-2:] == ["image:https://i/1", "image:https://i/2"]


def test_files_sends_each_portrait_as_a_document_and_logs_it(deps):
    walk_to_photos(deps)
    ready = image.ImagesReady(
        order_id="o",
        user=USER,
        prompt_id=1,
        image_urls=("https://i/1.jpg", "https://i/2.jpg"),
        file_urls=("https://i/d/1.jpg.pdf", "https://i/d/2.jpg.pdf"),
    )
    call(handle_event, deps, ready, meta=EventMeta(id="ir-1", topic="t"))
    say(deps, "files", "SM9")
    assert texts(deps)[-2:] == [
        "document:portrait-1.pdf:https://i/d/1.jpg.pdf",
        "document:portrait-2.pdf:https://i/d/2.jpg.pdf",
    ]
    logged = [(m["kind"], m["body"]) for m in deps.records.outbound][-2:]
    assert logged == [("document", "https://i/d/1.jpg.pdf"), ("document", "https://i/d/2.jpg.pdf")]


def test_the_record_is_plain_json(deps):
    walk_to_photos(deps)
    value, _ = deps.conversations.state.get(ConversationStore.key(USER))
    assert json.loads(json.dumps(value)) == value


# --- records, the 24-hour window, erasure --------------------------------------------------


def test_every_send_is_logged_with_the_provider_id(deps):
    say(deps, "hi", "SM1")
    log = deps.records.outbound
    assert [m["kind"] for m in log] == ["buttons"]
    assert log[0]["id"].startswith("SM")
    assert "Astria portrait bot" in log[0]["body"]


def paid_for(deps, order_id):
    paid = payment_completed(order_id, USER)
    call(handle_event, deps, paid, meta=EventMeta(id=f"pc-{order_id}", topic="t"))


def test_outside_the_window_one_template_is_sent_and_the_rest_is_held(deps):
    walk_to_photos(deps)
    paid_for(deps, "o")
    deps.records.close_window(USER)
    sent_before = len(texts(deps))
    urls = ("https://i/1", "https://i/2")
    ready = image.ImagesReady(order_id="o", user=USER, prompt_id=1, image_urls=urls)
    call(handle_event, deps, ready, meta=EventMeta(id="ir-1", topic="t"))
    more = image.ImagesReady(order_id="o", user=USER, prompt_id=2, image_urls=("https://i/3",))
    call(handle_event, deps, more, meta=EventMeta(id="ir-2", topic="t"))
    new = texts(deps)[sent_before:]
    assert len(new) == 2  # one per decision, not one per image
    assert all(t.startswith("template[en]:") for t in new)
    assert all("reply to this message" in t for t in new)  # an image is no template's text
    # The person answers the template: what was held arrives first, in order.
    say(deps, "show me", "SM9")
    after = texts(deps)[sent_before + 2 :]
    assert after[:3] == ["image:https://i/1", "image:https://i/2", "image:https://i/3"]
    assert record_of(deps).held == ()


def test_outside_the_window_a_payment_link_is_announced_in_one_line_and_sent_whole_later(deps):
    """A template's variable is one line (WhatsApp refuses new lines in it): the link
    itself waits for the person's answer, with its button."""
    request, _key = walk_to_checkout(deps)
    deps.records.close_window(USER)
    sent_before = len(texts(deps))
    ready = payment.CheckoutReady(
        order_id=request.order_id, user=USER, url="https://pay.example/s/1"
    )
    call(handle_event, deps, ready, meta=EventMeta(id="cr-1", topic="t"))
    [template] = texts(deps)[sent_before:]
    assert template.startswith("template[en]:")
    assert "\n" not in template
    assert "https://pay.example" not in template
    say(deps, "ok", "SM6")
    assert any(
        "[" in t and "](https://pay.example/s/1)" in t for t in texts(deps)[sent_before + 1 :]
    )


def test_a_window_error_from_the_provider_closes_the_window(deps):
    say(deps, "hi", "SM1")
    first = deps.records.outbound[0]["id"]
    call(
        record_status,
        deps,
        channel="twilio",
        provider_message_id=first,
        status="failed",
        error_code="63016",
        window_closed=True,
    )
    assert not deps.records.window_open(USER)
    call(
        record_status,
        deps,
        channel="twilio",
        provider_message_id="SMunknown",
        status="read",
        error_code=None,
        window_closed=False,
    )


def test_delete_then_yes_publishes_the_erasure_and_forgets_the_person(deps):
    walk_to_photos(deps)
    say(deps, "delete", "SM4")
    say(deps, "yes", "SM5")
    [(_, erased, key)] = [p for p in deps.publisher.published if p[0] == Topic.USER_ERASED]
    assert erased.user == USER
    assert key == "erase-twilio-SM5"
    assert deps.records.outbound == []
    assert deps.conversations.load(USER) == (None, None)
    # What is left in the state store is the sent items' marks, which name no one
    # and expire.
    left = list(deps.conversations.state.data)
    assert left
    assert all(key.startswith("sent:") for key in left)
    assert all(deps.conversations.state.ttls[key] for key in left)


def test_the_sent_marks_name_no_one(deps):
    walk_to_photos(deps)
    digits = USER.removeprefix("whatsapp:+")
    marks = [key for key in deps.conversations.state.data if key.startswith("sent:")]
    assert len(marks) == len(texts(deps))  # one per item sent
    assert [key for key in marks if digits in key] == []


def test_over_the_rate_limit_one_notice_then_silence_until_the_next_minute(deps):
    deps.rate_limit_per_minute = 3
    minute = datetime(2026, 11, 26, 12, 0, 5, tzinfo=UTC)
    deps.clock = lambda: minute
    for i in range(1, 4):
        say(deps, "hi" if i == 1 else "yes", f"SM{i}")
    answered = len(texts(deps))
    say(deps, "yes", "SM4")
    assert "a lot of messages" in texts(deps)[-1]
    say(deps, "yes", "SM5")
    say(deps, "yes", "SM6")
    assert len(texts(deps)) == answered + 1
    deps.clock = lambda: minute.replace(minute=1)
    say(deps, "help", "SM7")
    assert "STATUS" in texts(deps)[-2] or "STATUS" in texts(deps)[-1]


def test_a_redelivered_message_is_not_counted_against_the_limit(deps):
    deps.rate_limit_per_minute = 1
    say(deps, "hi", "SM1")
    say(deps, "hi", "SM1")
    assert not any("a lot of messages" in t for t in texts(deps))


def test_reconcile_nudges_people_who_stopped_halfway_once(deps):
    from datetime import timedelta

    from services.message.handlers import handle_reconcile
    from shared.events.maintenance import ReconcileRequested

    walk_to_photos(deps)
    sent = len(texts(deps))
    later = T0 + timedelta(hours=7)
    for tick in ("r1", "r2"):
        call(
            handle_reconcile,
            deps,
            ReconcileRequested(requested_at=later),
            meta=EventMeta(id=tick, topic="t"),
        )
    new = texts(deps)[sent:]
    assert "Still there?" in new[0]
    assert sum("Still there?" in t for t in new) == 1


def test_reconcile_does_not_nudge_too_early_or_after_the_window(deps):
    from datetime import timedelta

    from services.message.handlers import handle_reconcile
    from shared.events.maintenance import ReconcileRequested

    walk_to_photos(deps)
    sent = len(texts(deps))
    for hours, tick in ((1, "early"), (30, "late")):
        at = T0 + timedelta(hours=hours)
        call(
            handle_reconcile,
            deps,
            ReconcileRequested(requested_at=at),
            meta=EventMeta(id=tick, topic="t"),
        )
    assert texts(deps)[sent:] == []


# --- the outbox: item by item, in order, once -------------------------------------------------


def portraits(deps, event_id, *urls, prompt_id=1):
    ready = image.ImagesReady(order_id="o", user=USER, prompt_id=prompt_id, image_urls=urls)
    return call(handle_event, deps, ready, meta=EventMeta(id=event_id, topic="t"))


def fail_on(deps, url, error, times=1):
    """Make the sender raise `error` when it sends `url`, `times` times."""
    sender = deps.senders["twilio"]
    original = sender.send_image
    left = {"n": times}

    def flaky(**kwargs):
        if kwargs["url"] == url and left["n"] > 0:
            left["n"] -= 1
            raise error
        return original(**kwargs)

    sender.send_image = flaky


def images(deps):
    return [t for t in texts(deps) if t.startswith("image:")]


def test_a_batch_that_fails_part_way_resumes_where_it_stopped(deps):
    walk_to_photos(deps)
    fail_on(deps, "https://i/3", Transient("twilio answered 503"))
    urls = [f"https://i/{n}" for n in range(1, 5)]
    with pytest.raises(Transient):
        portraits(deps, "ir-1", *urls)
    assert images(deps) == ["image:https://i/1", "image:https://i/2"]
    assert record_of(deps).lease is None  # given back: the retry need not wait
    portraits(deps, "ir-1", *urls)  # Dapr's retry
    assert images(deps) == [f"image:{url}" for url in urls]
    assert record_of(deps).outbox == ()


def test_a_rate_limit_delays_and_never_drops(deps):
    walk_to_photos(deps)
    fail_on(deps, "https://i/1", Transient("graph api answered 400 (131056)"), times=3)
    for _attempt in range(3):
        with pytest.raises(Transient):
            portraits(deps, "ir-1", "https://i/1")
    portraits(deps, "ir-1", "https://i/1")
    assert images(deps) == ["image:https://i/1"]


def test_a_message_that_can_never_go_is_dropped_and_the_rest_still_goes(deps):
    walk_to_photos(deps)
    fail_on(deps, "https://i/1", Rejected("twilio answered 400, code 63021"))
    portraits(deps, "ir-1", "https://i/1", "https://i/2")  # succeeds: no error to retry
    assert images(deps) == ["image:https://i/2"]
    assert record_of(deps).outbox == ()


def test_a_window_error_on_send_closes_the_window_and_holds_the_message(deps):
    walk_to_photos(deps)
    fail_on(deps, "https://i/1", WindowClosed("twilio answered 400, code 63016"))
    portraits(deps, "ir-1", "https://i/1", "https://i/2")
    assert not deps.records.window_open(USER)
    assert images(deps) == []
    assert sum(t.startswith("template[") for t in texts(deps)) == 1
    assert [item["image_url"] for item in record_of(deps).held] == ["https://i/1", "https://i/2"]


def during_the_first_send(deps, meanwhile):
    """Run `meanwhile` (another delivery) while the first image is being sent; it finds
    the outbox leased and asks Dapr to retry (Transient), as it would on another thread."""
    sender = deps.senders["twilio"]
    original, pending = sender.send_image, [meanwhile]

    def send(**kwargs):
        while pending:
            with pytest.raises(Transient, match="being sent"):
                pending.pop()()
        return original(**kwargs)

    sender.send_image = send
    deps.courier.wait_polls = 2


def test_the_same_event_delivered_twice_at_once_sends_each_item_once(deps):
    walk_to_photos(deps)
    # The provider's duplicate arrives mid-send.
    during_the_first_send(deps, lambda: portraits(deps, "ir-1", "https://i/1", "https://i/2"))
    portraits(deps, "ir-1", "https://i/1", "https://i/2")
    portraits(deps, "ir-1", "https://i/1", "https://i/2")  # the retry succeeds
    assert images(deps) == ["image:https://i/1", "image:https://i/2"]


def test_batches_of_one_order_never_interleave(deps):
    walk_to_photos(deps)
    during_the_first_send(
        deps, lambda: portraits(deps, "ir-2", "https://i/3", "https://i/4", prompt_id=2)
    )
    portraits(deps, "ir-1", "https://i/1", "https://i/2")
    assert images(deps) == [f"image:https://i/{n}" for n in range(1, 5)]  # all in order
    portraits(deps, "ir-2", "https://i/3", "https://i/4", prompt_id=2)  # the retry: nothing more
    assert len(images(deps)) == 4


def test_a_dead_flushers_lease_runs_out_and_the_redelivery_finishes(deps):
    walk_to_photos(deps)
    deps.courier.wait_polls = 1
    sender = deps.senders["twilio"]
    original = sender.send_image

    def die(**kwargs):
        raise SystemExit("killed mid-send")  # no release: the process is gone

    sender.send_image = die
    with pytest.raises(SystemExit):
        portraits(deps, "ir-1", "https://i/1")
    # The lease was given back on the way out; a real kill leaves it, so put it back.
    record, etag = deps.conversations.load(USER)
    assert record is not None
    dead = Lease("dead-process", deps.clock() + timedelta(seconds=30))
    deps.conversations.save(record.leased(dead), etag)
    sender.send_image = original
    with pytest.raises(Transient):
        portraits(deps, "ir-1", "https://i/1")  # redelivered while the lease still runs
    assert images(deps) == []
    deps.clock.advance(seconds=31)
    portraits(deps, "ir-1", "https://i/1")
    assert images(deps) == ["image:https://i/1"]
    assert record_of(deps).lease is None


def test_a_sidecar_away_while_marking_a_sent_item_does_not_send_it_twice(deps, monkeypatch):
    monkeypatch.setattr("services.message.adapters.courier.MARK_PAUSES", (0, 0, 0))
    walk_to_photos(deps)
    store, marks = deps.conversations.state, {"n": 0}
    original_save = store.save

    def flaky_save(key, value, **kwargs):
        if key.startswith("sent:"):
            marks["n"] += 1
            if marks["n"] in (1, 2):  # the first image's mark, twice
                raise Transient("sidecar unreachable")
        return original_save(key, value, **kwargs)

    store.save = flaky_save
    portraits(deps, "ir-1", "https://i/1", "https://i/2")
    assert images(deps) == ["image:https://i/1", "image:https://i/2"]
    assert record_of(deps).outbox == ()


def test_a_flusher_that_died_after_sending_part_of_a_batch_is_finished_without_repeats(
    deps, monkeypatch
):
    walk_to_photos(deps)
    deps.courier.wait_polls = 1
    sender = deps.senders["twilio"]
    original = sender.send_image

    def die_on_the_second(**kwargs):
        if kwargs["url"] == "https://i/2":
            raise SystemExit("killed mid-batch")
        return original(**kwargs)

    sender.send_image = die_on_the_second
    # A real kill gives nothing back: the record keeps every item, under the dead lease.
    monkeypatch.setattr(Courier, "_release", lambda *_args: None)
    urls = ("https://i/1", "https://i/2", "https://i/3")
    with pytest.raises(SystemExit):
        portraits(deps, "ir-1", *urls)
    monkeypatch.undo()
    sender.send_image = original
    assert [i["image_url"] for i in record_of(deps).items()] == list(urls)
    with pytest.raises(Transient):
        portraits(deps, "ir-1", *urls)  # redelivered while the dead lease still runs
    deps.clock.advance(seconds=31)
    portraits(deps, "ir-1", *urls)  # the next one takes over and reads the marks
    assert images(deps) == [f"image:{url}" for url in urls]
    assert record_of(deps).outbox == ()


def test_a_reply_costs_one_small_write_once_the_decision_is_saved(deps):
    walk_to_photos(deps)
    store = deps.conversations.state
    writes: list[str] = []
    original_save = store.save

    def counting_save(key, value, **kwargs):
        writes.append(key.split(":", 1)[0])
        return original_save(key, value, **kwargs)

    store.save = counting_save
    portraits(deps, "ir-1", "https://i/1", "https://i/2", "https://i/3")
    # The decision (which takes the lease), a mark per image, the hand-back.
    assert writes == ["conversation", "sent", "sent", "sent", "conversation"]


def test_the_packs_picture_goes_as_one_image_with_the_instructions_as_its_caption():
    settings = MessageSettings(
        min_photos=2, max_photos=4, pack_previews_url="https://img.example/previews"
    )
    deps = message_ports_on_fakes(settings)
    walk_to_photos(deps)
    last = texts(deps)[-1]
    assert last.startswith("image:https://img.example/previews/en/woman.jpg 📸 Now send me")
