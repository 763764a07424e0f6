"""Photo intake through its ports: real SQLite, a fetcher that answers as told, recorded
events. What the person is told comes from the reason on photo.checked."""

from datetime import UTC, datetime
from typing import Any

import pytest

from services.image.adapters.records import SqlImages
from services.image.domain.photos import Limits
from services.image.handlers import handle_photo_submitted
from services.image.ports import MediaRefused, MediaTooLarge
from shared.db import make_engine
from shared.events.base import EventMeta
from shared.events.image import PhotoChecked
from shared.events.message import Channel, PhotoSubmitted
from shared.injection import call
from tests.fakes import RecordingPublisher
from tests.imagery import encode, photo

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
USER = "whatsapp:+15551234567"


class Fetcher:
    def __init__(self, answer: bytes | Exception):
        self.answer = answer

    def fetch(self, channel: str, reference: str) -> bytes:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class Ports(dict[str, Any]):
    """Exactly the ports the handler names, by attribute, as the service's would be."""

    def __getattr__(self, name: str) -> Any:
        return self[name]


class Blobs(dict[str, bytes]):
    def put(self, name: str, data: bytes) -> None:
        self[name] = data


@pytest.fixture
def records(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'image.db'}", lambda: NOW)
    yield SqlImages(engine)
    engine.dispose()


def submit(
    records, answer: bytes | Exception, content_type="image/jpeg", subject: str | None = None
) -> dict[str, Any]:
    publisher, blobs = RecordingPublisher(), Blobs()
    event = PhotoSubmitted(
        user=USER,
        channel=Channel.META,
        message_id="wamid.1",
        media_index=0,
        media_reference="123456",
        content_type=content_type,
        subject=subject,
    )
    ports = Ports(
        records=records, media=Fetcher(answer), blobs=blobs, limits=Limits(), publisher=publisher
    )
    call(handle_photo_submitted, ports, event, meta=EventMeta(id="photo-1", topic="t"))
    [(_topic, checked, _id)] = publisher.published
    assert isinstance(checked, PhotoChecked)
    return {"accepted": checked.accepted, "reason": checked.reason, "stored": list(blobs)}


def test_a_webp_photo_is_accepted_and_stored_as_jpeg(records):
    answer = submit(records, encode(photo(), "WEBP"), content_type="image/webp")
    assert answer["accepted"] is True
    [stored] = answer["stored"]
    assert stored.endswith(".jpg")


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [
        (MediaTooLarge("body over 16777216 bytes"), "too_large"),
        (MediaRefused("graph api answered 403"), "download_failed"),
    ],
)
def test_a_file_over_the_limit_is_too_big_not_a_failed_download(records, refusal, reason):
    answer = submit(records, refusal)
    assert (answer["accepted"], answer["reason"], answer["stored"]) == (False, reason, [])


@pytest.mark.parametrize(
    ("subject", "accepted", "reason"), [("woman", False, "no_face"), ("dog", True, None)]
)
def test_a_photo_without_a_face_is_refused_unless_it_is_of_a_pet(
    records, subject, accepted, reason
):
    answer = submit(records, encode(photo(face=False)), subject=subject)
    assert (answer["accepted"], answer["reason"]) == (accepted, reason)
    assert len(answer["stored"]) == int(accepted)
