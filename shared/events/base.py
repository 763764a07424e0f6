"""The base of every event payload."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """A domain event: frozen, tolerant of fields added later by newer publishers.

    The CloudEvent envelope carries the id, source and time; the payload only
    carries what the domain needs plus its schema version.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    # Bumped on breaking changes, which also get a new topic.
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: int = 1


class AnyEvent(Event):
    """Whatever an event carried, kept whole (dead letters, the sandbox's event view)."""

    model_config = ConfigDict(frozen=True, extra="allow")
