"""What a (sandbox) person sends: the same shape whichever provider carries it."""

import base64
from typing import Literal

from pydantic import BaseModel, Field

from shared.errors import Rejected


class InboundMedia(BaseModel):
    content_type: str = Field(examples=["image/jpeg"])
    data_base64: str = Field(description="the file, base64-encoded")


class Choice(BaseModel):
    """A tapped reply button or list row: the id the bot gave it and the title it showed."""

    id: str = Field(min_length=1, max_length=256, examples=["consent:yes"])
    title: str = Field(min_length=1, max_length=24, examples=["Yes, I agree"])
    kind: Literal["button", "list"] = "button"


class InboundMessage(BaseModel):
    """A person writing to the bot from WhatsApp."""

    phone: str = Field(pattern=r"^\+\d{6,15}$", examples=["+15551234567"])
    text: str = Field(default="", max_length=5000)
    profile_name: str | None = "Sandbox User"
    message_sid: str | None = Field(
        default=None, description="Reuse one to replay a delivery, as providers may."
    )
    media: list[InboundMedia] = Field(default_factory=list, max_length=10)
    choice: Choice | None = Field(
        default=None, description="A tap on one of the bot's buttons or list rows, not text."
    )


def decode_media(message: InboundMessage) -> list[tuple[str, bytes]]:
    """(content type, bytes) of each attachment; Rejected (422) when one is not base64."""
    decoded = []
    for item in message.media:
        try:
            decoded.append((item.content_type, base64.b64decode(item.data_base64, validate=True)))
        except ValueError as exc:  # binascii.Error, or characters outside ASCII
            raise Rejected("media data_base64 is not base64") from exc
    return decoded
