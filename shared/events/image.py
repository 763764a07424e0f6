"""Events published by the image service."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.events.base import Event
from shared.events.topics import Topic


class PhotoRefusal(StrEnum):
    """Why a photo was refused: the codes `photo.checked` carries, which the message
    service puts in the person's words (its catalogues have each, in every language)."""

    NOT_AN_IMAGE = "not_an_image"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    TOO_MANY_PIXELS = "too_many_pixels"
    SCREENSHOT = "screenshot"
    DUPLICATE = "duplicate"
    NO_FACE = "no_face"
    SEVERAL_PEOPLE = "several_people"
    FACE_TOO_SMALL = "face_too_small"
    DOWNLOAD_FAILED = "download_failed"


class PhotoChecked(Event):
    TOPIC = Topic.PHOTO_CHECKED

    user: str
    message_id: str
    media_index: int = Field(ge=0)
    accepted: bool
    # A PhotoRefusal. A plain string, so that a code added here first reaches a message
    # service that does not know it yet as "it doesn't meet the requirements", not a DROP.
    reason: str | None = None
    photo_set: int = Field(default=1, ge=1, description="the set the photo was sent for")


class TuneStarted(Event):
    TOPIC = Topic.TUNE_STARTED

    order_id: str
    user: str
    tune_id: int | str
    eta_minutes: int | None = None
    # The portraits the order will get: what Astria's pack makes of the subject.
    expected: int | None = Field(default=None, ge=1)


class TuneTrained(Event):
    TOPIC = Topic.TUNE_TRAINED

    order_id: str
    user: str
    tune_id: int | str
    # Until when Astria keeps the tune: other styles can run on it until then.
    expires_at: datetime | None = None


class TuneFailed(Event):
    TOPIC = Topic.TUNE_FAILED

    order_id: str
    user: str
    reason: str


class PromptSettled(Event):
    """Astria made a prompt's portraits. The image service hears it itself, and keeps a
    copy of each before it announces them: Astria's callback is answered at once."""

    TOPIC = Topic.PROMPT_SETTLED

    order_id: str
    user: str
    prompt_id: str
    # Astria's own links, good until Astria deletes the tune's images.
    image_urls: tuple[str, ...]


class OrderCompleted(Event):
    """Every prompt of the order's pack has reported; published once."""

    TOPIC = Topic.ORDER_COMPLETED

    order_id: str
    user: str
    images: int  # the portraits made and kept
    # What Astria's pack makes of the subject, read when the order was paid: fewer made
    # than this gives back the unmade share. None (an event from before): as many as made.
    expected: int | None = Field(default=None, ge=1)


class ImagesReady(Event):
    TOPIC = Topic.IMAGES_READY

    order_id: str
    user: str
    prompt_id: int | str
    # Signed links to our copies, each within WhatsApp's 5 MB for an image.
    image_urls: tuple[str, ...]
    # The same portraits full size, each a PDF document (sent on request), in that order.
    file_urls: tuple[str, ...] = ()
    # True on the last batch of the order: every prompt of the pack has reported.
    complete: bool = False
    # On the last batch: how many portraits the order has in all. Batches are handled in
    # any order, so the person's summary waits until this many have reached them.
    total: int | None = Field(default=None, ge=0)
    # On the last batch: a link to all of the order's portraits, full size, that works
    # without WhatsApp until it expires.
    gallery_url: str | None = None
    # When these links stop working: the retention the consent text promises.
    links_expire_at: datetime | None = None
