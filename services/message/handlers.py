"""Use cases of the message service; collaborators come in as arguments.

Webhook side: `accept_inbound` publishes each provider message once.
Subscriber side: `handle_inbound` and `handle_event` run the conversation:
decide (ETag-guarded, retried on conflict), then flush what was decided.
"""

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from services.message.conversations import ConversationStore, Lease, Record
from services.message.domain import conversation as domain
from services.message.domain import texts
from services.message.domain.language import guess_language
from services.message.ports import MessageRecords, WhatsAppSender
from shared.clock import Clock
from shared.dapr.ports import AsyncPublisher, KeyValueStore, Publisher
from shared.dapr.subscriptions import EventMeta, Outcome
from shared.errors import Conflict, Rejected, Transient, WindowClosed
from shared.events import image, maintenance, message, payment
from shared.events.base import Event
from shared.events.message import WhatsAppInbound
from shared.events.topics import Topic
from shared.json_logs import mask_phone

log = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 8
# A flusher renews its lease with every item; one that died is replaced after this.
LEASE_DURATION = timedelta(seconds=30)
FLUSH_POLL_SECONDS = 0.1


@dataclass
class MessageDeps:
    publisher: Publisher
    state: KeyValueStore
    senders: Mapping[str, WhatsAppSender]
    records: MessageRecords
    rules: domain.Rules
    clock: Clock
    rate_limit_per_minute: int = 40
    nudge_after_hours: float = 6
    # How long (in polls of FLUSH_POLL_SECONDS) a delivery waits for another flusher to
    # send its items before asking Dapr to retry it; and a pause between two sends.
    flush_wait_polls: int = 100
    send_gap_seconds: float = 0.0

    @property
    def conversations(self) -> ConversationStore:
        return ConversationStore(self.state)


def inbound_event_id(event: WhatsAppInbound) -> str:
    """Deterministic, so a redelivered webhook yields the same CloudEvent id."""
    return f"{event.channel.value}-{event.provider_message_id}"


async def accept_inbound(event: WhatsAppInbound, publisher: AsyncPublisher) -> None:
    """Webhook side: publish the provider's message, with an id derived from the provider's.

    Nothing is checked first: a provider's retry, even one that races the first delivery,
    publishes the same CloudEvent id, and the conversation decides each id once (the
    record's `processed`, under its ETag). One sidecar round trip per webhook. If the
    publish fails the webhook answers 503 and the provider delivers again.
    """
    await publisher.publish(Topic.WHATSAPP_INBOUND, event, event_id=inbound_event_id(event))


def _user_message(event: WhatsAppInbound) -> domain.UserMessage:
    kinds = {"location": domain.MediaKind.LOCATION, "contacts": domain.MediaKind.CONTACTS}
    return domain.UserMessage(
        message_id=event.provider_message_id,
        text=event.text,
        media=tuple(domain.Media(m.reference, m.content_type) for m in event.media),
        kind=kinds.get((event.message_type or "").lower()),
    )


def _rate_key(user: str, minute: int) -> str:
    # Hashed: the state store's keys never name a person (erasure deletes these too).
    return f"rate:{hashlib.sha256(user.encode()).hexdigest()[:32]}:{minute}"


def _minute(deps: MessageDeps) -> int:
    return int(deps.clock().timestamp() // 60)


def _rate(user: str, deps: MessageDeps) -> int:
    """This minute's message count for `user`, this message included."""
    key = _rate_key(user, _minute(deps))
    for _attempt in range(MAX_CONFLICT_RETRIES):
        value, etag = deps.state.get(key)
        count = int((value or {}).get("count", 0)) + 1
        try:
            deps.state.save(key, {"count": count}, etag=etag, ttl_seconds=120)
            return count
        except Conflict:
            continue
    return count


def handle_inbound(event: WhatsAppInbound, meta: EventMeta, deps: MessageDeps) -> Outcome:
    message_ = _user_message(event)
    event_id = meta.id or inbound_event_id(event)
    known, etag = deps.conversations.load(event.sender)
    if not (known and event_id in known.processed):
        count = _rate(event.sender, deps)
        if count > deps.rate_limit_per_minute:
            if count == deps.rate_limit_per_minute + 1 and not (
                known and known.conversation.opted_out
            ):
                language = known.conversation.language if known else guess_language(event.sender)
                sender = deps.senders[event.channel.value]
                sender.send_text(to=event.sender, body=texts.render(language, "rate_limited"))
            log.warning("rate limited", extra={"user": mask_phone(event.sender), "count": count})
            return Outcome.SUCCESS
    # Each message from the person reopens their 24-hour window.
    deps.records.seen(
        address=event.sender,
        channel=event.channel.value,
        language=(known.conversation.language if known else guess_language(event.sender)).value,
        profile_name=event.profile_name,
        at=event.received_at,
    )
    _decide_and_flush(
        user=event.sender,
        event_id=event_id,
        channel=event.channel.value,
        decide=lambda c: domain.on_message(c, message_, deps.rules),
        deps=deps,
        create=True,
        loaded=(known, etag),
    )
    return Outcome.SUCCESS


def _minutes_until(moment: datetime | None, now: datetime) -> int | None:
    if moment is None:
        return None
    seconds = (moment - now).total_seconds()
    return max(1, round(seconds / 60))


def _money(amount_minor: int, currency: str) -> str:
    return f"{amount_minor / 100:.2f} {currency.upper()}"


def to_domain(event: Event, now: datetime) -> domain.DomainEvent:
    """A service's event as the conversation understands it."""
    match event:
        case image.PhotoChecked():
            return domain.PhotoChecked(event.accepted, event.reason, event.photo_set)
        case payment.CheckoutReady():
            return domain.CheckoutReady(
                event.order_id, event.url, _minutes_until(event.expires_at, now)
            )
        case payment.PaymentCompleted():
            return domain.PaymentCompleted(event.order_id)
        case payment.PaymentFailed():
            return domain.PaymentFailed(event.order_id)
        case payment.CheckoutExpired():
            return domain.CheckoutExpired(event.order_id)
        case image.TuneStarted():
            return domain.TuneStarted(event.order_id, event.eta_minutes)
        case image.TuneTrained():
            return domain.TuneTrained(event.order_id)
        case image.TuneFailed():
            return domain.TuneFailed(event.order_id)
        case image.ImagesReady():
            return domain.ImagesReady(event.order_id, event.image_urls, event.complete)
        case payment.PaymentRefunded():
            return domain.PaymentRefunded(
                event.order_id, _money(event.amount_minor, event.currency)
            )
    raise Rejected(f"no conversation event for {type(event).__name__}")


# The events the conversation listens to, and their payload models.
CONVERSATION_EVENTS: dict[str, type[Event]] = {
    Topic.PHOTO_CHECKED: image.PhotoChecked,
    Topic.CHECKOUT_READY: payment.CheckoutReady,
    Topic.PAYMENT_COMPLETED: payment.PaymentCompleted,
    Topic.PAYMENT_FAILED: payment.PaymentFailed,
    Topic.CHECKOUT_EXPIRED: payment.CheckoutExpired,
    Topic.TUNE_STARTED: image.TuneStarted,
    Topic.TUNE_TRAINED: image.TuneTrained,
    Topic.TUNE_FAILED: image.TuneFailed,
    Topic.IMAGES_READY: image.ImagesReady,
    Topic.PAYMENT_REFUNDED: payment.PaymentRefunded,
}


def handle_event(event: Event, meta: EventMeta, deps: MessageDeps) -> Outcome:
    user: str = getattr(event, "user")  # noqa: B009 - every conversation event names its user
    domain_event = to_domain(event, deps.clock())
    _decide_and_flush(
        user=user,
        event_id=meta.id,
        channel=None,
        decide=lambda c: domain.on_event(c, domain_event, deps.rules),
        deps=deps,
        create=False,
    )
    return Outcome.SUCCESS


def _decide_and_flush(
    *,
    user: str,
    event_id: str,
    channel: str | None,
    decide: Callable[[domain.Conversation], domain.Decision],
    deps: MessageDeps,
    create: bool,
    loaded: tuple[Record | None, str | None] | None = None,
) -> None:
    """`loaded` is the record the caller already read, used for the first attempt."""
    store = deps.conversations
    for _attempt in range(MAX_CONFLICT_RETRIES):
        record, etag = loaded if loaded is not None else store.load(user)
        loaded = None
        if record is None:
            if not create:
                # Erased, or never met: nothing to tell anyone.
                log.info("event for an unknown conversation", extra={"event_id": event_id})
                return
            record = Record(domain.Conversation.start(user), channel or "twilio")
        if event_id in record.processed:
            break  # decided before; finish its flush if a crash interrupted it
        decision = decide(record.conversation)
        items = _outputs(decision, record, event_id)
        if channel:
            # The person wrote: answer on their channel, and deliver what was held first.
            items = [*record.held, *items]
            record = replace(record, channel=channel, held=())
        record = record.decided(event_id, decision.conversation, items)
        try:
            store.save(record, etag)
            break
        except Conflict:
            continue  # someone else decided first: decide again on their result
    else:
        raise Transient(f"conversation {mask_phone(user)} kept changing; retry")
    _flush(user, event_id, deps)


def _outputs(decision: domain.Decision, record: Record, event_id: str) -> list[dict[str, Any]]:
    user, channel = record.conversation.user, record.channel
    items: list[dict[str, Any]] = []
    for action in decision.actions:
        items.append(_publication(action, user, channel, event_id))
    for reply in decision.replies:
        items.append({"type": "reply", "text": reply.text, "image_url": reply.image_url})
    return items


def _publication(action: domain.Action, user: str, channel: str, event_id: str) -> dict[str, Any]:
    topic: str
    payload: Event
    match action:
        case domain.SubmitPhoto():
            topic, key = Topic.PHOTO_SUBMITTED, f"photo-{action.message_id}-{action.index}"
            payload = message.PhotoSubmitted(
                user=user,
                channel=message.Channel(channel),
                message_id=action.message_id,
                media_index=action.index,
                media_reference=action.media.reference,
                content_type=action.media.content_type,
                photo_set=action.photo_set,
            )
        case domain.RequestCheckout():
            topic, key = Topic.CHECKOUT_REQUESTED, f"checkout-{action.order_id}"
            payload = message.CheckoutRequested(
                order_id=action.order_id,
                user=user,
                channel=message.Channel(channel),
                pack_code=action.pack_code,
                subject=action.subject,
                photo_set=action.photo_set,
            )
        case domain.EraseUser():
            topic, key = Topic.USER_ERASED, f"erase-{event_id}"
            payload = message.UserErased(user=user)
    return {
        "type": "publish",
        "topic": topic,
        "event_id": key,
        "payload": payload.model_dump(mode="json"),
    }


_PUBLISHED_MODELS: dict[str, type[Event]] = {
    Topic.PHOTO_SUBMITTED: message.PhotoSubmitted,
    Topic.CHECKOUT_REQUESTED: message.CheckoutRequested,
    Topic.USER_ERASED: message.UserErased,
}


def _flush(user: str, event_id: str, deps: MessageDeps) -> None:
    """Send and publish what the person's outbox owes, oldest first, one item at a time.

    One flusher at a time holds the record's lease; each item is claimed in the
    record before it goes out, and the write that marks it done claims the next,
    so nothing is sent twice or skipped, whoever retries. A handler that finds
    another flusher's lease waits a little for its own items, then asks Dapr to
    retry: a busy flusher has sent them by then, a dead one's lease has run out.
    """
    owner = uuid.uuid4().hex
    claimed = _claim_first(user, event_id, owner, deps)
    while claimed is not None:
        record, item = claimed
        try:
            hold = _deliver(item, record, deps)
        except BaseException:
            _release(user, owner, deps)
            raise
        if item["type"] == "publish" and item["topic"] == Topic.USER_ERASED:
            # Nothing of the person stays here: their rows, their conversation and the
            # counters of the last two minutes (the only ones a 120 s TTL keeps).
            deps.records.erase(user)
            deps.conversations.delete(user)
            for minute in (_minute(deps), _minute(deps) - 1):
                deps.state.delete(_rate_key(user, minute))
            return
        claimed = _mark_sent(user, owner, item["id"], hold, deps)
        if claimed is not None and deps.send_gap_seconds:
            time.sleep(deps.send_gap_seconds)  # pace sends to one person


Claimed = tuple[Record, dict[str, Any]]


def _claim_first(user: str, event_id: str, owner: str, deps: MessageDeps) -> Claimed | None:
    """The first item to send, claimed; None when there is nothing for this caller to do."""
    store = deps.conversations
    waits = 0
    while True:
        record, etag = store.load(user)
        if record is None or (item := record.next_item()) is None:
            return None  # erased, or all sent
        now = deps.clock()
        lease = record.lease
        if lease is not None and lease.live(now):
            if record.pending(event_id) is None:
                return None  # ours went out
            if waits >= deps.flush_wait_polls:
                # Busy with a long batch, or dead: either way ours are not out yet. Dapr
                # retries this delivery later, by when the items went out or the lease ran out.
                raise Transient(f"the outbox of {mask_phone(user)} is being sent; retry")
            waits += 1
            time.sleep(FLUSH_POLL_SECONDS)
            continue
        record = record.leased(Lease(owner, now + LEASE_DURATION))
        try:
            store.save(record, etag)
            return record, item
        except Conflict:
            continue


# Pauses before marking a sent item again when the sidecar is away (about 22 s in all,
# inside the lease): giving up would have the item sent a second time.
MARK_PAUSES = (0.5, 1, 2, 4, 5, 5, 5)


def _mark_sent(
    user: str, owner: str, item_id: str, hold: bool, deps: MessageDeps
) -> Claimed | None:
    """The item is out: only its mark is missing, so keep trying through a sidecar restart."""
    for pause in MARK_PAUSES:
        try:
            return _done_and_claim_next(user, owner, item_id, hold, deps)
        except Transient:
            log.warning("sent, not yet marked; trying again", extra={"user": mask_phone(user)})
            time.sleep(pause)
    return _done_and_claim_next(user, owner, item_id, hold, deps)


def _done_and_claim_next(
    user: str, owner: str, item_id: str, hold: bool, deps: MessageDeps
) -> Claimed | None:
    """One write: this item is done, and the next is claimed (or the lease given back)."""
    store = deps.conversations
    for _attempt in range(MAX_CONFLICT_RETRIES):
        record, etag = store.load(user)
        if record is None:
            return None
        if record.lease is None or record.lease.owner != owner:
            # Our lease ran out and another flusher took over: it finishes the outbox.
            log.warning("outbox lease lost while sending", extra={"user": mask_phone(user)})
            return None
        record = record.done(item_id, hold=hold)
        item = record.next_item()
        lease = Lease(owner, deps.clock() + LEASE_DURATION) if item else None
        record = record.leased(lease)
        try:
            store.save(record, etag)
            return (record, item) if item else None
        except Conflict:
            continue  # a decision was queued meanwhile: it is in the next load
    raise Transient("could not mark an outbox item sent; the retry will finish the outbox")


def _release(user: str, owner: str, deps: MessageDeps) -> None:
    """Give the lease back after a failure, so the retry need not wait for it to run out."""
    store = deps.conversations
    try:
        record, etag = store.load(user)
        if record is not None and record.lease is not None and record.lease.owner == owner:
            store.save(record.leased(None), etag)
    except Exception:
        log.warning("could not release the outbox lease", extra={"user": mask_phone(user)})


def _deliver(item: dict[str, Any], record: Record, deps: MessageDeps) -> bool:
    """Send or publish one item; True when it is held for the person's next message."""
    user = record.conversation.user
    if item["type"] == "publish":
        model = _PUBLISHED_MODELS[item["topic"]]
        deps.publisher.publish(
            item["topic"], model.model_validate(item["payload"]), event_id=item["event_id"]
        )
        return False
    sender = deps.senders[record.channel]
    if deps.records.window_open(user):
        try:
            _send(sender, record, item, deps)
            return False
        except WindowClosed:
            deps.records.close_window(user)
        except Rejected as exc:
            # It will never go through as it is: say so in the log, keep the rest flowing.
            log.error("message dropped", extra={"user": mask_phone(user), "error": str(exc)})
            return False
    # One template per decision (the first of its items held), never one per item.
    decision = item["id"].rsplit("#", 1)[0]
    if not any(held["id"].rsplit("#", 1)[0] == decision for held in record.held):
        _send_template(sender, record, item, deps)
    return True


def _send(sender: WhatsAppSender, record: Record, item: dict[str, Any], deps: MessageDeps) -> None:
    user = record.conversation.user
    if item.get("image_url"):
        sid = sender.send_image(to=user, url=item["image_url"])
        kind, body = "image", item["image_url"]
    else:
        sid = sender.send_text(to=user, body=item["text"])
        kind, body = "text", item["text"]
    _log_sent(record, sid, kind, body, deps)


def _log_sent(record: Record, sid: str, kind: str, body: str, deps: MessageDeps) -> None:
    """The send log feeds delivery receipts; losing a row beats sending twice."""
    try:
        deps.records.sent(
            channel=record.channel,
            provider_message_id=sid,
            address=record.conversation.user,
            kind=kind,
            body=body,
        )
    except Exception:
        log.exception("sent, but not logged", extra={"user": mask_phone(record.conversation.user)})


def _send_template(
    sender: WhatsAppSender, record: Record, item: dict[str, Any], deps: MessageDeps
) -> None:
    """Outside the 24-hour window only an approved template may be sent."""
    user, language = record.conversation.user, record.conversation.language
    text = item.get("text") or texts.render(language, "held_images")
    sid = sender.send_template(to=user, text=text, language=language.value)
    _log_sent(record, sid, "template", text, deps)
    log.info("outside the 24-hour window: template sent", extra={"user": mask_phone(user)})


def record_status(
    *,
    channel: str,
    provider_message_id: str,
    status: str,
    error_code: str | None,
    window_closed: bool,
    deps: MessageDeps,
) -> None:
    """A delivery receipt. A window error means our view of the window was wrong."""
    user = deps.records.status(
        channel=channel,
        provider_message_id=provider_message_id,
        status=status,
        error_code=error_code,
    )
    if user and window_closed:
        deps.records.close_window(user)
        log.warning("provider says the 24-hour window is closed", extra={"user": mask_phone(user)})


def handle_cleanup(
    event: maintenance.CleanupRequested,
    meta: EventMeta,  # noqa: ARG001 - deleting twice deletes nothing
    deps: MessageDeps,
) -> Outcome:
    """Retention: conversations of people quiet since the cutoff, and old message logs."""
    quiet = deps.records.quiet_since(event.retention_cutoff)
    for address in quiet:
        deps.conversations.delete(address)
        deps.records.erase(address)
    counts = {
        "conversations": len(quiet),
        "outbound_messages": deps.records.delete_outbound_before(event.retention_cutoff),
    }
    maintenance.publish_report(
        deps.publisher, service="message", run_id=event.run_id, counts=counts
    )
    return Outcome.SUCCESS


def handle_reconcile(
    event: maintenance.ReconcileRequested,
    meta: EventMeta,
    deps: MessageDeps,
) -> Outcome:
    """Nudge people who stopped halfway: once, never after STOP, inside the 24-hour window."""
    now = event.requested_at
    quiet_since = now - timedelta(hours=deps.nudge_after_hours)
    for address in deps.records.quiet_since(quiet_since):
        if not deps.records.window_open(address, now):
            continue  # a free-form nudge would fail; not worth a paid template
        _decide_and_flush(
            user=address,
            event_id=f"nudge-{meta.id}",
            channel=None,
            decide=lambda c: domain.on_event(c, domain.Nudge(), deps.rules),
            deps=deps,
            create=False,
        )
    return Outcome.SUCCESS
