"""Sending what a person's outbox owes: item by item, in the order decided, each once.

One flusher at a time holds the conversation record's lease. It sends the items in
order and, after each, writes a small durable mark (`sent:<person>:<item id>`) before
the next one goes: whoever retries, nothing that went out goes again and nothing is
skipped. The record itself is written only when a flusher takes the lease (in the same
write as the decision, when it can) and when it hands the outbox back (or renews the
lease on a long batch), so a reply costs one send and one small write. A flusher that
takes over a lease that ran out (its holder died) reads the marks of what it finds.
"""

import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.message.adapters.conversations import ConversationStore
from services.message.domain import texts
from services.message.domain.conversation import Option
from services.message.domain.record import (
    LEASE_DURATION,
    MAX_CONFLICT_RETRIES,
    Lease,
    Record,
    Taken,
    new_owner,
    take_lease,
)
from services.message.domain.window import template_variable
from services.message.ports import MessageRecords, WhatsAppSender
from shared import tracing
from shared.clock import Clock
from shared.dapr.ports import KeyValueStore, Publisher
from shared.errors import Conflict, Rejected, Transient, WindowClosed
from shared.events import message
from shared.events.base import Event
from shared.json_logs import mask_phone
from shared.metrics import SENDS

log = logging.getLogger(__name__)

FLUSH_POLL_SECONDS = 0.1
# Long enough for any retry of a delivery (Dapr's policy gives up after about 30 minutes).
MARK_TTL_SECONDS = 7 * 24 * 3600
# Pauses before writing a sent item's mark again when the sidecar is away (about 22 s in
# all, inside the lease): giving up would have the item sent a second time.
MARK_PAUSES = (0.5, 1, 2, 4, 5, 5, 5)

PUBLISHED_MODELS: dict[str, type[Event]] = {
    model.TOPIC: model
    for model in (message.PhotoSubmitted, message.CheckoutRequested, message.UserErased)
}


def mark_key(user: str, item_id: str) -> str:
    # Hashed: the state store's keys never name a person.
    return f"sent:{hashlib.sha256(user.encode()).hexdigest()[:32]}:{item_id}"


@dataclass
class Courier:
    state: KeyValueStore
    senders: Mapping[str, WhatsAppSender]
    records: MessageRecords
    publisher: Publisher
    clock: Clock
    # How long (in polls of FLUSH_POLL_SECONDS) a delivery waits for another flusher to
    # send its items before asking Dapr to retry it; and a pause between two sends.
    wait_polls: int = 100
    send_gap_seconds: float = 0.0
    conversations: ConversationStore = field(init=False)

    def __post_init__(self) -> None:
        self.conversations = ConversationStore(self.state)

    def flush(self, user: str, event_id: str) -> None:
        """Send what is owed unless another flusher is at it; then wait a little for this
        event's own items, and ask Dapr to retry it if they are still not out: a busy
        flusher has sent them by then, a dead one's lease has run out."""
        waits = 0
        while True:
            record, etag = self.conversations.load(user)
            if record is None or record.next_item() is None:
                return  # erased, or all sent
            taken = take_lease(record, new_owner(), self.clock)
            if taken is None:
                if record.pending(event_id) is None:
                    return  # ours went out
                if waits >= self.wait_polls:
                    raise Transient(f"the outbox of {mask_phone(user)} is being sent; retry")
                waits += 1
                time.sleep(FLUSH_POLL_SECONDS)
                continue
            try:
                self.conversations.save(taken.record, etag)
            except Conflict:
                continue
            self.send(taken)
            return

    def send(self, taken: Taken, window_open: bool | None = None) -> None:
        """Send the leased outbox, and what is queued meanwhile, then hand it back.
        `window_open` is what the caller knows of the 24-hour window (the person has just
        written), else it is read from the records once."""
        record: Record | None = taken.record
        user, owner = taken.record.conversation.user, taken.owner
        done: dict[str, bool] = {}  # item id -> held for the person's next message
        if taken.takeover:
            done.update(self._marked(user, [i["id"] for i in taken.record.items()]))
        run = _Run(held=_decisions(taken.record.held), window_open=window_open)
        try:
            while record is not None:
                item = next((i for i in record.items() if i["id"] not in done), None)
                if item is None or self._lease_due(record):
                    record = self._checkpoint(user, owner, done)
                    continue
                if run.sent and self.send_gap_seconds:
                    time.sleep(self.send_gap_seconds)  # pace sends to one person
                hold = self._deliver(item, record, run)
                run.sent += 1
                if item.get("topic") == message.UserErased.TOPIC:
                    self._forget(user)
                    return
                self._mark(user, item["id"], hold)
                done[item["id"]] = hold
        except BaseException:
            self._release(user, owner, done)
            raise

    def _lease_due(self, record: Record) -> bool:
        lease = record.lease
        return lease is None or lease.until - self.clock() < LEASE_DURATION / 2

    def _checkpoint(self, user: str, owner: str, done: dict[str, bool]) -> Record | None:
        """Write down what went out; keep the lease (renewed) while something is owed,
        else give it back. None when there is nothing more for this flusher to send."""
        for _attempt in range(MAX_CONFLICT_RETRIES):
            record, etag = self.conversations.load(user)
            if record is None:
                return None
            if record.lease is None or record.lease.owner != owner:
                # Our lease ran out and another flusher took over: it reads our marks.
                log.warning("outbox lease lost while sending", extra={"user": mask_phone(user)})
                return None
            record = record.without(done)
            more = record.next_item() is not None
            lease = Lease(owner, self.clock() + LEASE_DURATION) if more else None
            record = record.leased(lease)
            try:
                self.conversations.save(record, etag)
            except Conflict:
                continue  # a decision was queued meanwhile: it is in the next load
            return record if more else None
        raise Transient("could not write the outbox down; the retry reads the marks")

    def _release(self, user: str, owner: str, done: dict[str, bool]) -> None:
        """After a failure: write down what went out and give the lease back, so the retry
        need not wait for it to run out (if this fails, the marks still tell)."""
        try:
            record, etag = self.conversations.load(user)
            if record is not None and record.lease is not None and record.lease.owner == owner:
                self.conversations.save(record.without(done).leased(None), etag)
        except Exception:
            log.warning("could not release the outbox lease", extra={"user": mask_phone(user)})

    def _marked(self, user: str, item_ids: list[str]) -> dict[str, bool]:
        """Which of these items a flusher before us sent (and whether it held them)."""
        keys = {mark_key(user, item_id): item_id for item_id in item_ids}
        found = self.state.get_many(list(keys))
        return {keys[key]: bool(value.get("held")) for key, value in found.items()}

    def _mark(self, user: str, item_id: str, held: bool) -> None:
        """The item is out: only its mark is missing, so keep trying through a sidecar
        restart."""
        for pause in (*MARK_PAUSES, None):
            try:
                self.state.save(
                    mark_key(user, item_id), {"held": held}, ttl_seconds=MARK_TTL_SECONDS
                )
                return
            except Transient:
                if pause is None:
                    raise
                log.warning("sent, not yet marked; trying again", extra={"user": mask_phone(user)})
                time.sleep(pause)

    def _forget(self, user: str) -> None:
        """Nothing of the person stays here: their rows and their conversation."""
        self.records.erase(user)
        self.conversations.delete(user)

    def _deliver(self, item: dict[str, Any], record: Record, run: "_Run") -> bool:
        """Send or publish one item; True when it is held for the person's next message."""
        user = record.conversation.user
        if item["type"] == "publish":
            model = PUBLISHED_MODELS[item["topic"]]
            with tracing.continuing(item.get("traceparent")):
                event = model.model_validate(item["payload"])
                self.publisher.publish(event, event_id=item["event_id"])
            return False
        sender = self.senders[record.channel]
        if run.window_open is None:
            run.window_open = self.records.window_open(user)
        if run.window_open:
            try:
                self._send(sender, record, item)
                SENDS.labels(record.channel, "sent").inc()
                return False
            except WindowClosed:
                # The provider says the window closed (63016, 131047) where we thought it open.
                SENDS.labels(record.channel, "window_closed").inc()
                log.warning(
                    "outside the 24-hour window, the provider said",
                    extra={"user": mask_phone(user)},
                )
                self.records.close_window(user)
                run.window_open = False
            except Rejected as exc:
                # It will never go through as it is: say so in the log, keep the rest flowing.
                SENDS.labels(record.channel, "rejected").inc()
                log.error("message dropped", extra={"user": mask_phone(user), "error": str(exc)})
                return False
            except Transient:
                SENDS.labels(record.channel, "failed").inc()
                raise
        # One template per decision (the first of its items held), never one per item.
        decision = _decision_of(item)
        if decision not in run.held:
            self._send_template(sender, record, item)
            SENDS.labels(record.channel, "template").inc()
            run.held.add(decision)
        return True

    def _send(self, sender: WhatsAppSender, record: Record, item: dict[str, Any]) -> None:
        user, language = record.conversation.user, record.conversation.language.value
        body = item.get("text") or ""
        if item.get("image_url"):
            sid = sender.send_image(to=user, url=item["image_url"], caption=item.get("text"))
            kind, body = "image", item["image_url"]
        elif item.get("document_url"):
            url, filename = item["document_url"], item.get("filename") or "portrait.pdf"
            sid, kind, body = (
                sender.send_document(to=user, url=url, filename=filename),
                "document",
                url,
            )
        elif item.get("buttons"):
            buttons = [Option(**b) for b in item["buttons"]]
            sid, kind = (
                sender.send_buttons(to=user, body=body, buttons=buttons, language=language),
                "buttons",
            )
        elif item.get("menu"):
            rows = [Option(**r) for r in item["menu"]]
            button = item.get("menu_button") or "…"
            sid, kind = (
                sender.send_menu(to=user, body=body, button=button, rows=rows, language=language),
                "menu",
            )
        elif item.get("link_url"):
            label, url = item["link_label"], item["link_url"]
            sid, kind = (
                sender.send_link(to=user, body=body, label=label, url=url, language=language),
                "link",
            )
        else:
            sid, kind = sender.send_text(to=user, body=body), "text"
        self._log_sent((record.channel, sid, user, kind, body))

    def _send_template(self, sender: WhatsAppSender, record: Record, item: dict[str, Any]) -> None:
        """Outside the 24-hour window only an approved template may be sent: it says, in a
        line, what is waiting; the item itself (its link, its picture) is held and goes
        out whole once the person answers."""
        user, language = record.conversation.user, record.conversation.language
        text = template_variable(item.get("text") or "") or template_variable(
            texts.render(language, "held_images")
        )
        sid = sender.send_template(to=user, text=text, language=language.value)
        self._log_sent((record.channel, sid, user, "template", text))
        log.info("outside the 24-hour window: template sent", extra={"user": mask_phone(user)})

    def _log_sent(self, message: tuple[str, str, str, str, str]) -> None:
        """The send log feeds delivery receipts, which follow at once: written before the
        next send. Losing a row beats sending twice."""
        try:
            self.records.sent_many([message])
        except Exception:
            log.exception("sent, but not logged", extra={"user": mask_phone(message[2])})


@dataclass
class _Run:
    """What one flusher learns as it goes."""

    held: set[str]  # decisions whose template went out already
    window_open: bool | None = None  # read once per run, unless a send says otherwise
    sent: int = 0


def _decision_of(item: dict[str, Any]) -> str:
    return str(item["id"]).rsplit("#", 1)[0]


def _decisions(items: tuple[dict[str, Any], ...]) -> set[str]:
    return {_decision_of(item) for item in items}
