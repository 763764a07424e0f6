"""Events published by the message service."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Event
from shared.events.topics import Topic


class Channel(StrEnum):
    TWILIO = "twilio"
    META = "meta"


class InboundMedia(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    # A provider reference (Twilio media URL or Meta media id), never fetched by
    # anyone but the image service, which holds the credentials.
    reference: str
    content_type: str


class WhatsAppInbound(Event):
    """One message a person sent to the bot, as received from a provider."""

    TOPIC = Topic.WHATSAPP_INBOUND

    channel: Channel
    provider_message_id: str = Field(min_length=1, max_length=128)
    # The provider's address of the person: "whatsapp:+15551234567" on Twilio
    # (or "whatsapp:<BSUID>" for users who hide their number), wa_id on Meta.
    sender: str = Field(min_length=1, max_length=128)
    profile_name: str | None = None
    text: str = ""
    media: tuple[InboundMedia, ...] = ()
    message_type: str | None = None
    # The id of the reply button or list row the person tapped, when they tapped one.
    choice: str | None = Field(default=None, max_length=256)
    received_at: datetime


class PhotoSubmitted(Event):
    """A photo a person sent, for the image service to fetch, check and store."""

    TOPIC = Topic.PHOTO_SUBMITTED

    user: str
    channel: Channel
    message_id: str
    media_index: int = Field(ge=0)
    # Provider reference (Twilio media URL, Meta media id); only image fetches it.
    media_reference: str
    content_type: str
    # RESTART starts a new set; an order trains only from the set it was chosen with.
    photo_set: int = Field(default=1, ge=1)
    # Who the photos are of, as chosen before sending them: a dog's or a cat's photos
    # are not checked for a human face. None (older events): checked.
    subject: str | None = Field(default=None, max_length=32)


class CheckoutRequested(Event):
    """The person chose a pack; payment prices it from the catalogue, never from here."""

    TOPIC = Topic.CHECKOUT_REQUESTED

    order_id: str
    user: str
    channel: Channel
    pack_code: str
    subject: str
    photo_set: int = Field(default=1, ge=1)  # the photos this order trains from
    # Another style on the model an earlier order of the person's trained: that order's id.
    # Priced as a re-style, and no training.
    restyle_of: str | None = Field(default=None, max_length=64)
    # The person's language (ISO 639-1): the checkout page's and the product name's.
    language: str = Field(default="en", pattern=r"^[a-z]{2}$")


class UserErased(Event):
    """The person asked to erase everything: every service deletes what it holds of them."""

    TOPIC = Topic.USER_ERASED

    user: str
