"""The base of every event payload, and what a delivery says about the event it carries."""

from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """A domain event: frozen, tolerant of fields added later by newer publishers.

    The CloudEvent envelope carries the id, source and time; the payload only
    carries what the domain needs plus its schema version.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    # The topic it travels on, declared by each event type: publishing needs nothing else.
    TOPIC: ClassVar[str]
    # Who publishes it, when not only the service its module is named after.
    PUBLISHED_BY: ClassVar[tuple[str, ...]] = ()
    # Bumped on breaking changes, which also get a new topic.
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: int = 1


class AnyEvent(Event):
    """Whatever an event carried, kept whole (dead letters, the sandbox's event view)."""

    model_config = ConfigDict(frozen=True, extra="allow")


@dataclass(frozen=True)
class EventMeta:
    """The CloudEvent attributes a handler may need (the id is the de-dup key)."""

    id: str
    topic: str
    source: str | None = None
    time: str | None = None
    # The W3C trace context it was delivered in (shared/tracing.py), when tracing is on.
    traceparent: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """An event to publish, with the id that makes a second publication harmless (staged
    in an outbox until the transaction that decided it has committed)."""

    event: Event
    event_id: str

    @property
    def topic(self) -> str:
        return self.event.TOPIC
