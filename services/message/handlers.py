"""Use cases of the message service; each names the ports it uses (shared/injection.py).

Webhook side: `accept_inbound` publishes each provider message (async, one round trip).
Subscriber side: `handle_inbound` and `handle_event` run the conversation: decide
(ETag-guarded, again on a conflict), then send what was decided (the courier, adapters/courier.py).
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from services.message.domain import conversation as domain
from services.message.domain import texts
from services.message.domain.language import guess_language
from services.message.domain.record import MAX_CONFLICT_RETRIES, Record, new_owner, take_lease
from services.message.domain.window import WINDOW
from services.message.ports import Conversations, Deliveries, MessageRecords, WhatsAppSender
from shared import tracing
from shared.clock import Clock
from shared.dapr.ports import AsyncPublisher, Publisher
from shared.errors import Conflict, Rejected, Transient
from shared.events import image, maintenance, message, payment
from shared.events.base import Event, EventMeta
from shared.events.message import WhatsAppInbound
from shared.json_logs import mask_phone

log = logging.getLogger(__name__)


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
    await publisher.publish(event, event_id=inbound_event_id(event))


def _user_message(event: WhatsAppInbound) -> domain.UserMessage:
    # What only the provider's message type says: a sticker's file is WebP, as a photo's may be.
    kinds = {
        "location": domain.MediaKind.LOCATION,
        "contacts": domain.MediaKind.CONTACTS,
        "sticker": domain.MediaKind.STICKER,
    }
    return domain.UserMessage(
        message_id=event.provider_message_id,
        text=event.text,
        media=tuple(domain.Media(m.reference, m.content_type) for m in event.media),
        kind=kinds.get((event.message_type or "").lower()),
        choice=event.choice,
        received_at=event.received_at,
    )


@dataclass(frozen=True)
class RateLimit:
    """A person's messages per minute: over `limit`, one notice through `senders`, then
    silence."""

    minute: int
    limit: int
    senders: Mapping[str, WhatsAppSender]

    def notify(self, record: Record, count: int, channel: str) -> None:
        user = record.conversation.user
        if count == self.limit + 1 and not record.conversation.opted_out:
            body = texts.render(record.conversation.language, "rate_limited")
            self.senders[channel].send_text(to=user, body=body)
        log.warning("rate limited", extra={"user": mask_phone(user), "count": count})


def handle_inbound(
    event: WhatsAppInbound,
    *,
    meta: EventMeta,
    conversations: Conversations,
    courier: Deliveries,
    records: MessageRecords,
    senders: Mapping[str, WhatsAppSender],
    rules: domain.Rules,
    clock: Clock,
    rate_limit_per_minute: int,
) -> None:
    message_ = _user_message(event)
    event_id = meta.id or inbound_event_id(event)
    known, etag = conversations.load(event.sender)
    fresh = not (known and event_id in known.processed)
    rate = RateLimit(int(clock().timestamp() // 60), rate_limit_per_minute, senders)
    if fresh and not (known and known.counted(rate.minute)[1] > rate.limit):
        # Each message from the person reopens their 24-hour window.
        records.seen(
            address=event.sender,
            channel=event.channel.value,
            language=(known.conversation.language if known else guess_language(event.sender)).value,
            profile_name=event.profile_name,
            at=event.received_at,
        )
    decided: list[domain.Decision] = []

    def decide(conversation: domain.Conversation) -> domain.Decision:
        decided.append(domain.on_message(conversation, message_, rules))
        return decided[-1]

    _decide_and_flush(
        user=event.sender,
        event_id=event_id,
        channel=event.channel.value,
        decide=decide,
        conversations=conversations,
        courier=courier,
        clock=clock,
        create=True,
        loaded=(known, etag),
        rate=rate,
        # The person has just written: their window is open, no need to read it.
        window_open=clock() - event.received_at < WINDOW or None,
    )
    if decided and _awaits_another_service(decided[-1]):
        _show_typing(senders[event.channel.value], event)


def _awaits_another_service(decision: domain.Decision) -> bool:
    """Photos being checked, a checkout being prepared: the answer comes in a moment."""
    waiting = (domain.SubmitPhoto, domain.RequestCheckout)
    return any(isinstance(action, waiting) for action in decision.actions)


def _show_typing(sender: WhatsAppSender, event: WhatsAppInbound) -> None:
    """Best effort: the person's answer never waits for, or fails with, the indicator."""
    try:
        sender.show_typing(message_id=event.provider_message_id)
    except Exception as exc:
        log.warning(
            "no typing indicator", extra={"user": mask_phone(event.sender), "error": str(exc)}
        )


def _minutes_until(moment: datetime | None, now: datetime) -> int | None:
    if moment is None:
        return None
    seconds = (moment - now).total_seconds()
    return max(1, round(seconds / 60))


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
            return domain.TuneTrained(event.order_id, event.expires_at)
        case image.TuneFailed():
            return domain.TuneFailed(event.order_id)
        case image.ImagesReady():
            return domain.ImagesReady(
                event.order_id,
                event.image_urls,
                event.complete,
                event.gallery_url,
                event.links_expire_at,
                event.file_urls,
                event.total,
            )
        case payment.PaymentRefunded():
            return domain.PaymentRefunded(
                event.order_id, event.amount_minor, event.currency, event.partial
            )
    raise Rejected(f"no conversation event for {type(event).__name__}")


# What the other services report that moves the conversation on.
CONVERSATION_EVENTS: tuple[type[Event], ...] = (
    image.PhotoChecked,
    payment.CheckoutReady,
    payment.PaymentCompleted,
    payment.PaymentFailed,
    payment.CheckoutExpired,
    image.TuneStarted,
    image.TuneTrained,
    image.TuneFailed,
    image.ImagesReady,
    payment.PaymentRefunded,
)


def handle_event(
    event: Event,
    *,
    meta: EventMeta,
    conversations: Conversations,
    courier: Deliveries,
    rules: domain.Rules,
    clock: Clock,
) -> None:
    user: str = getattr(event, "user")  # noqa: B009 - every conversation event names its user
    domain_event = to_domain(event, clock())
    _decide_and_flush(
        user=user,
        event_id=meta.id,
        channel=None,
        decide=lambda c: domain.on_event(c, domain_event, rules),
        conversations=conversations,
        courier=courier,
        clock=clock,
        create=False,
    )


def _decide_and_flush(
    *,
    user: str,
    event_id: str,
    channel: str | None,
    decide: Callable[[domain.Conversation], domain.Decision],
    conversations: Conversations,
    courier: Deliveries,
    clock: Clock,
    create: bool,
    loaded: tuple[Record | None, str | None] | None = None,
    rate: RateLimit | None = None,
    window_open: bool | None = None,
) -> None:
    """Decide once (ETag-guarded, again on a conflict), then send what was decided.

    `loaded` is the record the caller already read, used for the first attempt; with
    `rate` the person's message is counted against the rate limit first.
    The decision's write also takes the outbox's lease when nobody is sending it, so
    the common case sends at once, without another write.
    """
    store, owner = conversations, new_owner()
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
        if rate is not None:
            record, count = record.counted(rate.minute)
            if count > rate.limit:
                try:
                    store.save(record, etag)
                except Conflict:
                    continue
                rate.notify(record, count, channel or record.channel)
                return
        decision = decide(record.conversation)
        items = _outputs(decision, record, event_id)
        if channel:
            # The person wrote: answer on their channel, and deliver what was held first.
            items = [*record.held, *items]
            record = replace(record, channel=channel, held=())
        record = record.decided(event_id, decision.conversation, items)
        taken = take_lease(record, owner, clock)
        try:
            store.save(taken.record if taken else record, etag)
        except Conflict:
            continue  # someone else decided first: decide again on their result
        if taken:
            courier.send(taken, window_open)
            return
        break
    else:
        raise Transient(f"conversation {mask_phone(user)} kept changing; retry")
    courier.flush(user, event_id)


def _outputs(decision: domain.Decision, record: Record, event_id: str) -> list[dict[str, Any]]:
    user, channel = record.conversation.user, record.channel
    language = decision.conversation.language.value
    items: list[dict[str, Any]] = []
    for action in decision.actions:
        items.append(_publication(action, user, channel, language, event_id))
    for reply in decision.replies:
        items.append(_reply_item(reply))
    return items


def _reply_item(reply: domain.Reply) -> dict[str, Any]:
    """A reply as the outbox keeps it: its controls only when it has them."""
    item: dict[str, Any] = {"type": "reply", "text": reply.text, "image_url": reply.image_url}
    if reply.buttons:
        item["buttons"] = [{"id": o.id, "title": o.title} for o in reply.buttons]
    if reply.menu:
        item["menu"] = [asdict(o) for o in reply.menu]
        item["menu_button"] = reply.menu_button
    if reply.link_url:
        item["link_url"], item["link_label"] = reply.link_url, reply.link_label
    if reply.document_url:
        item["document_url"], item["filename"] = reply.document_url, reply.filename
    return item


def _publication(
    action: domain.Action, user: str, channel: str, language: str, event_id: str
) -> dict[str, Any]:
    payload: Event
    match action:
        case domain.SubmitPhoto():
            key = f"photo-{action.message_id}-{action.index}"
            payload = message.PhotoSubmitted(
                user=user,
                channel=message.Channel(channel),
                message_id=action.message_id,
                media_index=action.index,
                media_reference=action.media.reference,
                content_type=action.media.content_type,
                photo_set=action.photo_set,
                subject=action.subject,
            )
        case domain.RequestCheckout():
            key = f"checkout-{action.order_id}"
            payload = message.CheckoutRequested(
                order_id=action.order_id,
                user=user,
                channel=message.Channel(channel),
                pack_code=action.pack_code,
                subject=action.subject,
                photo_set=action.photo_set,
                restyle_of=action.restyle_of,
                language=language,
            )
        case domain.EraseUser():
            key = f"erase-{event_id}"
            payload = message.UserErased(user=user)
    return {
        "type": "publish",
        "topic": payload.TOPIC,
        "event_id": key,
        "payload": payload.model_dump(mode="json"),
        # Published in the trace that decided it, whoever flushes it (shared/tracing.py).
        "traceparent": tracing.current(),
    }


def record_status(
    *,
    channel: str,
    provider_message_id: str,
    status: str,
    error_code: str | None,
    window_closed: bool,
    records: MessageRecords,
) -> None:
    """A delivery receipt. A window error means our view of the window was wrong."""
    user = records.status(
        channel=channel,
        provider_message_id=provider_message_id,
        status=status,
        error_code=error_code,
    )
    if user and window_closed:
        records.close_window(user)
        log.warning("provider says the 24-hour window is closed", extra={"user": mask_phone(user)})


def handle_cleanup(
    event: maintenance.CleanupRequested,
    *,
    records: MessageRecords,
    conversations: Conversations,
    publisher: Publisher,
) -> None:
    """Retention: conversations of people quiet since the cutoff, and old message logs."""
    quiet = records.quiet_since(event.retention_cutoff)
    for address in quiet:
        conversations.delete(address)
        records.erase(address)
    counts = {
        "conversations": len(quiet),
        "outbound_messages": records.delete_outbound_before(event.retention_cutoff),
    }
    report = maintenance.Report(service="message", run_id=event.run_id, counts=counts)
    publisher.publish(report, event_id=report.event_id)


def handle_reconcile(
    event: maintenance.ReconcileRequested,
    *,
    meta: EventMeta,
    records: MessageRecords,
    conversations: Conversations,
    courier: Deliveries,
    rules: domain.Rules,
    clock: Clock,
    nudge_after_hours: float,
) -> None:
    """Nudge people who stopped halfway: once, never after STOP, inside the 24-hour window."""
    now = event.requested_at
    quiet_since = now - timedelta(hours=nudge_after_hours)
    for address in records.quiet_since(quiet_since):
        if not records.window_open(address, now):
            continue  # a free-form nudge would fail; not worth a paid template
        _decide_and_flush(
            user=address,
            event_id=f"nudge-{meta.id}",
            channel=None,
            decide=lambda c: domain.on_event(c, domain.Nudge(), rules),
            conversations=conversations,
            courier=courier,
            clock=clock,
            create=False,
        )
