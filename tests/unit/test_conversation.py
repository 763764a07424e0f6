"""The conversation, state by state: every input gets an answer, every command works."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.message.domain import texts
from services.message.domain.conversation import (
    CheckoutExpired,
    CheckoutReady,
    Conversation,
    EraseUser,
    ImagesReady,
    Media,
    MediaKind,
    PaymentCompleted,
    PaymentFailed,
    PaymentRefunded,
    PhotoChecked,
    RequestCheckout,
    Rules,
    Step,
    SubmitPhoto,
    TuneFailed,
    TuneStarted,
    TuneTrained,
    UserMessage,
    on_event,
    on_message,
)
from services.message.domain.language import Language
from shared.packs import load_catalogue
from tests.unit.chats import EN_USER, ES_USER, PHOTO, message, said, typed

RULES = Rules(catalogue=load_catalogue(), min_photos=3, max_photos=5, new_order_id=lambda: "ord-1")


def at(step, user=EN_USER, **changes):
    """A conversation in `step` with plausible progress for it."""
    base = Conversation.start(user)
    progress: dict[Step, dict[str, Any]] = {
        Step.PHOTOS: {"subject": "woman"},
        Step.PACK: {"subject": "woman", "accepted": 3},
        Step.PAYMENT: {
            "subject": "woman",
            "accepted": 3,
            "order_id": "ord-1",
            "pack_code": "corporate",
        },
        Step.TRAINING: {
            "subject": "woman",
            "accepted": 3,
            "order_id": "ord-1",
            "paid_orders": ("ord-1",),
        },
        Step.DELIVERING: {
            "subject": "woman",
            "accepted": 3,
            "order_id": "ord-1",
            "paid_orders": ("ord-1",),
        },
        Step.DONE: {"subject": "woman", "accepted": 3, "order_id": "ord-1"},
    }
    fields: dict[str, Any] = {**progress.get(step, {}), **changes}
    return replace(base, step=step, **fields)


def media(*items, body=""):
    return message(text=body, media=items)


INPUTS = {
    "text": typed("hello there"),
    "emoji only": typed("😀🎉"),
    "empty body": typed(""),
    "5000 characters": typed("a" * 5000),
    "unknown command": typed("FOOBAR"),
    "yes": typed("yes"),
    "no": typed("no"),
    "done": typed("done"),
    "number": typed("1"),
    "photo": media(PHOTO),
    "photo with caption": media(PHOTO, body="me at the beach"),
    "video": media(Media("https://x/v", "video/mp4")),
    "voice note": media(Media("https://x/a", "audio/ogg")),
    "sticker": UserMessage(
        message_id="stk", media=(Media("https://x/s", "image/webp"),), kind=MediaKind.STICKER
    ),
    "webp photo": media(Media("https://x/w", "image/webp")),
    "document": media(Media("https://x/d", "application/pdf")),
    "location": UserMessage(message_id="loc", kind=MediaKind.LOCATION),
    "contacts": UserMessage(message_id="vcard", kind=MediaKind.CONTACTS),
}


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("kind", list(INPUTS))
@pytest.mark.parametrize("user", [EN_USER, ES_USER], ids=["en", "es"])
def test_every_input_in_every_step_gets_an_answer(step, kind, user):
    decision = on_message(at(step, user), INPUTS[kind], RULES)
    waited = [a for a in decision.actions if isinstance(a, (SubmitPhoto, RequestCheckout))]
    # Photos in the photo step are answered when the image service has checked them, a
    # chosen pack by the payment button (the typing indicator shows meanwhile).
    assert decision.replies or waited, f"no answer to {kind!r} in {step}"
    for reply in decision.replies:
        assert reply.text is None or 0 < len(reply.text) <= texts.MAX_MESSAGE


@pytest.mark.parametrize("step", list(Step))
def test_long_text_is_never_echoed_back(step):
    decision = on_message(at(step), typed("z" * 5000), RULES)
    assert "zzzz" not in said(decision)


@pytest.mark.parametrize("step", [s for s in Step if s is not Step.NEW])
@pytest.mark.parametrize(
    "kind", ["video", "voice note", "sticker", "document", "location", "contacts"]
)
def test_unsupported_media_is_named_and_nothing_is_submitted(step, kind):
    decision = on_message(at(step), INPUTS[kind], RULES)
    assert "I can't use" in said(decision)
    assert decision.actions == ()
    assert decision.conversation.step is step


# --- the happy path --------------------------------------------------------------------


def test_the_journey_from_hi_to_the_payment_link():
    c = Conversation.start(EN_USER)
    d = on_message(c, typed("hi"), RULES)
    assert d.conversation.step is Step.CONSENT
    assert "Astria" in said(d)
    assert "30 days" in said(d)
    assert "DELETE" in said(d)

    d = on_message(d.conversation, typed("Yes!"), RULES)
    assert d.conversation.step is Step.SUBJECT
    assert "*1.* woman" in said(d)

    d = on_message(d.conversation, typed("I'm a woman"), RULES)
    assert (d.conversation.step, d.conversation.subject) == (Step.PHOTOS, "woman")

    d = on_message(d.conversation, media(PHOTO, PHOTO), RULES)
    assert [a.index for a in d.actions if isinstance(a, SubmitPhoto)] == [0, 1]
    assert d.conversation.pending == 2

    c = d.conversation
    d = on_event(c, PhotoChecked(accepted=True), RULES)
    assert d.replies == ()  # one more is being checked: one word for both
    d = on_event(d.conversation, PhotoChecked(accepted=True), RULES)
    assert "2 photos accepted" in said(d)
    assert "1 more to go" in said(d)

    d = on_message(d.conversation, media(PHOTO), RULES)
    d = on_event(d.conversation, PhotoChecked(accepted=True), RULES)
    c = d.conversation
    assert "1 photo accepted" in said(d)
    assert "enough to start" in said(d)  # the minimum is reached: the packs come with it
    assert [o.id for o in d.replies[-1].menu] == ["pack:corporate", "pack:fantasy"]

    d = on_message(c, typed("DONE"), RULES)
    assert d.conversation.step is Step.PACK
    assert "Corporate headshots" in said(d)
    assert "Pet portraits" not in said(d)  # not offered for a woman

    d = on_message(d.conversation, typed("1"), RULES)
    assert d.conversation.step is Step.PAYMENT
    assert d.actions == (RequestCheckout("ord-1", "corporate", "woman"),)

    d = on_event(d.conversation, CheckoutReady("ord-1", "https://pay.example/c/1", 30), RULES)
    (link,) = d.replies
    assert (link.link_url, link.link_label) == ("https://pay.example/c/1", "Pay $14.99")
    assert "Corporate headshots" in said(d)
    assert "https://" not in said(d)  # the button carries it, not a raw URL


def test_subject_by_number_and_in_spanish():
    assert on_message(at(Step.SUBJECT), typed("2"), RULES).conversation.subject == "man"
    assert (
        on_message(at(Step.SUBJECT, ES_USER), typed("es mi perrito"), RULES).conversation.subject
        == "dog"
    )
    assert on_message(at(Step.SUBJECT), typed("7"), RULES).conversation.step is Step.SUBJECT


def test_a_rejected_photo_gets_the_reason_and_is_not_counted():
    c = at(Step.PHOTOS, pending=1)
    d = on_event(c, PhotoChecked(accepted=False, reason="too_small"), RULES)
    assert "512 px" in said(d)
    assert (d.conversation.accepted, d.conversation.pending) == (0, 0)


def test_the_maximum_moves_on_to_the_packs_and_extra_photos_are_not_sent():
    c = at(Step.PHOTOS, accepted=4)
    d = on_message(c, media(PHOTO, PHOTO, PHOTO), RULES)
    assert len(d.actions) == 1
    assert said(d) == ""  # the two left out are mentioned when the one taken is checked
    d = on_event(d.conversation, PhotoChecked(accepted=True), RULES)
    assert d.conversation.step is Step.PACK
    assert "maximum of 5 photos — I've kept the first ones" in said(d)


def test_done_before_the_minimum_explains_what_is_missing():
    assert "at least *3*" in said(on_message(at(Step.PHOTOS, accepted=1), typed("done"), RULES))
    waiting = on_message(at(Step.PHOTOS, accepted=2, pending=1), typed("done"), RULES)
    assert "still checking 1" in said(waiting)


def test_text_instead_of_photos_gets_a_hint():
    d = on_message(at(Step.PHOTOS, accepted=1), typed("what now?"), RULES)
    assert "waiting for photos" in said(d)
    assert "*1* good photo;" in said(d)


def test_payment_then_training_then_delivery_then_another_pack():
    c = at(Step.PAYMENT)
    d = on_event(c, PaymentCompleted("ord-1"), RULES)
    assert d.conversation.step is Step.TRAINING
    assert d.conversation.paid_orders == ("ord-1",)
    again = on_event(d.conversation, PaymentCompleted("ord-1"), RULES)
    assert again.replies == ()  # duplicates are silent

    assert "training your model now" in said(d)
    # "Training now" was said with the payment; the portraits tell the rest.
    d = on_event(d.conversation, TuneStarted("ord-1", eta_minutes=25), RULES)
    assert d.replies == ()
    d = on_event(d.conversation, TuneTrained("ord-1"), RULES)
    assert d.replies == ()
    d = on_event(
        d.conversation, ImagesReady("ord-1", ("https://i/1.jpg", "https://i/2.jpg")), RULES
    )
    assert [r.image_url for r in d.replies] == ["https://i/1.jpg", "https://i/2.jpg"]
    assert d.conversation.step is Step.DELIVERING
    d = on_event(d.conversation, ImagesReady("ord-1", ("https://i/3.jpg",), complete=True), RULES)
    assert d.replies[0].image_url == "https://i/3.jpg"
    (summary,) = d.replies[1:]  # one summary, which offers another style
    assert "*3 portraits*" in (summary.text or "")
    assert [o.id for o in summary.menu] == ["pack:corporate", "pack:fantasy"]
    assert d.conversation.step is Step.DONE
    assert d.conversation.paid_orders == ()

    d = on_message(d.conversation, typed("2"), RULES)
    assert d.conversation.step is Step.PAYMENT
    assert isinstance(d.actions[0], RequestCheckout)


@pytest.mark.parametrize(
    ("event", "word"),
    [(PaymentFailed("ord-1"), "did not go through"), (CheckoutExpired("ord-1"), "expired")],
)
def test_a_failed_or_expired_checkout_returns_to_the_packs(event, word):
    d = on_event(at(Step.PAYMENT), event, RULES)
    assert d.conversation.step is Step.PACK
    assert word in said(d)
    assert "Choose your pack" in said(d)


def test_events_of_another_order_do_not_move_the_conversation():
    d = on_event(at(Step.PAYMENT), CheckoutExpired("old-order"), RULES)
    assert d.conversation.step is Step.PAYMENT
    assert d.replies == ()


def test_training_failure_promises_and_reports_the_refund():
    d = on_event(at(Step.TRAINING), TuneFailed("ord-1"), RULES)
    assert "refunded" in said(d)
    d = on_event(d.conversation, PaymentRefunded("ord-1", 1499, "usd"), RULES)
    assert "$14.99" in said(d)


def test_a_partial_refund_says_why_in_the_persons_language():
    d = on_event(at(Step.DONE), PaymentRefunded("ord-1", 750, "usd", partial=True), RULES)
    assert "could not be made" in said(d)
    assert "$7.50" in said(d)
    d = on_event(at(Step.DONE, ES_USER), PaymentRefunded("ord-1", 750, "usd", True), RULES)
    assert "no se pudieron crear" in said(d)
    assert "7,50\N{NO-BREAK SPACE}US$" in said(d)


def test_a_reminder_while_training():
    assert "being made" in said(on_message(at(Step.TRAINING), typed("are you there?"), RULES))


# --- global commands -------------------------------------------------------------------


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("word", ["HELP", "help", "Ayuda", "AYÚDA!", "  help 🙏"])
def test_help_everywhere_in_both_languages(step, word):
    d = on_message(at(step), typed(word), RULES)
    assert "STATUS" in said(d)
    assert d.conversation.step is step
    assert "3–5 photos" in said(d)


@pytest.mark.parametrize("step", list(Step))
def test_status_says_where_the_person_is(step):
    c = at(step)
    d = on_message(c, typed("status"), RULES)
    expected = texts.render(Language.EN, f"status_{step.value}", count=c.accepted, min=3)
    assert said(d).startswith(expected)
    assert d.conversation.step is step


@pytest.mark.parametrize("step", list(Step))
def test_restart_starts_over_but_keeps_paid_orders(step):
    c = at(step, paid_orders=("paid-1",))
    d = on_message(c, typed("restart"), RULES)
    expected = Step.CONSENT if step in (Step.NEW, Step.CONSENT) else Step.SUBJECT
    assert d.conversation.step is expected
    assert d.conversation.accepted == 0
    assert d.conversation.paid_orders == ("paid-1",)
    assert "What you paid for will still arrive" in said(d)


@pytest.mark.parametrize("step", list(Step))
def test_delete_asks_first_then_erases_on_yes(step):
    d = on_message(at(step), typed("DELETE"), RULES)
    assert d.actions == ()
    assert "Reply *YES*" in said(d)
    d = on_message(d.conversation, typed("yes"), RULES)
    assert d.actions == (EraseUser(),)
    assert d.conversation.step is Step.NEW
    assert d.conversation.subject is None


@pytest.mark.parametrize("step", list(Step))
def test_delete_is_cancelled_by_anything_else(step):
    d = on_message(at(step), typed("borrar"), RULES)
    d = on_message(d.conversation, typed("no"), RULES)
    assert d.actions == ()
    assert "cancelled" in said(d)
    assert d.conversation.step is step


@pytest.mark.parametrize("step", list(Step))
def test_stop_silences_everything_until_start(step):
    d = on_message(at(step), typed("STOP"), RULES)
    assert "START" in said(d)
    stopped = d.conversation
    assert stopped.opted_out
    assert on_event(stopped, TuneTrained("ord-1"), RULES).replies == ()
    for sent in (typed("hello?"), media(PHOTO)):
        answer = on_message(stopped, sent, RULES)
        if stopped.paid_orders:
            # Only the truth about what they paid for, and how to get it.
            assert [r.text for r in answer.replies] == [
                texts.render(Language.EN, "portraits_kept", count=0)
            ]
        else:
            assert answer.replies == ()
    d = on_message(stopped, typed("start"), RULES)
    assert not d.conversation.opted_out
    assert "Welcome back" in said(d)


def test_portraits_paid_for_before_stop_are_kept_and_arrive_on_start():
    d = on_message(at(Step.TRAINING), typed("STOP"), RULES)
    assert "kept for you" in said(d)
    c = d.conversation
    first = on_event(c, ImagesReady("ord-1", ("https://i/1", "https://i/2")), RULES)
    last = on_event(first.conversation, ImagesReady("ord-1", ("https://i/3",), True), RULES)
    assert first.replies == last.replies == ()
    c = last.conversation
    assert c.withheld == ("https://i/1", "https://i/2", "https://i/3")
    assert (c.step, c.paid_orders, c.arrived, c.withheld_summary) == (Step.DONE, (), {}, 3)
    status = on_message(c, typed("status"), RULES)
    assert "(3 ready so far)" in said(status)
    assert "START" in said(status)
    back = on_message(status.conversation, typed("START"), RULES)
    assert [r.image_url for r in back.replies if r.image_url] == [
        "https://i/1",
        "https://i/2",
        "https://i/3",
    ]
    assert "Here are the 3 portraits kept for you" in said(back)
    assert "*3 portraits*" in said(back)  # the summary of the finished order
    assert (back.conversation.withheld, back.conversation.withheld_summary) == ((), 0)
    assert on_message(back.conversation, typed("status"), RULES).replies  # answered as usual


def test_a_batch_kept_since_stop_before_the_order_ends_arrives_without_a_summary():
    c = on_message(at(Step.DELIVERING), typed("STOP"), RULES).conversation
    c = on_event(c, ImagesReady("ord-1", ("https://i/1",)), RULES).conversation
    back = on_message(c, typed("start"), RULES)
    assert [r.image_url for r in back.replies if r.image_url] == ["https://i/1"]
    assert "portraits*" not in said(back)
    assert back.conversation.paid_orders == ("ord-1",)


def test_the_summary_waits_for_portraits_that_come_after_the_last_batch():
    """Batches are handled in any order: the one marked complete may come first."""
    c = at(Step.DELIVERING, paid_orders=("ord-1",))
    last = on_event(c, ImagesReady("ord-1", ("https://i/3",), True, total=3), RULES)
    assert "That's all of them" not in said(last)
    assert last.conversation.step is Step.DELIVERING
    second = on_event(last.conversation, ImagesReady("ord-1", ("https://i/2",)), RULES)
    assert "That's all of them" not in said(second)
    first = on_event(second.conversation, ImagesReady("ord-1", ("https://i/1",)), RULES)
    assert [r.image_url for r in first.replies if r.image_url] == ["https://i/1"]
    assert said(first).count("That's all of them: *3 portraits*") == 1
    assert (first.conversation.step, first.conversation.paid_orders) == (Step.DONE, ())
    late = on_event(first.conversation, ImagesReady("ord-1", ("https://i/1",)), RULES)
    assert "That's all of them" not in said(late)  # a redelivered batch: no second summary


def test_a_late_batch_of_the_earlier_order_never_counts_into_the_next_ones_summary():
    """Astria's prompts finish in any order: order 1's last portraits may come after the
    person chose order 2. Each summary counts its own order's portraits, and each comes."""
    c = at(Step.DELIVERING, paid_orders=("ord-1",))
    c = on_event(c, ImagesReady("ord-1", ("https://i/1",), True, total=2), RULES).conversation
    c = on_event(c, PaymentCompleted("ord-2"), RULES).conversation
    c = replace(c, order_id="ord-2", step=Step.TRAINING)  # order 2 chosen and paid
    second = on_event(c, ImagesReady("ord-2", ("https://j/1",)), RULES)
    late = on_event(second.conversation, ImagesReady("ord-1", ("https://i/2",)), RULES)
    assert said(late).count("That's all of them: *2 portraits*") == 1  # order 1's own two
    done = on_event(late.conversation, ImagesReady("ord-2", ("https://j/2",), True), RULES)
    assert said(done).count("That's all of them: *2 portraits*") == 1  # not 3
    assert (done.conversation.paid_orders, done.conversation.arrived) == ((), {})
    assert done.conversation.step is Step.DONE
    # RESEND, FILES and GALLERY keep to the latest order's portraits, all of them.
    assert done.conversation.portraits_order == "ord-2"
    assert done.conversation.portraits == ("https://j/1", "https://j/2")


def test_a_conversation_saved_with_one_count_reads_as_its_latest_orders():
    saved = {k: v for k, v in at(Step.DELIVERING).to_dict().items() if k != "arrived"}
    saved |= {"portraits_order": "ord-1", "delivered": 2, "summary_due": 3}
    c = Conversation.from_dict(saved)
    assert (c.arrived, c.summary_due) == ({"ord-1": 2}, {"ord-1": 3})


def test_portraits_kept_since_stop_wait_for_the_orders_last_batch_too():
    c = on_message(at(Step.DELIVERING), typed("STOP"), RULES).conversation
    c = on_event(c, ImagesReady("ord-1", ("https://i/2",), True, total=2), RULES).conversation
    early = on_message(c, typed("START"), RULES)
    assert "portraits*" not in said(early)  # one of two is here: no summary yet
    rest = on_event(early.conversation, ImagesReady("ord-1", ("https://i/1",)), RULES)
    assert said(rest).count("That's all of them: *2 portraits*") == 1


@pytest.mark.parametrize("step", list(Step))
def test_language_switches_in_one_go_or_with_a_menu(step):
    d = on_message(at(step), typed("idioma es"), RULES)
    assert d.conversation.language is Language.ES
    assert "español" in said(d)
    d = on_message(at(step), typed("LANGUAGE"), RULES)
    assert "Español" in said(d)
    d = on_message(d.conversation, typed("2"), RULES)
    assert d.conversation.language is Language.ES
    assert d.conversation.step is step


def test_a_spanish_number_is_greeted_in_spanish():
    d = on_message(Conversation.start(ES_USER), typed("hola"), RULES)
    assert "¡Hola!" in said(d)
    assert "*30 días*" in said(d)


def test_the_conversation_survives_a_round_trip_through_storage():
    c = at(Step.TRAINING, ES_USER, pending=2, opted_out=True)
    assert Conversation.from_dict(c.to_dict()) == c
    assert Conversation.from_dict({**c.to_dict(), "added_later": 1}) == c


@pytest.mark.parametrize("step", list(Step))
def test_a_nudge_reminds_once_and_only_halfway(step):
    from services.message.domain.conversation import HALFWAY, Nudge

    d = on_event(at(step), Nudge(), RULES)
    if step in HALFWAY:
        assert "Still there?" in said(d)
        assert on_event(d.conversation, Nudge(), RULES).replies == ()  # once
        back = on_message(d.conversation, typed("hello"), RULES).conversation
        assert not back.nudged  # they wrote again: a later silence may be nudged
    else:
        assert d.replies == ()


def test_no_nudge_after_stop():
    from services.message.domain.conversation import Nudge

    assert on_event(at(Step.PHOTOS, opted_out=True), Nudge(), RULES).replies == ()


def test_restart_starts_a_new_photo_set_for_photos_checks_and_the_next_order():
    c = at(Step.PHOTOS, accepted=2, pending=1)
    before = on_message(c, media(PHOTO), RULES)
    assert [a.photo_set for a in before.actions if isinstance(a, SubmitPhoto)] == [1]
    c = on_message(before.conversation, typed("restart"), RULES).conversation
    assert (c.photo_set, c.accepted, c.pending) == (2, 0, 0)
    # The check of a photo sent before RESTART arrives late: it counts for nothing.
    late = on_event(replace(c, step=Step.PHOTOS, subject="woman"), PhotoChecked(True), RULES)
    assert (late.conversation.accepted, late.replies) == (0, ())
    c = on_message(c, typed("woman"), RULES).conversation
    d = on_message(c, media(PHOTO), RULES)
    assert [a.photo_set for a in d.actions if isinstance(a, SubmitPhoto)] == [2]
    counted = on_event(d.conversation, PhotoChecked(True, photo_set=2), RULES)
    assert counted.conversation.accepted == 1
    ready = replace(counted.conversation, step=Step.PACK, accepted=3)
    [checkout] = on_message(ready, typed("1"), RULES).actions
    assert isinstance(checkout, RequestCheckout)
    assert checkout.photo_set == 2


UNTIL = datetime(2026, 12, 26, 12, tzinfo=UTC)


def delivered(user=EN_USER, order="ord-1", urls=("https://img/p/1.jpg", "https://img/p/2.jpg")):
    """An order delivered in two batches, the last with its gallery link; each portrait
    also full size, as a document (`<url>.pdf`)."""
    c = at(Step.DELIVERING, user=user, order_id=order, paid_orders=(order,))
    files = tuple(f"{url}.pdf" for url in urls)
    first = ImagesReady(order, urls[:1], links_expire_at=UNTIL, file_urls=files[:1])
    c = on_event(c, first, RULES).conversation
    last = ImagesReady(order, urls[1:], True, "https://img/gallery/ord-1?s=1", UNTIL, files[1:])
    return on_event(c, last, RULES)


def wrote(body, when):
    return message(text=body, received_at=when)


def test_the_summary_offers_the_gallery_the_files_and_resend():
    summary = said(delivered())
    assert "*GALLERY*" in summary
    assert "*FILES*" in summary
    assert "*RESEND*" in summary


@pytest.mark.parametrize(
    ("word", "user", "lead"),
    [("files", EN_USER, "as files (PDF)"), ("Archivos", ES_USER, "como archivos (PDF)")],
)
def test_files_sends_each_portrait_full_size_as_a_named_document(word, user, lead):
    c = delivered(user).conversation
    d = on_message(c, wrote(word, UNTIL - timedelta(days=3)), RULES)
    documents = [(r.document_url, r.filename) for r in d.replies if r.document_url]
    assert documents == [
        ("https://img/p/1.jpg.pdf", "portrait-1.pdf"),
        ("https://img/p/2.jpg.pdf", "portrait-2.pdf"),
    ]
    assert [r.image_url for r in d.replies if r.image_url] == []
    assert lead in said(d)
    assert "*FILES*" in said(on_message(at(Step.PACK), typed("help"), RULES))
    assert Conversation.from_dict(d.conversation.to_dict()) == d.conversation


def test_files_when_there_are_none_to_send():
    assert "no portraits yet" in said(on_message(at(Step.PHOTOS), typed("files"), RULES))
    gone = on_message(delivered().conversation, wrote("files", UNTIL + timedelta(minutes=1)), RULES)
    assert [r for r in gone.replies if r.document_url] == []
    assert "kept for 30 days" in said(gone)
    # Portraits remembered before full-size files were kept: the gallery still has them.
    older = replace(delivered().conversation, portrait_files=())
    d = on_message(older, wrote("files", UNTIL - timedelta(days=1)), RULES)
    assert [r for r in d.replies if r.document_url] == []
    assert "*GALLERY*" in said(d)


@pytest.mark.parametrize(("word", "user"), [("resend", EN_USER), ("Reenviar", ES_USER)])
def test_resend_sends_the_latest_portraits_again(word, user):
    c = delivered(user).conversation
    d = on_message(c, wrote(word, UNTIL - timedelta(days=3)), RULES)
    assert [r.image_url for r in d.replies if r.image_url] == [
        "https://img/p/1.jpg",
        "https://img/p/2.jpg",
    ]
    assert ("again" if user == EN_USER else "otra vez") in said(d)
    assert d.actions == ()


@pytest.mark.parametrize(("word", "user"), [("gallery", EN_USER), ("galería", ES_USER)])
def test_gallery_sends_the_link_with_the_days_it_has_left(word, user):
    c = delivered(user).conversation
    d = on_message(c, wrote(word, UNTIL - timedelta(days=3, hours=2)), RULES)
    [reply] = d.replies
    assert reply.link_url == "https://img/gallery/ord-1?s=1"
    assert reply.link_label == ("Open gallery" if user == EN_USER else "Abrir galería")
    assert "*4 more days*" in (reply.text or "") or "*4 días más*" in (reply.text or "")


def test_after_the_retention_resend_and_gallery_say_the_portraits_are_gone():
    c = delivered().conversation
    for word in ("resend", "gallery"):
        d = on_message(c, wrote(word, UNTIL + timedelta(minutes=1)), RULES)
        assert [r.image_url for r in d.replies if r.image_url] == []
        assert "kept for 30 days" in said(d)


def test_resend_and_gallery_before_any_portrait_or_before_the_last_one():
    assert "no portraits yet" in said(on_message(at(Step.PHOTOS), typed("resend"), RULES))
    assert "no portraits yet" in said(on_message(at(Step.PHOTOS), typed("gallery"), RULES))
    c = at(Step.DELIVERING)
    c = on_event(c, ImagesReady("ord-1", ("https://img/p/1.jpg",)), RULES).conversation
    assert "still arriving" in said(on_message(c, typed("gallery"), RULES))


def test_a_newer_order_replaces_the_portraits_resend_sends():
    c = replace(delivered().conversation, order_id="ord-2")  # chosen after order 1's came
    newer = ImagesReady("ord-2", ("https://img/q/1.jpg",), file_urls=("https://img/q/1.pdf",))
    c = on_event(c, newer, RULES).conversation
    assert c.portraits == ("https://img/q/1.jpg",)
    assert c.portrait_files == ("https://img/q/1.pdf",)
    assert c.gallery_url is None  # the newer order's comes with its last batch
    assert Conversation.from_dict(c.to_dict()) == c


def trained_and_delivered(until=UNTIL):
    c = at(Step.DELIVERING, paid_orders=("ord-1",))
    c = on_event(c, TuneTrained("ord-1", until), RULES).conversation
    return on_event(c, ImagesReady("ord-1", ("https://img/p/1.jpg",), True), RULES)


def test_after_delivery_other_styles_are_offered_at_the_restyle_price():
    d = trained_and_delivered()
    [summary] = [r for r in d.replies if r.menu]
    assert "no new photos and no training" in (summary.text or "")
    assert "$4.99" in (summary.text or "")  # corporate's re-style, not $14.99
    assert "$4.99" in summary.menu[0].description
    chosen = on_message(d.conversation, wrote("pack:corporate", UNTIL - timedelta(days=1)), RULES)
    [request] = chosen.actions
    assert isinstance(request, RequestCheckout)
    assert request.restyle_of == "ord-1"
    assert chosen.conversation.restyle_of == "ord-1"
    link = on_event(chosen.conversation, CheckoutReady("ord-1", "https://pay/1", 30), RULES)
    assert "$4.99" in said(link)
    paid = on_event(link.conversation, PaymentCompleted("ord-1"), RULES)
    assert "No training this time" in said(paid)
    done = on_event(paid.conversation, ImagesReady("ord-1", ("https://img/q/1.jpg",), True), RULES)
    assert "*1 portrait*" in said(done)  # this order's, not every order's


def test_once_the_model_is_gone_another_style_asks_for_new_photos_and_says_why():
    d = trained_and_delivered()
    later = on_message(d.conversation, wrote("pack:corporate", UNTIL + timedelta(hours=1)), RULES)
    assert later.actions == ()
    assert "model made from your photos is gone" in said(later)
    assert later.conversation.step is Step.PHOTOS
    assert later.conversation.photo_set == d.conversation.photo_set + 1
    assert later.conversation.trained_order is None
    # From the new photos, the packs come at their full price again.
    again = replace(later.conversation, step=Step.DONE, accepted=3)
    menu = on_message(again, typed("hello"), RULES)
    assert "$14.99" in said(menu)
    assert "$4.99" not in said(menu)
