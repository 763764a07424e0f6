"""What the message handlers need from the outside world."""

from datetime import datetime
from typing import Protocol


class WhatsAppSender(Protocol):
    def send_text(self, *, to: str, body: str) -> str:
        """Send a text; return the provider's message id."""

    def send_image(self, *, to: str, url: str, caption: str | None = None) -> str:
        """Send an image by URL; return the provider's message id."""

    def send_template(self, *, to: str, text: str, language: str) -> str:
        """Send the approved re-engagement template (outside the 24-hour window)."""


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
