"""The conversation: a state machine in plain Python.

`on_message` and `on_event` take a conversation and one input and return a
Decision: the new conversation, what to say, and what to ask of the other
services. Adapters do all I/O; nothing here can fail on a network.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.message.domain import texts
from services.message.domain.commands import (
    Answer,
    Command,
    normalise,
    parse_answer,
    parse_command,
    parse_number,
)
from services.message.domain.language import Language, guess_language
from shared.money import money
from shared.packs import SUBJECT_CLASSES, Catalogue, Pack


class Step(StrEnum):
    NEW = "new"
    CONSENT = "consent"
    SUBJECT = "subject"
    PHOTOS = "photos"
    PACK = "pack"
    PAYMENT = "payment"
    TRAINING = "training"
    DELIVERING = "delivering"
    DONE = "done"


# Steps where a person can stall before paying.
HALFWAY = frozenset({Step.CONSENT, Step.SUBJECT, Step.PHOTOS, Step.PACK, Step.PAYMENT})


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    STICKER = "sticker"
    DOCUMENT = "document"
    LOCATION = "location"
    CONTACTS = "contacts"


def media_kind(content_type: str) -> MediaKind:
    """By the file's type. A sticker is a WebP image too, and so is many a photo: what tells
    them apart is the provider's message type (UserMessage.kind), not the format."""
    major = content_type.split("/", 1)[0].lower()
    if major in ("image", "video", "audio"):
        return MediaKind(major)
    return MediaKind.DOCUMENT


@dataclass(frozen=True)
class Media:
    reference: str
    content_type: str

    @property
    def kind(self) -> MediaKind:
        return media_kind(self.content_type)


@dataclass(frozen=True)
class UserMessage:
    message_id: str
    text: str = ""
    media: tuple[Media, ...] = ()
    # The provider's own word for what arrived when it is not text or media.
    kind: MediaKind | None = None
    # The id of the button or list row the person tapped (an Option.id): read as if they
    # had typed it, so every tap has a typed equivalent.
    choice: str | None = None
    received_at: datetime | None = None


# --- what the other services tell us -------------------------------------------------


@dataclass(frozen=True)
class PhotoChecked:
    accepted: bool
    reason: str | None = None
    # The photo set the photo was sent for: a check for an earlier set (sent before
    # RESTART) counts for nothing.
    photo_set: int = 1


@dataclass(frozen=True)
class CheckoutReady:
    order_id: str
    url: str
    expires_in_minutes: int | None = None


@dataclass(frozen=True)
class PaymentCompleted:
    order_id: str


@dataclass(frozen=True)
class PaymentFailed:
    order_id: str


@dataclass(frozen=True)
class CheckoutExpired:
    order_id: str


@dataclass(frozen=True)
class TuneStarted:
    order_id: str
    eta_minutes: int | None = None


@dataclass(frozen=True)
class TuneTrained:
    order_id: str
    expires_at: datetime | None = None  # until when other styles can run on the tune


@dataclass(frozen=True)
class TuneFailed:
    order_id: str


@dataclass(frozen=True)
class ImagesReady:
    order_id: str
    image_urls: tuple[str, ...]
    complete: bool = False
    gallery_url: str | None = None  # on the order's last batch
    links_expire_at: datetime | None = None
    file_urls: tuple[str, ...] = ()  # the same portraits full size, as documents
    total: int | None = None  # on the last batch: the order's portraits in all


@dataclass(frozen=True)
class Nudge:
    """The person went quiet halfway through; remind them once."""


@dataclass(frozen=True)
class PaymentRefunded:
    order_id: str
    amount_minor: int
    currency: str
    partial: bool = False  # the share of the portraits that could not be made


DomainEvent = (
    PhotoChecked
    | CheckoutReady
    | PaymentCompleted
    | PaymentFailed
    | CheckoutExpired
    | TuneStarted
    | TuneTrained
    | TuneFailed
    | ImagesReady
    | PaymentRefunded
    | Nudge
)

# --- what we ask of the outside ------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """A reply button or a list row. `id` is what comes back when it is tapped, and is
    also something a person could type ("yes", "done", "woman", "pack:corporate")."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Reply:
    """One message. Text alone, an image, or text with one kind of control: reply
    buttons (at most 3), a list (at most 10 rows, opened by `menu_button`) or a link
    button (`link_url` under `link_label`)."""

    text: str | None = None
    image_url: str | None = None
    # A file (`document_url`), which the person's phone saves as `filename`.
    document_url: str | None = None
    filename: str | None = None
    buttons: tuple[Option, ...] = ()
    menu: tuple[Option, ...] = ()
    menu_button: str | None = None
    link_url: str | None = None
    link_label: str | None = None


@dataclass(frozen=True)
class SubmitPhoto:
    message_id: str
    index: int
    media: Media
    photo_set: int = 1
    subject: str | None = None


@dataclass(frozen=True)
class RequestCheckout:
    order_id: str
    pack_code: str
    subject: str
    photo_set: int = 1  # the order trains from this set only
    restyle_of: str | None = None  # the trained order whose model makes another style


@dataclass(frozen=True)
class EraseUser:
    pass


Action = SubmitPhoto | RequestCheckout | EraseUser


@dataclass(frozen=True)
class Conversation:
    user: str
    step: Step = Step.NEW
    language: Language = Language.EN
    subject: str | None = None
    accepted: int = 0
    pending: int = 0
    # Photos are acknowledged in batches, once none is left to check: how many of the
    # accepted ones were acknowledged, and why the others since then were refused.
    acknowledged: int = 0
    refusals: tuple[str, ...] = ()
    # Photos past the maximum that came while others were being checked: said once, in
    # that batch's acknowledgement, not once per photo.
    dropped: int = 0
    order_id: str | None = None
    pack_code: str | None = None
    checkout_url: str | None = None
    paid_orders: tuple[str, ...] = ()
    # Per paid order: how many of its portraits reached the person (or are kept for them
    # since STOP). Per order, as batches of an earlier order may still come after the
    # next one is chosen: each summary counts its own order's portraits only.
    arrived: dict[str, int] = field(default_factory=dict)
    # RESTART starts a new set: photos of earlier sets are never trained again.
    photo_set: int = 1
    opted_out: bool = False
    # Paid portraits that arrived after STOP: kept, and sent on START.
    withheld: tuple[str, ...] = ()
    # An order ended while they were away: the count its summary gives on START (0: none).
    withheld_summary: int = 0
    # Per order whose last batch came: the summary waits until this many of its portraits
    # have arrived (`arrived`), as batches come in any order.
    summary_due: dict[str, int] = field(default_factory=dict)
    confirming_delete: bool = False
    choosing_language: bool = False
    nudged: bool = False
    # The last order's portraits, for RESEND, FILES and GALLERY: links to our copies (each
    # also full size, as a document), which stop working at `portraits_until` (ISO 8601).
    portraits_order: str | None = None
    portraits: tuple[str, ...] = ()
    portrait_files: tuple[str, ...] = ()
    gallery_url: str | None = None
    portraits_until: str | None = None
    # The latest order whose model Astria trained (and until when it keeps it, ISO 8601):
    # other styles run on it at the re-style price. `restyle_of`: the current order's.
    trained_order: str | None = None
    trained_until: str | None = None
    restyle_of: str | None = None

    @classmethod
    def start(cls, user: str) -> "Conversation":
        return cls(user=user, language=guess_language(user))

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "step": self.step.value,
            "language": self.language.value,
            "subject": self.subject,
            "accepted": self.accepted,
            "pending": self.pending,
            "acknowledged": self.acknowledged,
            "refusals": list(self.refusals),
            "dropped": self.dropped,
            "order_id": self.order_id,
            "pack_code": self.pack_code,
            "checkout_url": self.checkout_url,
            "paid_orders": list(self.paid_orders),
            "arrived": dict(self.arrived),
            "photo_set": self.photo_set,
            "opted_out": self.opted_out,
            "withheld": list(self.withheld),
            "withheld_summary": self.withheld_summary,
            "summary_due": dict(self.summary_due),
            "confirming_delete": self.confirming_delete,
            "choosing_language": self.choosing_language,
            "nudged": self.nudged,
            "portraits_order": self.portraits_order,
            "portraits": list(self.portraits),
            "portrait_files": list(self.portrait_files),
            "gallery_url": self.gallery_url,
            "portraits_until": self.portraits_until,
            "trained_order": self.trained_order,
            "trained_until": self.trained_until,
            "restyle_of": self.restyle_of,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Conversation":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["step"] = Step(known.get("step", Step.NEW))
        known["language"] = Language(known.get("language", Language.EN))
        known["paid_orders"] = tuple(known.get("paid_orders", ()))
        known["withheld"] = tuple(known.get("withheld", ()))
        known["refusals"] = tuple(known.get("refusals", ()))
        known["portraits"] = tuple(known.get("portraits", ()))
        known["portrait_files"] = tuple(known.get("portrait_files", ()))
        # Saved before the counts were per order (one count, for the latest portraits' order).
        if isinstance(known.get("summary_due"), int) and data.get("portraits_order"):
            known["summary_due"] = {data["portraits_order"]: known["summary_due"]}
        if not isinstance(known.get("summary_due", {}), dict):
            known["summary_due"] = {}
        if isinstance(data.get("delivered"), int) and data.get("portraits_order"):
            known.setdefault("arrived", {data["portraits_order"]: data["delivered"]})
        return cls(**known)


@dataclass(frozen=True)
class Rules:
    catalogue: Catalogue
    min_photos: int = 8
    max_photos: int = 20
    retention_days: int = 30
    # The image service's /previews: each subject's packs in one picture, sent with the
    # photo instructions because a list message cannot carry one. None: text alone.
    previews_url: str | None = None
    new_order_id: Callable[[], str] = field(default=lambda: "order")


@dataclass(frozen=True)
class Decision:
    conversation: Conversation
    replies: tuple[Reply, ...] = ()
    actions: tuple[Action, ...] = ()


# What WhatsApp accepts in an interactive message (Meta's Cloud API pages on reply buttons,
# list messages and cta_url; Twilio's content types are within these).
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_INTERACTIVE_BODY = 1024


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Turn:
    """Collects the replies and actions of one decision."""

    def __init__(
        self, conversation: Conversation, rules: Rules, now: datetime | None = None
    ) -> None:
        self.c = conversation
        self.rules = rules
        self.now = now  # when the person wrote, if this turn answers them
        self.replies: list[Reply] = []
        self.actions: list[Action] = []

    def t(self, key: str, **values: object) -> str:
        return texts.render(self.c.language, key, **values)

    def say(self, key: str, **values: object) -> None:
        for part in texts.split_message(self.t(key, **values)):
            self.replies.append(Reply(text=part))

    def ask(self, text: str, **control: Any) -> None:
        """One message with its control (buttons, a list or a link)."""
        self.replies.append(Reply(text=fit(text.strip(), MAX_INTERACTIVE_BODY), **control))

    def buttons(self, text: str, *options: tuple[str, str]) -> None:
        chosen = tuple(Option(i, fit(title, MAX_BUTTON_TITLE)) for i, title in options)
        self.ask(text, buttons=chosen[:MAX_BUTTONS])

    def yes_no(self, text: str, yes: str, no: str) -> None:
        self.buttons(text, ("yes", self.t(yes)), ("no", self.t(no)))

    def update(self, **changes: Any) -> None:
        self.c = replace(self.c, **changes)

    def decision(self, *, silent: bool = False) -> Decision:
        replies = () if silent else tuple(self.replies)
        return Decision(self.c, replies, tuple(self.actions))

    # Prompts reused across steps.
    def consent(self, lead: str = "") -> None:
        text = "\n\n".join(
            p for p in (lead, self.t("consent", days=self.rules.retention_days)) if p
        )
        self.yes_no(text, "button_agree", "button_decline")

    def subject_menu(self, lead: str = "") -> None:
        language = self.c.language
        options = "\n".join(
            f"*{i}.* {texts.subject_name(language, s)}" for i, s in enumerate(SUBJECT_CLASSES, 1)
        )
        names = [texts.subject_name(language, s) for s in SUBJECT_CLASSES]
        rows = tuple(
            Option(
                s,
                fit(name[:1].upper() + name[1:], MAX_ROW_TITLE),  # a row reads "Woman"
                fit(texts.subject_description(language, s), MAX_ROW_DESCRIPTION),
            )
            for s, name in zip(SUBJECT_CLASSES, names, strict=True)
        )
        text = self.t("subject_menu", options=options)
        self.ask(f"{lead}\n{text}" if lead else text, menu=rows, menu_button=self.t("menu_choose"))

    def photos_intro(self) -> None:
        """What to send, under the picture of the packs that can follow."""
        subject, language = self.c.subject or "", self.c.language
        text = self.t(
            "photos_intro",
            subject=texts.subject_name(language, subject),
            min=self.rules.min_photos,
            max=self.rules.max_photos,
        )
        base = self.rules.previews_url
        if not base or not self.packs():
            self.replies.append(Reply(text=text))
            return
        caption = f"{text}\n\n{self.t('photos_preview')}"
        preview = f"{base.rstrip('/')}/{language.value}/{subject}.jpg"
        self.replies.append(Reply(text=fit(caption, MAX_INTERACTIVE_BODY), image_url=preview))

    def packs(self) -> tuple[Pack, ...]:
        return self.rules.catalogue.for_subject(self.c.subject)

    def restyle_open(self) -> bool:
        """Whether other styles can run on the person's trained model (the deadline is
        checked when the person writes; an event's turn knows no time, and comes only
        right after the training)."""
        if self.c.trained_order is None or self.c.step is not Step.DONE:
            return False
        return not self.past(self.c.trained_until)

    def past(self, until: str | None) -> bool:
        """Whether this turn comes at or after `until` (ISO 8601); never without a time."""
        return bool(until and self.now and self.now >= datetime.fromisoformat(until))

    def price(self, pack: Pack, restyle: bool) -> str:
        again = restyle and pack.restyle_price_minor is not None
        return pack.price_label(self.c.language, restyle=again)

    def pack_menu(self, lead: str = "") -> None:
        language = self.c.language
        packs = self.packs()[:MAX_ROWS]
        restyle = self.restyle_open()
        rows = tuple(
            Option(
                f"pack:{p.code}",
                fit(p.text("title", language), MAX_ROW_TITLE),
                # How many portraits is Astria's to say: the pack picture shows it.
                fit(
                    f"{self.price(p, restyle)} · {p.text('description', language)}",
                    MAX_ROW_DESCRIPTION,
                ),
            )
            for p in packs
        )
        options = "\n".join(
            f"*{i}.* {p.text('title', language)} — {self.price(p, restyle)}"
            for i, p in enumerate(packs, 1)
        )
        text = self.t("pack_menu", options=options)
        if restyle:
            text = f"{self.t('restyle_menu')}\n{text}"
        self.ask(f"{lead}\n\n{text}" if lead else text, menu=rows, menu_button=self.t("menu_packs"))

    def step_prompt(self) -> None:
        step = self.c.step
        if step in (Step.NEW, Step.CONSENT):
            self.consent()
        elif step is Step.SUBJECT:
            self.subject_menu()
        elif step is Step.PHOTOS:
            self.photos_progress()
        elif step in (Step.PACK, Step.DONE):
            self.pack_menu()
        elif step is Step.PAYMENT:
            self.payment_waiting()
        elif step is Step.TRAINING:
            self.say("training_wait")
        else:
            self.say("delivering_wait")

    def photos_progress(self) -> None:
        if self.c.accepted >= self.rules.min_photos:
            text = self.t("photos_enough", count=self.c.accepted, max=self.rules.max_photos)
            self.buttons(text, ("done", self.t("button_done")))
        else:
            self.say(
                "photos_need",
                count=self.c.accepted,
                min=self.rules.min_photos,
                max=self.rules.max_photos,
            )

    def photo_batch(self, reasons: tuple[str, ...]) -> None:
        """What the photos checked since the last word came to: one message for them all."""
        c, rules = self.c, self.rules
        accepted = c.accepted - c.acknowledged
        self.update(acknowledged=c.accepted, dropped=0)
        if accepted == 0 and len(reasons) == 1:
            self.say("photo_rejected", reason=texts.rejection(c.language, reasons[0]))
            return
        lines = [self.t("photos_batch_accepted", count=accepted)] if accepted else []
        for reason in dict.fromkeys(reasons):
            count = reasons.count(reason)
            why = texts.rejection(c.language, reason)
            lines.append(self.t("photos_batch_refused", count=count, reason=why))
        full = c.accepted >= rules.max_photos
        if c.dropped and not full:
            lines.append(self.t("photos_batch_dropped", count=c.dropped, max=rules.max_photos))
        if full and c.step is Step.PHOTOS:
            self.update(step=Step.PACK)
            last = "photos_full" if c.dropped else "photos_batch_full"
            self.pack_menu("\n".join([*lines, self.t(last, max=rules.max_photos)]))
        elif c.accepted >= rules.min_photos and c.step is Step.PHOTOS:
            lines.append(self.t("photos_batch_enough", max=rules.max_photos))
            self.pack_menu("\n".join(lines))
        else:
            more = max(0, rules.min_photos - c.accepted)
            if more:
                lines.append(self.t("photos_batch_more", more=more))
            self.ask("\n".join(lines))

    def deliver(self, image_urls: tuple[str, ...], *, summary: int = 0) -> None:
        """The portraits; then, when an order ended with them, its summary of `summary`."""
        self.replies.extend(Reply(image_url=url) for url in image_urls)
        if summary:
            self.summarise(summary)

    def finish_when_all_here(self, order_id: str, current: bool, *, summarise: bool) -> None:
        """The order is delivered once its last batch came and every portrait it counts
        has: then the summary, with the packs again."""
        c = self.c
        due = c.summary_due.get(order_id)
        if due is None or c.arrived.get(order_id, 0) < due:
            return  # its last batch, or an earlier one, is still on its way
        count = c.arrived[order_id]
        self.update(
            summary_due={o: n for o, n in c.summary_due.items() if o != order_id},
            arrived={o: n for o, n in c.arrived.items() if o != order_id},
            paid_orders=tuple(o for o in c.paid_orders if o != order_id),
        )
        if current:
            self.update(step=Step.DONE)
        if summarise:
            self.summarise(count)
        else:
            self.update(withheld_summary=count)  # the summary comes with them, on START

    def summarise(self, count: int) -> None:
        summary = self.t("delivery_summary", count=count)
        hint = f"\n{self.t('gallery_hint')}" if self.c.gallery_url else ""
        self.pack_menu(f"{summary}{hint}\n\n{self.t('done_menu')}")

    def remember(self, event: "ImagesReady") -> None:
        """The latest order's portraits, for RESEND, FILES and GALLERY."""
        c = self.c
        same = c.portraits_order == event.order_id
        if not same and c.portraits_order is not None and c.portraits_order == c.order_id:
            return  # a late batch of an earlier order: RESEND keeps the current one's
        until = event.links_expire_at.isoformat() if event.links_expire_at else None
        self.update(
            portraits_order=event.order_id,
            portraits=(*c.portraits, *event.image_urls) if same else event.image_urls,
            portrait_files=(*c.portrait_files, *event.file_urls) if same else event.file_urls,
            gallery_url=event.gallery_url or (c.gallery_url if same else None),
            portraits_until=until or (c.portraits_until if same else None),
        )

    def portraits_gone(self) -> bool:
        """Past the retention: our copies, and every link to them, are deleted."""
        return self.past(self.c.portraits_until)

    def resend(self) -> None:
        if not self.c.portraits:
            self.say("resend_none")
        elif self.portraits_gone():
            self.say("portraits_expired", days=self.rules.retention_days)
        else:
            self.say("resend", count=len(self.c.portraits))
            self.replies.extend(Reply(image_url=url) for url in self.c.portraits)

    def files(self) -> None:
        """The latest portraits full size, each a document the phone keeps as a file."""
        if not self.c.portraits:
            self.say("resend_none")
        elif self.portraits_gone():
            self.say("portraits_expired", days=self.rules.retention_days)
        elif not self.c.portrait_files:
            self.say("files_none")  # portraits from before the files were kept
        else:
            self.say("files", count=len(self.c.portrait_files))
            self.replies.extend(
                Reply(document_url=url, filename=f"portrait-{n}.pdf")
                for n, url in enumerate(self.c.portrait_files, 1)
            )

    def gallery(self) -> None:
        c = self.c
        if c.portraits and self.portraits_gone():
            self.say("portraits_expired", days=self.rules.retention_days)
        elif c.gallery_url:
            days = self.rules.retention_days
            if c.portraits_until and self.now:
                left = datetime.fromisoformat(c.portraits_until) - self.now
                days = max(1, left.days + bool(left.seconds))
            self.ask(
                self.t("gallery_link", days=days),
                link_url=c.gallery_url,
                link_label=fit(self.t("button_gallery"), MAX_BUTTON_TITLE),
            )
        elif c.portraits:
            self.say("gallery_not_yet")
        else:
            self.say("resend_none")

    def payment_link(self, url: str, minutes: int) -> None:
        pack = self.rules.catalogue.get(self.c.pack_code) if self.c.pack_code else None
        language = self.c.language
        price = pack.price_label(language, restyle=bool(self.c.restyle_of)) if pack else ""
        title = pack.text("title", language) if pack else ""
        self.ask(
            self.t("payment_link", title=title, price=price, minutes=minutes),
            link_url=url,
            link_label=fit(self.t("button_pay", price=price).strip(), MAX_BUTTON_TITLE),
        )

    def payment_waiting(self) -> None:
        if self.c.checkout_url:
            self.ask(
                self.t("payment_waiting"),
                link_url=self.c.checkout_url,
                link_label=fit(self.t("button_pay", price="").strip(), MAX_BUTTON_TITLE),
            )
        else:
            self.say("payment_preparing_wait")


def on_message(conversation: Conversation, message: UserMessage, rules: Rules) -> Decision:
    if message.choice:
        message = replace(message, text=message.choice)
    turn = _Turn(conversation, rules, message.received_at)
    command = parse_command(message.text) if not message.media else None
    turn.update(nudged=False)  # they are back: a later silence may be nudged again

    if conversation.opted_out:
        if command and command[0] is Command.START:
            turn.update(opted_out=False)
            turn.say("started")
            if conversation.withheld:
                # What they paid for, kept since STOP.
                turn.say("portraits_kept_here", count=len(conversation.withheld))
                turn.update(withheld=(), withheld_summary=0)
                turn.deliver(conversation.withheld, summary=conversation.withheld_summary)
            else:
                turn.step_prompt()
            return turn.decision()
        if conversation.withheld or conversation.paid_orders:
            # They wrote: the truth about what they paid for, and how to get it.
            turn.say("portraits_kept", count=len(conversation.withheld))
            return turn.decision()
        return turn.decision(silent=True)  # silence until START

    if conversation.choosing_language:
        turn.update(choosing_language=False)
        chosen = _language_from(message.text)
        if chosen:
            turn.update(language=chosen)
            turn.say("language_set")
            turn.step_prompt()
            return turn.decision()

    if conversation.confirming_delete:
        turn.update(confirming_delete=False)
        answer = parse_answer(message.text)
        if answer is Answer.YES:
            turn.actions.append(EraseUser())
            turn.say("deleted")
            turn.update(**_fresh_progress(), step=Step.NEW, paid_orders=())
            return turn.decision()
        turn.say("delete_cancelled")
        if answer is Answer.NO:
            return turn.decision()

    if command:
        _on_command(turn, *command)
        return turn.decision()

    unsupported = _unsupported_kind(message)
    if unsupported is not None and conversation.step is not Step.NEW:
        turn.say("unsupported_media", kind=texts.media_name(turn.c.language, unsupported))
        turn.step_prompt()
        return turn.decision()

    _STEP_HANDLERS[turn.c.step](turn, message)
    return turn.decision()


def _unsupported_kind(message: UserMessage) -> MediaKind | None:
    if message.kind not in (None, MediaKind.IMAGE):
        return message.kind
    for media in message.media:
        if media.kind is not MediaKind.IMAGE:
            return media.kind
    return None


def _language_from(text: str) -> Language | None:
    words = normalise(text)
    if words in ("1", "en", "english", "ingles"):
        return Language.EN
    if words in ("2", "es", "spanish", "espanol", "castellano"):
        return Language.ES
    return None


def _fresh_progress() -> dict[str, Any]:
    return {
        "subject": None,
        "accepted": 0,
        "pending": 0,
        "acknowledged": 0,
        "refusals": (),
        "dropped": 0,
        "order_id": None,
        "pack_code": None,
        "checkout_url": None,
        "restyle_of": None,
    }


def _on_command(turn: _Turn, command: Command, argument: str) -> None:
    c = turn.c
    if command is Command.HELP:
        photos = f"{turn.rules.min_photos}–{turn.rules.max_photos}"  # noqa: RUF001
        turn.say("help", min_hint=photos)
        turn.step_prompt()
    elif command is Command.STATUS:
        turn.say(f"status_{c.step.value}", count=c.accepted, min=turn.rules.min_photos)
        if c.paid_orders and c.step not in (Step.TRAINING, Step.DELIVERING):
            turn.say("status_paid_orders", count=len(c.paid_orders))
    elif command is Command.RESTART:
        consented = c.step is not Step.NEW and c.step is not Step.CONSENT
        turn.update(
            **_fresh_progress(),
            step=Step.SUBJECT if consented else Step.CONSENT,
            photo_set=c.photo_set + 1,
        )
        turn.say("restarted_with_orders" if c.paid_orders else "restarted")
        turn.step_prompt()
    elif command is Command.DELETE:
        turn.update(confirming_delete=True)
        turn.yes_no(turn.t("delete_confirm"), "button_erase", "button_keep")
    elif command is Command.STOP:
        turn.update(opted_out=True)
        turn.say("stopped_with_orders" if c.paid_orders else "stopped")
    elif command is Command.START:
        turn.step_prompt()
    elif command is Command.LANGUAGE:
        chosen = _language_from(argument)
        if chosen:
            turn.update(language=chosen)
            turn.say("language_set")
        else:
            turn.update(choosing_language=True)
            turn.buttons(turn.t("language_menu"), ("en", "English"), ("es", "Español"))
    elif command is Command.RESEND:
        turn.resend()
    elif command is Command.GALLERY:
        turn.gallery()
    elif command is Command.FILES:
        turn.files()


def _step_new(turn: _Turn, _message: UserMessage) -> None:
    turn.update(step=Step.CONSENT)
    turn.consent(lead=turn.t("welcome"))


def _step_consent(turn: _Turn, message: UserMessage) -> None:
    answer = parse_answer(message.text)
    if message.media:
        turn.consent(lead=turn.t("consent_before_photos"))
    elif answer is Answer.YES:
        turn.update(step=Step.SUBJECT)
        turn.subject_menu(lead=turn.t("consent_thanks"))
    elif answer is Answer.NO:
        turn.say("consent_declined")
    else:
        turn.say("consent_reminder")


def _parse_subject(text: str) -> str | None:
    number = parse_number(text, len(SUBJECT_CLASSES))
    if number:
        return SUBJECT_CLASSES[number - 1]
    words = set(normalise(text).split())
    found = {s for s in SUBJECT_CLASSES if words & texts.SUBJECT_WORDS[s]}
    return found.pop() if len(found) == 1 else None


def _step_subject(turn: _Turn, message: UserMessage) -> None:
    if message.media:
        turn.subject_menu(lead=turn.t("subject_before_photos"))
        return
    subject = _parse_subject(message.text)
    if subject is None:
        turn.subject_menu(lead=turn.t("subject_unknown"))
        return
    turn.update(step=Step.PHOTOS, subject=subject)
    turn.photos_intro()


def _step_photos(turn: _Turn, message: UserMessage) -> None:
    c, rules = turn.c, turn.rules
    if message.media:
        room = max(0, rules.max_photos - c.accepted - c.pending)
        taken = message.media[:room]
        for index, media in enumerate(taken):
            submit = SubmitPhoto(message.message_id, index, media, c.photo_set, c.subject)
            turn.actions.append(submit)
        turn.update(pending=c.pending + len(taken))
        left_out = len(message.media) - len(taken)
        if left_out and turn.c.pending:
            turn.update(dropped=c.dropped + left_out)  # the batch's answer will say so
        elif left_out:
            turn.say("photos_full", max=rules.max_photos)
        return
    if c.accepted >= rules.min_photos and _choose_pack(turn, message):
        return  # the pack list came with the photos' acknowledgement
    if parse_answer(message.text) is Answer.DONE:
        if c.accepted >= rules.min_photos:
            turn.update(step=Step.PACK)
            turn.pack_menu()
        elif c.pending:
            turn.say("photos_still_checking", pending=c.pending)
        else:
            turn.say("photos_not_enough", count=c.accepted, min=rules.min_photos)
        return
    turn.say("photos_text_hint")
    turn.photos_progress()


def _choose_pack(turn: _Turn, message: UserMessage) -> bool:
    """A pack by its list row's id ("pack:<code>") or its number; the person sees the
    typing indicator until the payment button comes."""
    packs = turn.packs()
    text = message.text.strip()
    if text.startswith("pack:"):
        pack = next((p for p in packs if p.code == text.removeprefix("pack:")), None)
    else:
        number = parse_number(text, len(packs))
        pack = packs[number - 1] if number else None
    if pack is None:
        return False
    order_id = turn.rules.new_order_id()
    restyle = turn.c.trained_order if turn.restyle_open() and pack.restyle_price_minor else None
    turn.update(
        step=Step.PAYMENT,
        order_id=order_id,
        pack_code=pack.code,
        checkout_url=None,
        restyle_of=restyle,
    )
    subject = turn.c.subject or pack.classes[0]
    turn.actions.append(RequestCheckout(order_id, pack.code, subject, turn.c.photo_set, restyle))
    return True


def _step_pack(turn: _Turn, message: UserMessage) -> None:
    if not _choose_pack(turn, message):
        turn.pack_menu(lead=turn.t("pack_unknown"))


def _step_payment(turn: _Turn, _message: UserMessage) -> None:
    turn.payment_waiting()


def _step_training(turn: _Turn, _message: UserMessage) -> None:
    turn.say("training_wait")


def _step_delivering(turn: _Turn, _message: UserMessage) -> None:
    turn.say("delivering_wait")


def _step_done(turn: _Turn, message: UserMessage) -> None:
    c = turn.c
    if c.trained_order and not turn.restyle_open():
        # The model is gone, and the photos with it: a new training, from new photos.
        turn.say("restyle_expired", days=turn.rules.retention_days)
        turn.update(
            **{**_fresh_progress(), "subject": c.subject},
            step=Step.PHOTOS,
            photo_set=c.photo_set + 1,
            trained_order=None,
            trained_until=None,
        )
        turn.photos_intro()
        return
    if not _choose_pack(turn, message):
        turn.pack_menu(lead=turn.t("done_menu"))


_STEP_HANDLERS: dict[Step, Callable[[_Turn, UserMessage], None]] = {
    Step.NEW: _step_new,
    Step.CONSENT: _step_consent,
    Step.SUBJECT: _step_subject,
    Step.PHOTOS: _step_photos,
    Step.PACK: _step_pack,
    Step.PAYMENT: _step_payment,
    Step.TRAINING: _step_training,
    Step.DELIVERING: _step_delivering,
    Step.DONE: _step_done,
}


def on_event(conversation: Conversation, event: DomainEvent, rules: Rules) -> Decision:
    """What another service reports; nothing is said to an opted-out person."""
    turn = _Turn(conversation, rules)
    c = conversation
    current = getattr(event, "order_id", None) == c.order_id
    if isinstance(event, PhotoChecked) and event.photo_set != c.photo_set:
        pass  # sent before RESTART: that set is gone
    elif isinstance(event, PhotoChecked):
        turn.update(pending=max(0, c.pending - 1))
        if event.accepted:
            # Each check is decided exactly once (event ids remembered, ETag-guarded save), so
            # counting here is exact however the results arrive.
            turn.update(accepted=min(c.accepted + 1, rules.max_photos))
        else:
            turn.update(refusals=(*c.refusals, event.reason or "default"))
        if turn.c.pending == 0:
            # The last of the photos sent together: one word for all of them.
            turn.photo_batch(turn.c.refusals)
            turn.update(refusals=())
    elif isinstance(event, CheckoutReady):
        if current and c.step is Step.PAYMENT:
            turn.update(checkout_url=event.url)
            turn.payment_link(event.url, event.expires_in_minutes or 30)
    elif isinstance(event, PaymentCompleted):
        if event.order_id not in c.paid_orders:
            turn.update(paid_orders=(*c.paid_orders, event.order_id))
            if current:
                turn.update(step=Step.TRAINING, checkout_url=None)
            turn.say("payment_received_restyle" if current and c.restyle_of else "payment_received")
    elif isinstance(event, (PaymentFailed, CheckoutExpired)):
        if current and c.step is Step.PAYMENT:
            turn.update(step=Step.PACK, order_id=None, checkout_url=None)
            why = "payment_failed" if isinstance(event, PaymentFailed) else "checkout_expired"
            turn.pack_menu(lead=turn.t(why))
    elif isinstance(event, (TuneStarted, TuneTrained)):
        # "Payment received, training now" said it; the portraits will say the rest. Fewer
        # messages cost less, under WhatsApp's per-message pricing, and read better.
        if isinstance(event, TuneTrained):
            until = event.expires_at.isoformat() if event.expires_at else None
            turn.update(trained_order=event.order_id, trained_until=until)
    elif isinstance(event, TuneFailed):
        if current:
            turn.update(step=Step.DONE)
        turn.say("training_failed")
    elif isinstance(event, ImagesReady):
        turn.remember(event)
        if current and c.step in (Step.TRAINING, Step.DELIVERING):
            turn.update(step=Step.DELIVERING)
        order = event.order_id
        arrived = c.arrived.get(order, 0) + len(event.image_urls)
        turn.update(arrived={**c.arrived, order: arrived})
        if event.complete:
            due = event.total if event.total is not None else arrived
            turn.update(summary_due={**c.summary_due, order: due})
        if c.opted_out:
            # Paid for, so never lost: kept until they say START.
            turn.update(withheld=(*c.withheld, *event.image_urls))
            turn.finish_when_all_here(order, current, summarise=False)
        else:
            turn.deliver(event.image_urls)
            turn.finish_when_all_here(order, current, summarise=True)
    elif isinstance(event, PaymentRefunded):
        amount = money(event.amount_minor, event.currency, turn.c.language)
        turn.say("refunded_partly" if event.partial else "refunded", amount=amount)
    elif isinstance(event, Nudge) and c.step in HALFWAY and not c.nudged:
        turn.update(nudged=True)
        turn.say("nudge")
        turn.step_prompt()
    return turn.decision(silent=c.opted_out)
