"""The image service's own tables: photos, trainings (one per order), what Astria reported."""

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import NAMING_CONVENTION, UtcDateTime, now_default
from shared.outbox import OutboxColumns


class ImageBase(DeclarativeBase):
    metadata = NAMING_CONVENTION()


class Photo(ImageBase):
    __tablename__ = "photo"
    __table_args__ = (UniqueConstraint("message_id", "media_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_address: Mapped[str] = mapped_column(String(128), index=True)
    message_id: Mapped[str] = mapped_column(String(128))
    media_index: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[bool] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(32))
    blob_name: Mapped[str | None] = mapped_column(String(255))
    fingerprint: Mapped[str | None] = mapped_column(String(16))  # 64-bit dHash, hex
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # RESTART starts a new set; duplicates and counts are per set.
    photo_set: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Where the provider still holds the file: erasure deletes it there too.
    channel: Mapped[str | None] = mapped_column(String(16))
    media_reference: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)


class Training(ImageBase):
    """One Astria tune per paid order."""

    __tablename__ = "training"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_address: Mapped[str] = mapped_column(String(128), index=True)
    pack_code: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(16))
    photo_set: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Random per order, carried in Astria's callback URLs and checked in constant time.
    token: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(
        String(16)
    )  # submitted, training, trained, complete, failed
    tune_id: Mapped[str | None] = mapped_column(String(64))
    eta: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expected_images: Mapped[int] = mapped_column(Integer)
    delivered_images: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)
    trained_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Another style on this earlier order's trained tune: no photos, no training.
    restyle_of: Mapped[str | None] = mapped_column(String(64))
    # Astria said every prompt has reported: the order ends when the last one is kept.
    all_reported: Mapped[bool] = mapped_column(default=False, server_default=false())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The order's W3C trace context (shared/tracing.py), continued by Astria's callbacks.
    traceparent: Mapped[str | None] = mapped_column(String(55))


class PromptResult(ImageBase):
    """What one Astria prompt produced; the key makes each callback count once."""

    __tablename__ = "prompt_result"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    prompt_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    image_urls: Mapped[str] = mapped_column(Text)  # JSON list, in Astria's order
    # JSON list of [full, send] blob names: our copies, in the same order.
    copies: Mapped[str | None] = mapped_column(Text)
    user_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)
    # When our copies were kept; None while a prompt.settled delivery is keeping them.
    kept_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class OutboxEntry(OutboxColumns, ImageBase):
    """Announcements staged with the rows they announce (shared/outbox.py)."""
