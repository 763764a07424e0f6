"""GET /previews/{language}/{subject}.jpg through the image app: the subject's packs in
one JPEG, public and cacheable, and a clear 404 for what has no preview."""

import io
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from services.image.app import create_app
from services.image.bootstrap import ImageRuntime
from services.image.domain.previews import COLUMNS, GAP, TILE_WIDTH
from services.image.handlers import _composed
from services.image.ports import ImagePorts, Links
from shared.packs import Pack, load_catalogue
from tests.fakes import FakeAstriaPacks, FixedClock, RecordingPublisher

CATALOGUE = load_catalogue()


def client_with(packs: FakeAstriaPacks) -> TestClient:
    clock = FixedClock()
    ports = ImagePorts(
        publisher=RecordingPublisher(),
        records=cast(Any, None),
        blobs=cast(Any, None),
        media=cast(Any, None),
        astria=cast(Any, None),
        catalogue=CATALOGUE,
        astria_packs=packs,
        callback_base="http://image",
        links=Links("http://image", "test-link-key"),
        clock=clock,
    )
    return TestClient(create_app(build_deps=lambda _s: ImageRuntime(ports=ports, clock=clock)))


def tiles_wide(response) -> int:
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "JPEG"
    return (image.width - GAP) // (TILE_WIDTH + GAP)


@pytest.mark.parametrize(
    ("language", "subject"), [("en", "woman"), ("es", "boy"), ("en", "dog"), ("es", "cat")]
)
def test_each_subject_shows_its_own_packs_in_the_lists_order(language, subject):
    covers = FakeAstriaPacks(covers=True)
    with client_with(covers) as client:
        response = client.get(f"/previews/{language}/{subject}.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert "public" in response.headers["cache-control"]
    packs = [p.code for p in CATALOGUE.for_subject(subject)]
    assert covers.asked == packs
    assert tiles_wide(response) == min(COLUMNS, len(packs))


def test_without_covers_the_preview_still_answers():
    with client_with(FakeAstriaPacks(covers=False)) as client:
        response = client.get("/previews/en/woman.jpg")
    assert response.status_code == 200
    assert tiles_wide(response) == 2


def test_the_count_on_each_tile_is_astrias_and_absent_while_astria_is_down():
    with client_with(FakeAstriaPacks()) as client:
        counted = client.get("/previews/en/woman.jpg").content
    with client_with(FakeAstriaPacks(images_by_pack={"corporate": {"woman": 12}})) as client:
        other = client.get("/previews/en/woman.jpg").content
    with client_with(FakeAstriaPacks(down=True)) as client:
        down = client.get("/previews/en/woman.jpg")
    assert down.status_code == 200
    assert len({counted, other, down.content}) == 3  # the count is drawn from Astria's word


@pytest.mark.parametrize(
    "path", ["/previews/en/unicorn.jpg", "/previews/fr/woman.jpg", "/previews/en/woman.png"]
)
def test_what_has_no_preview_is_a_404(path):
    with client_with(FakeAstriaPacks(covers=True)) as client:
        response = client.get(path)
    assert response.status_code == 404


def test_the_route_is_documented():
    with client_with(FakeAstriaPacks(covers=True)) as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert "image/jpeg" in str(paths["/previews/{language}/{subject}.jpg"]["get"]["responses"])


class KeptCovers(FakeAstriaPacks):
    """Hands back the same bytes each time, as AstriaPacks does from what it keeps."""

    def __init__(self) -> None:
        super().__init__(covers=True)
        self.kept: dict[str, bytes] = {}

    def cover(self, pack: Pack) -> bytes | None:
        return self.kept.setdefault(pack.code, super().cover(pack) or b"")


def test_the_same_covers_are_drawn_once_not_once_a_request():
    with client_with(KeptCovers()) as client:
        first = client.get("/previews/es/girl.jpg")
        hits = _composed.cache_info().hits
        again = client.get("/previews/es/girl.jpg")
    assert again.content == first.content
    assert _composed.cache_info().hits == hits + 1
