"""The message service's own tables: who wrote to us, and what we sent them."""

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import NAMING_CONVENTION, UtcDateTime, now_default


class MessageBase(DeclarativeBase):
    metadata = NAMING_CONVENTION()


class User(MessageBase):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The provider's address: whatsapp:+<E.164>, or whatsapp:<BSUID>.
    address: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    profile_name: Mapped[str | None] = mapped_column(String(256))
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)
    # Free-form messages are allowed for 24 hours after this.
    last_inbound_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)


class OutboundMessage(MessageBase):
    __tablename__ = "outbound_message"
    __table_args__ = (UniqueConstraint("channel", "provider_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_message_id: Mapped[str] = mapped_column(String(128))
    user_address: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # text, image, template
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=now_default, onupdate=now_default
    )
