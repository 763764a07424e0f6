"""What the message handlers need from the outside world."""

from typing import Protocol


class WhatsAppSender(Protocol):
    def send_text(self, *, to: str, body: str) -> str:
        """Send a text; return the provider's message id."""

    def send_image(self, *, to: str, url: str, caption: str | None = None) -> str:
        """Send an image by URL; return the provider's message id."""
