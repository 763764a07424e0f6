"""Events published by the image service."""

from pydantic import Field

from shared.events.base import Event


class PhotoChecked(Event):
    user: str
    message_id: str
    media_index: int = Field(ge=0)
    accepted: bool
    # A reason code the message service turns into words (too_small, duplicate, ...).
    reason: str | None = None
    accepted_count: int = Field(ge=0, description="the set's accepted photos so far")
    photo_set: int = Field(default=1, ge=1, description="the set the photo was sent for")


class TuneStarted(Event):
    order_id: str
    user: str
    tune_id: int | str
    eta_minutes: int | None = None


class TuneTrained(Event):
    order_id: str
    user: str
    tune_id: int | str


class TuneFailed(Event):
    order_id: str
    user: str
    reason: str


class OrderCompleted(Event):
    """Every prompt of the order's pack has reported; published once."""

    order_id: str
    user: str
    images: int


class ImagesReady(Event):
    order_id: str
    user: str
    prompt_id: int | str
    image_urls: tuple[str, ...]
    # True on the last batch of the order: every prompt of the pack has reported.
    complete: bool = False
