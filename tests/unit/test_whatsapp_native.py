"""The conversation as WhatsApp shows it: buttons and lists within WhatsApp's limits, taps
read like typing, photos acknowledged together, and how many messages a journey costs."""

from dataclasses import replace

import pytest

from services.message.domain.conversation import (
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_INTERACTIVE_BODY,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
    MAX_ROWS,
    CheckoutReady,
    Conversation,
    Decision,
    ImagesReady,
    PaymentCompleted,
    PhotoChecked,
    Reply,
    RequestCheckout,
    Rules,
    Step,
    TuneStarted,
    TuneTrained,
    UserMessage,
    on_event,
    on_message,
)
from services.message.settings import MessageSettings
from shared.packs import load_catalogue
from tests.unit.chats import EN_USER, ES_USER, photo, tapped, typed

# The service's own defaults: 8 to 20 photos, the shipped catalogue.
DEFAULTS = MessageSettings.model_fields
RULES = Rules(
    catalogue=load_catalogue(),
    min_photos=DEFAULTS["min_photos"].default,
    max_photos=DEFAULTS["max_photos"].default,
    new_order_id=lambda: "ord-1",
)


class Chat:
    """Drives the pure conversation and counts what the bot says."""

    def __init__(self, user: str = EN_USER, rules: Rules = RULES) -> None:
        self.c = Conversation.start(user)
        self.rules = rules
        self.bot: list[Reply] = []
        self.person = 0

    def _take(self, d: Decision) -> Decision:
        self.c = d.conversation
        self.bot.extend(d.replies)
        return d

    def says(self, message: UserMessage) -> Decision:
        self.person += 1
        return self._take(on_message(self.c, message, self.rules))

    def hears(self, event: object) -> Decision:
        return self._take(on_event(self.c, event, self.rules))  # type: ignore[arg-type]

    def last_control(self) -> Reply:
        return next(r for r in reversed(self.bot) if r.buttons or r.menu or r.link_url)


# Astria's Corporate Headshots for a woman: the portraits an order of it gets.
PORTRAITS = 35


def shortest_journey(chat: Chat) -> None:
    """Hi, agree, who, the fewest photos sent together, a pack, pay: by tapping."""
    chat.says(typed("hi"))
    chat.says(tapped("yes"))
    chat.says(tapped("woman"))
    for _ in range(chat.rules.min_photos):
        chat.says(photo())  # WhatsApp delivers each photo of a batch as its own message
    for _ in range(chat.rules.min_photos):
        chat.hears(PhotoChecked(accepted=True))
    pack = chat.rules.catalogue.for_subject("woman")[0]
    chat.says(tapped(f"pack:{pack.code}"))
    chat.hears(CheckoutReady("ord-1", "https://checkout.stripe.com/c/pay/cs_1", 30))
    chat.hears(PaymentCompleted("ord-1"))
    chat.hears(TuneStarted("ord-1", eta_minutes=20))
    chat.hears(TuneTrained("ord-1"))
    urls = tuple(f"https://cdn/{i}.jpg" for i in range(PORTRAITS))
    half = len(urls) // 2
    chat.hears(ImagesReady("ord-1", urls[:half]))
    chat.hears(ImagesReady("ord-1", urls[half:], complete=True))


PREVIEWS = replace(RULES, previews_url="https://img.example/previews")


@pytest.mark.parametrize("rules", [RULES, PREVIEWS], ids=["text", "with-pack-previews"])
def test_the_shortest_journey_costs_at_most_7_messages_besides_the_portraits(rules):
    chat = Chat(rules=rules)
    shortest_journey(chat)
    assert chat.c.step is Step.DONE
    portraits = [r for r in chat.bot if r.image_url and not r.text]
    assert len(portraits) == PORTRAITS
    # The packs' picture travels with the photo instructions: no message of its own.
    assert sum(bool(r.image_url and r.text) for r in chat.bot) == (rules is PREVIEWS)
    # Besides the portraits (as many as Astria's pack makes), at most 7 messages.
    assert len(chat.bot) - len(portraits) <= 7, [r.text or r.image_url for r in chat.bot]
    # After the portraits: one summary, which offers another style.
    assert chat.bot[-1].menu
    assert "portraits" in (chat.bot[-1].text or "")


def test_every_choice_is_a_control_and_each_tap_has_its_typed_twin():
    chat = Chat()
    chat.says(typed("hi"))
    assert [o.id for o in chat.last_control().buttons] == ["yes", "no"]
    tapped_chat, typed_chat = Chat(), Chat()
    for other in (tapped_chat, typed_chat):
        other.says(typed("hi"))
    tapped_chat.says(tapped("yes", "Yes, I agree"))
    typed_chat.says(typed("yes"))
    assert tapped_chat.c == typed_chat.c
    menu = tapped_chat.last_control()
    assert [o.id for o in menu.menu] == ["woman", "man", "boy", "girl", "dog", "cat"]
    assert menu.menu_button == "Choose"
    tapped_chat.says(tapped("dog", "Dog"))
    typed_chat.says(typed("5"))
    assert tapped_chat.c == typed_chat.c
    assert tapped_chat.c.subject == "dog"


def test_the_payment_is_one_button_named_with_the_price_in_the_persons_money():
    for user, label in ((EN_USER, "Pay $14.99"), (ES_USER, "Pagar 14,99\xa0US$")):
        c = replace(
            Conversation.start(user),
            step=Step.PAYMENT,
            subject="woman",
            order_id="ord-1",
            pack_code="corporate",
        )
        (reply,) = on_event(c, CheckoutReady("ord-1", "https://pay/1", 30), RULES).replies
        assert (reply.link_url, reply.link_label) == ("https://pay/1", label)


def test_photos_checked_together_are_acknowledged_together():
    chat = Chat()
    for message in ("hi", "yes", "woman"):
        chat.says(typed(message))
    before = len(chat.bot)
    for _ in range(6):
        chat.says(photo())
    for reason in (None, None, None, "too_small", None, "too_small"):
        chat.hears(PhotoChecked(accepted=reason is None, reason=reason))
    (ack,) = chat.bot[before:]
    assert ack.text is not None
    assert "4 photos accepted" in ack.text
    assert "2 I can't use: it's too small" in ack.text
    assert "4 more to go" in ack.text
    # One at a time, each is answered as it comes.
    chat.says(photo())
    chat.hears(PhotoChecked(accepted=False, reason="duplicate"))
    assert "already sent this one" in (chat.bot[-1].text or "")
    assert chat.c.accepted == 4


def test_enough_photos_bring_the_packs_and_a_pack_may_be_tapped_at_once():
    chat = Chat()
    for message in ("hi", "yes", "woman"):
        chat.says(typed(message))
    for _ in range(RULES.min_photos):
        chat.says(photo())
    for _ in range(RULES.min_photos):
        chat.hears(PhotoChecked(accepted=True))
    packs = chat.last_control()
    assert packs.menu
    assert "enough to start" in (packs.text or "")
    before = chat.c.step
    assert before is Step.PHOTOS  # more photos are still welcome
    d = chat.says(tapped("pack:fantasy", "Fantasy heroes"))
    assert d.actions == (RequestCheckout("ord-1", "fantasy", "woman"),)
    assert chat.c.step is Step.PAYMENT


def test_a_pack_of_another_subject_cannot_be_tapped():
    c = replace(Conversation.start(EN_USER), step=Step.PACK, subject="woman", accepted=8)
    d = on_message(c, tapped("pack:pets"), RULES)
    assert d.conversation.step is Step.PACK
    assert d.actions == ()


def all_replies() -> list[Reply]:
    """What the bot can say with a control, in both languages, over many situations."""
    found: list[Reply] = []
    for user in (EN_USER, ES_USER):
        chat = Chat(user)
        shortest_journey(chat)
        chat.says(typed("delete"))
        chat.says(typed("no"))
        chat.says(typed("language"))
        found += chat.bot
    return [r for r in found if r.buttons or r.menu or r.link_url]


@pytest.mark.parametrize("reply", all_replies(), ids=lambda r: (r.text or "")[:30])
def test_every_control_fits_whatsapps_limits(reply):
    assert reply.text
    assert len(reply.text) <= MAX_INTERACTIVE_BODY
    assert sum(bool(x) for x in (reply.buttons, reply.menu, reply.link_url)) == 1
    if reply.buttons:
        titles = [b.title for b in reply.buttons]
        assert 1 <= len(titles) <= MAX_BUTTONS
        assert len(set(titles)) == len(titles)
        assert all(0 < len(t) <= MAX_BUTTON_TITLE for t in titles)
    if reply.menu:
        assert 1 <= len(reply.menu) <= MAX_ROWS
        assert reply.menu_button
        assert len(reply.menu_button) <= MAX_BUTTON_TITLE
        assert all(0 < len(r.title) <= MAX_ROW_TITLE for r in reply.menu)
        # Twilio's list-picker requires a description on every item.
        assert all(0 < len(r.description) <= MAX_ROW_DESCRIPTION for r in reply.menu)
        assert len({r.id for r in reply.menu}) == len(reply.menu)
    if reply.link_url:
        assert reply.link_label
        assert len(reply.link_label) <= MAX_BUTTON_TITLE


def test_photos_past_the_maximum_in_one_batch_are_mentioned_once_in_its_answer():
    chat = Chat()
    for message in ("hi", "yes", "woman"):
        chat.says(typed(message))
    before = len(chat.bot)
    extra = 3
    for _ in range(RULES.max_photos + extra):
        chat.says(photo())
    assert len(chat.bot) == before  # nothing said per photo while they are checked
    for _ in range(RULES.max_photos):
        chat.hears(PhotoChecked(accepted=True))
    (ack,) = chat.bot[before:]
    assert f"{RULES.max_photos} photos accepted" in (ack.text or "")
    assert "I've kept the first ones" in (ack.text or "")
    assert ack.menu  # and the packs come with it


def test_photos_left_out_while_others_are_refused_are_counted_in_the_answer():
    chat = Chat()
    for message in ("hi", "yes", "woman"):
        chat.says(typed(message))
    before = len(chat.bot)
    for _ in range(RULES.max_photos + 2):
        chat.says(photo())
    for index in range(RULES.max_photos):
        chat.hears(PhotoChecked(accepted=index > 0, reason=None if index else "too_small"))
    (ack,) = chat.bot[before:]
    assert "I left out 2 photos that came past the maximum" in (ack.text or "")
    assert chat.c.dropped == 0
