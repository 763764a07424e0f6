"""What the image handlers need from the outside world: every collaborator a Protocol,
and the plain values and errors that cross it. Adapters implement them; tests fake them."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from services.image.domain.photos import Limits
from services.image.domain.portraits import Copy
from shared.clock import Clock
from shared.dapr.ports import Publisher
from shared.events.base import Outgoing
from shared.packs import Catalogue, Pack


class AstriaRefused(Exception):
    """422: a validation error. Log it, tell the customer, never retry."""


class AstriaTimedOut(Exception):
    """504: Astria probably processed the request; look it up before creating again."""


class MediaRefused(Exception):
    """The reference or where it led is not allowed; retrying will not help."""


class MediaTooLarge(MediaRefused):
    """The file is over the size limit: the person is told so, not that it failed."""


@dataclass(frozen=True)
class PackTune:
    pack_id: int | str
    title: str
    name: str
    images: list[tuple[str, bytes]]
    callback: str
    prompt_callback: str
    prompts_callback: str
    branch: str | None


@dataclass
class NewPhoto:
    """A submitted photo as its check left it, to be recorded once."""

    user_address: str
    message_id: str
    media_index: int
    photo_set: int = 1
    channel: str | None = None
    media_reference: str | None = None  # kept to delete it at the provider on erasure
    accepted: bool = False
    reason: str | None = None
    blob_name: str | None = None
    fingerprint: str | None = None  # 64-bit dHash, hex
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class NewTraining:
    order_id: str
    user_address: str
    pack_code: str
    subject: str
    token: str  # what Astria's callbacks must carry
    status: str
    expected_images: int
    photo_set: int = 1
    delivered_images: int = 0
    tune_id: str | None = None
    restyle_of: str | None = None


class Photo(Protocol):
    """A photo as recorded (read-only to the handlers)."""

    @property
    def id(self) -> int: ...
    @property
    def user_address(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def media_index(self) -> int: ...
    @property
    def accepted(self) -> bool: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def photo_set(self) -> int: ...
    @property
    def blob_name(self) -> str | None: ...


class Training(Protocol):
    """An order's training as recorded (read-only to the handlers)."""

    @property
    def order_id(self) -> str: ...
    @property
    def user_address(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def photo_set(self) -> int: ...
    @property
    def token(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def tune_id(self) -> str | None: ...
    @property
    def eta(self) -> datetime | None: ...
    @property
    def failure(self) -> str | None: ...
    @property
    def expected_images(self) -> int: ...
    @property
    def delivered_images(self) -> int: ...
    @property
    def restyle_of(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def traceparent(self) -> str | None: ...


@dataclass(frozen=True)
class Traces:
    """What of a person lives outside the image tables: blobs, provider media, tunes."""

    blobs: list[str]
    media: list[tuple[str, str]]  # (channel, provider reference)
    tunes: list[str]  # Astria tune ids


# What a records step stages with the rows it writes, in one transaction: told the
# training as written (and, for kept copies, whether they completed the order).
Announce = Callable[[Training], Sequence[Outgoing]]
AnnounceCopies = Callable[[Training, bool], Sequence[Outgoing]]


class Outbox(Protocol):
    def flush(self, publisher: Publisher) -> int: ...


class ImageRecords(Protocol):
    @property
    def outbox(self) -> Outbox: ...

    def photo(self, message_id: str, media_index: int) -> Photo | None: ...

    def add_photo(self, photo: NewPhoto) -> Photo: ...

    def fingerprints(self, user: str, photo_set: int) -> tuple[int, ...]: ...

    def accepted_photos(self, user: str, photo_set: int) -> Sequence[Photo]: ...

    def training(self, order_id: str) -> Training | None: ...

    def add_training(self, training: NewTraining) -> Training: ...

    def update_training(
        self,
        order_id: str,
        announce: Announce | None = None,
        **changes: object,
    ) -> Training: ...

    def mark_trained(
        self, order_id: str, trained_at: datetime | None, announce: Outgoing
    ) -> bool: ...

    def add_prompt_result(
        self, order_id: str, prompt_id: str, urls: list[str], error: str | None, announce: Announce
    ) -> bool: ...

    def settled_prompts(self, order_id: str) -> set[str]: ...

    def pending_prompts(self, order_id: str) -> dict[str, list[str]]: ...

    def keep_copies(
        self, order_id: str, prompt_id: str, copies: Sequence[Copy], announce: AnnounceCopies
    ) -> Sequence[Outgoing] | None: ...

    def all_reported(self, order_id: str, announce: Announce) -> bool: ...

    def copies(self, order_id: str) -> Sequence[Copy]: ...

    def unfinished(self, older_than: datetime) -> Sequence[Training]: ...

    def traces_of(self, user: str) -> Traces: ...

    def erase_user(self, user: str) -> list[str]: ...

    def expire(self, cutoff: datetime) -> tuple[list[str], int]: ...


class Blobs(Protocol):
    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes: ...

    def delete(self, name: str) -> None: ...


class Fetcher(Protocol):
    def fetch(self, channel: str, reference: str) -> bytes: ...

    def download(self, url: str) -> bytes:
        """A picture at a public address: no credentials, no redirect, bounded."""
        ...

    def forget(self, channel: str, reference: str) -> bool: ...


class Astria(Protocol):
    def create_pack_tune(self, tune: PackTune) -> dict[str, Any]: ...

    def find_tune(self, title: str) -> dict[str, Any] | None: ...

    def get_tune(self, tune_id: str) -> dict[str, Any]: ...

    def prompts(self, tune_id: str) -> list[dict[str, Any]]: ...

    def delete_tune(self, tune_id: str) -> None: ...

    def run_pack_on_tune(self, pack_id: int | str, tune_id: str, prompt_callback: str) -> None:
        """The pack's prompts on a trained tune: no new tune, no training."""
        ...

    def pack(self, pack_id: int | str) -> dict[str, Any]: ...


class AstriaPacks(Protocol):
    """Each pack as Astria defines it."""

    def images(self, pack: Pack, subject: str) -> int | None:
        """How many portraits the pack makes of `subject`; None if it has no such class.
        Transient when Astria cannot be asked now."""
        ...

    def cover(self, pack: Pack) -> bytes | None:
        """The pack's cover picture, or None when it has none or it cannot be had now."""
        ...


@dataclass(frozen=True)
class Links:
    """How the portraits' and galleries' links are made: our public URL, the key that
    signs them, and how long they work (the retention the consent text promises)."""

    base: str
    key: str
    days: int = 30


@dataclass
class ImagePorts:
    """Everything an image handler may name; each names only what it uses."""

    publisher: Publisher
    records: ImageRecords
    blobs: Blobs
    media: Fetcher
    astria: Astria
    catalogue: Catalogue
    astria_packs: AstriaPacks
    callback_base: str  # our public URL, as Astria must call it
    links: Links
    clock: Clock
    astria_branch: str | None = None
    limits: Limits = field(default_factory=Limits)
