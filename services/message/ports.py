"""What the message handlers need from the outside world: every collaborator a Protocol."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.message.domain.conversation import Option, Rules
from services.message.domain.record import Record, Taken
from shared.clock import Clock
from shared.dapr.ports import Publisher


class WhatsAppSender(Protocol):
    def send_text(self, *, to: str, body: str) -> str:
        """Send a text; return the provider's message id."""

    def send_image(self, *, to: str, url: str, caption: str | None = None) -> str:
        """Send an image by URL; return the provider's message id."""

    def send_document(self, *, to: str, url: str, filename: str) -> str:
        """Send a file (a PDF) by URL, which the person's phone keeps as `filename`."""

    def send_buttons(self, *, to: str, body: str, buttons: Sequence[Option], language: str) -> str:
        """Text with up to three reply buttons, in the person's `language` (a Twilio
        content template is made per language)."""

    def send_menu(
        self, *, to: str, body: str, button: str, rows: Sequence[Option], language: str
    ) -> str:
        """Text with a list of up to ten rows, opened by the `button` label."""

    def send_link(self, *, to: str, body: str, label: str, url: str, language: str) -> str:
        """Text with one button that opens `url`."""

    def send_template(self, *, to: str, text: str, language: str) -> str:
        """Send the approved re-engagement template (outside the 24-hour window)."""

    def show_typing(self, *, message_id: str) -> None:
        """Mark the person's message `message_id` read and show them a reply is being
        written (until the reply, or 25 s)."""


class MessageRecords(Protocol):
    """Users and the outbound log, in the service's own database."""

    def seen(
        self, *, address: str, channel: str, language: str, profile_name: str | None, at: datetime
    ) -> None: ...

    def window_open(self, address: str, now: datetime | None = None) -> bool: ...

    def close_window(self, address: str) -> None: ...

    def sent_many(self, messages: list[tuple[str, str, str, str, str]]) -> None:
        """Log what went out: (channel, provider message id, address, kind, body) each."""

    def status(
        self, *, channel: str, provider_message_id: str, status: str, error_code: str | None
    ) -> str | None: ...

    def erase(self, address: str) -> int: ...

    def quiet_since(self, cutoff: datetime) -> list[str]: ...

    def delete_outbound_before(self, cutoff: datetime) -> int: ...


class Conversations(Protocol):
    """Each person's conversation record, saved with its ETag (adapters/conversations.py)."""

    def load(self, user: str) -> tuple[Record | None, str | None]: ...

    def save(self, record: Record, etag: str | None) -> None:
        """Raises Conflict when the record changed since it was loaded (or, for a first
        write, when a twin delivery wrote it first)."""

    def delete(self, user: str) -> None: ...


class Deliveries(Protocol):
    """Sends what decisions owe a person, in order, once (adapters/courier.py)."""

    def send(self, taken: Taken, window_open: bool | None = None) -> None: ...

    def flush(self, user: str, event_id: str) -> None: ...


@dataclass
class MessagePorts:
    """Everything a message handler may name; each names only what it uses."""

    publisher: Publisher
    conversations: Conversations
    courier: Deliveries
    senders: Mapping[str, WhatsAppSender]
    records: MessageRecords
    rules: Rules
    clock: Clock
    rate_limit_per_minute: int = 40
    nudge_after_hours: float = 6
