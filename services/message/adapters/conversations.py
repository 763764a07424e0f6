"""Conversation records in the Dapr state store, saved with their ETag."""

from services.message.domain.record import Record
from shared.dapr.ports import KeyValueStore


class ConversationStore:
    def __init__(self, state: KeyValueStore) -> None:
        self.state = state

    @staticmethod
    def key(user: str) -> str:
        return f"conversation:{user}"

    def load(self, user: str) -> tuple[Record | None, str | None]:
        data, etag = self.state.get(self.key(user))
        return (Record.from_dict(data) if data else None), etag

    def delete(self, user: str) -> None:
        self.state.delete(self.key(user))

    def save(self, record: Record, etag: str | None) -> None:
        """Raises Conflict when the record changed since it was loaded (or, for a first
        write, when a twin delivery wrote it first)."""
        self.state.save(
            self.key(record.conversation.user),
            record.to_dict(),
            etag=etag,
            insert_only=etag is None,
        )
