"""Users and the outbound message log in the message service's database."""

from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from services.message.adapters.models import OutboundMessage, User
from services.message.domain.window import WINDOW
from shared.db import Repository

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# A status only moves forward; callbacks arrive out of order and more than once.
_RANK = {
    "queued": 0,
    "accepted": 0,
    "scheduled": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
    "failed": 5,
    "undelivered": 5,
    "canceled": 5,
}


class SqlRecords(Repository):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, MIGRATIONS)
        # INSERT ... ON CONFLICT, in the dialect of the database (SQLite or PostgreSQL).
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def seen(
        self, *, address: str, channel: str, language: str, profile_name: str | None, at: datetime
    ) -> None:
        """Remember who wrote and when (their 24-hour window starts again): one statement,
        whoever wrote first."""
        insert = self._insert(User).values(
            address=address,
            channel=channel,
            language=language,
            profile_name=profile_name,
            first_seen_at=at,
            last_inbound_at=at,
        )
        newer = insert.excluded.last_inbound_at
        upsert = insert.on_conflict_do_update(
            index_elements=[User.address],
            set_={
                "channel": insert.excluded.channel,
                "language": insert.excluded.language,
                "profile_name": func.coalesce(insert.excluded.profile_name, User.profile_name),
                # Deliveries arrive out of order: the window never moves back.
                "last_inbound_at": case(
                    (User.last_inbound_at > newer, User.last_inbound_at), else_=newer
                ),
            },
        )
        with self._engine.begin() as connection:
            connection.execute(upsert)

    def window_open(self, address: str, now: datetime | None = None) -> bool:
        with self._sessions() as session:
            last = session.scalar(select(User.last_inbound_at).where(User.address == address))
        return last is not None and (now or self._clock()) - last < WINDOW

    def close_window(self, address: str) -> None:
        """The provider says the window is closed (Twilio 63016, Meta 131047)."""
        with self._sessions.begin() as session:
            user = session.scalar(select(User).where(User.address == address))
            if user is not None:
                user.last_inbound_at = user.last_inbound_at - WINDOW

    def sent_many(self, messages: list[tuple[str, str, str, str, str]]) -> None:
        rows = [
            {
                "channel": channel,
                "provider_message_id": provider_message_id,
                "user_address": address,
                "kind": kind,
                "body": body,
                "status": "queued",
            }
            for channel, provider_message_id, address, kind, body in messages
        ]
        # A retried flush may log an id again: the first row stays.
        insert = self._insert(OutboundMessage).on_conflict_do_nothing(
            index_elements=[OutboundMessage.channel, OutboundMessage.provider_message_id]
        )
        with self._engine.begin() as connection:
            connection.execute(insert, rows)

    def status(
        self, *, channel: str, provider_message_id: str, status: str, error_code: str | None
    ) -> str | None:
        """Apply a delivery status if it moves forward; return the message's user address."""
        with self._sessions.begin() as session:
            message = session.scalar(
                select(OutboundMessage).where(
                    OutboundMessage.channel == channel,
                    OutboundMessage.provider_message_id == provider_message_id,
                )
            )
            if message is None:
                return None
            if _RANK.get(status, -1) > _RANK.get(message.status, -1):
                message.status = status
                message.error_code = error_code or message.error_code
            return message.user_address

    def outbound_to(self, address: str) -> list[OutboundMessage]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(OutboundMessage)
                    .where(OutboundMessage.user_address == address)
                    .order_by(OutboundMessage.id)
                )
            )

    def quiet_since(self, cutoff: datetime) -> list[str]:
        """People whose last message is older than the cutoff."""
        with self._sessions() as session:
            return list(session.scalars(select(User.address).where(User.last_inbound_at < cutoff)))

    def delete_outbound_before(self, cutoff: datetime) -> int:
        with self._sessions.begin() as session:
            gone = session.execute(
                delete(OutboundMessage).where(OutboundMessage.created_at < cutoff)
            )
        return int(gone.rowcount or 0)  # type: ignore[attr-defined]

    def erase(self, address: str) -> int:
        with self._sessions.begin() as session:
            gone = session.execute(
                delete(OutboundMessage).where(OutboundMessage.user_address == address)
            )
            session.execute(delete(User).where(User.address == address))
        return int(gone.rowcount or 0)  # type: ignore[attr-defined]
