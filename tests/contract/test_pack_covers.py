"""Pack covers as the image service gets them: Astria's `GET /p/:id` names the cover (the
list of packs does not), our download fetches it like a photo (public hosts only, no
redirect), and the covers are kept rather than fetched for every preview."""

import io

import httpx
import pytest
from PIL import Image

from services.image.adapters.astria import AstriaClient
from services.image.adapters.covers import PackCovers
from services.image.adapters.media import MediaFetcher, MediaSettings
from services.image.ports import MediaRefused, MediaTooLarge
from shared.errors import Transient
from shared.packs import load_catalogue
from tests.contract.sandbox import ASTRIA_KEY
from tests.fakes import FixedClock

CATALOGUE = load_catalogue()
CORPORATE = CATALOGUE.packs[0]  # corporate, pack 260


@pytest.fixture(scope="module")
def sandbox(sandbox):
    url, _store = sandbox
    return url


def fetcher(allow_private=True, max_bytes=5 * 1024 * 1024):
    return MediaFetcher(
        MediaSettings(
            twilio_api_base="https://api.twilio.com",
            twilio_account_sid="AC" + "2" * 32,
            twilio_auth_token="t",
            twilio_media_hosts=frozenset(),
            meta_graph_base="https://graph.facebook.com/v26.0",
            meta_access_token="m",
            meta_media_hosts=frozenset(),
            max_bytes=max_bytes,
            timeout=5,
            allow_private_hosts=allow_private,
        )
    )


class CountingAstria:
    """The real client, counting the pack look-ups."""

    def __init__(self, base_url):
        self.client = AstriaClient(base_url=f"{base_url}/astria", api_key=ASTRIA_KEY, timeout=5)
        self.looked_up = 0

    def pack(self, pack_id):
        self.looked_up += 1
        return self.client.pack(pack_id)

    def __getattr__(self, name):
        return getattr(self.client, name)


def test_only_the_single_pack_names_its_cover(sandbox):
    headers = {"Authorization": f"Bearer {ASTRIA_KEY}"}
    listed = httpx.get(f"{sandbox}/astria/packs", headers=headers).json()
    assert all("cover_url" not in pack for pack in listed)
    single = AstriaClient(base_url=f"{sandbox}/astria", api_key=ASTRIA_KEY, timeout=5).pack(260)
    assert single["cover_url"].endswith("/astria/covers/260.jpg")


def test_a_cover_is_fetched_once_a_day_and_is_a_picture(sandbox):
    clock, astria = FixedClock(), CountingAstria(sandbox)
    covers = PackCovers(astria=astria, media=fetcher(), clock=clock)
    first = covers.cover(CORPORATE)
    assert first is not None
    assert Image.open(io.BytesIO(first)).format == "JPEG"
    clock.advance(hours=23)
    assert covers.cover(CORPORATE) == first
    assert astria.looked_up == 1
    clock.advance(hours=2)
    assert covers.cover(CORPORATE) == first
    assert astria.looked_up == 2


def test_the_catalogues_cover_wins_over_astrias(sandbox):
    astria = CountingAstria(sandbox)
    own = CORPORATE.model_copy(update={"cover_url": f"{sandbox}/astria/covers/262.jpg"})
    covers = PackCovers(astria=astria, media=fetcher(), clock=FixedClock())
    assert covers.cover(own) == fetcher().download(f"{sandbox}/astria/covers/262.jpg")
    assert astria.looked_up == 0


def test_a_cover_that_cannot_be_had_is_asked_again_after_a_few_minutes(sandbox):
    clock, astria = FixedClock(), CountingAstria(sandbox)
    # Outside local runs the sandbox's 127.0.0.1 is a private address: refused.
    covers = PackCovers(astria=astria, media=fetcher(allow_private=False), clock=clock)
    assert covers.cover(CORPORATE) is None
    clock.advance(minutes=4)
    assert covers.cover(CORPORATE) is None
    assert astria.looked_up == 1
    clock.advance(minutes=2)
    covers.cover(CORPORATE)
    assert astria.looked_up == 2


def test_an_unknown_pack_has_no_cover_and_says_why_in_the_log(sandbox, caplog):
    ghost = CORPORATE.model_copy(update={"astria_pack_id": 999, "code": "ghost"})
    covers = PackCovers(astria=CountingAstria(sandbox), media=fetcher(), clock=FixedClock())
    assert covers.cover(ghost) is None
    assert "no cover for a pack" in caplog.text


def test_a_download_is_refused_where_a_photo_would_be(sandbox):
    with pytest.raises(MediaRefused, match="http"):
        fetcher().download("ftp://example.com/cover.jpg")
    with pytest.raises(Transient, match="404"):
        fetcher().download(f"{sandbox}/astria/covers/nope.jpg")
    with pytest.raises(MediaTooLarge):
        fetcher(max_bytes=1000).download(f"{sandbox}/astria/covers/260.jpg")
