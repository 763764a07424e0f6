"""Pack covers as the image service gets them: Astria's `GET /p/:id` names the cover (the
list of packs does not), our download fetches it like a photo (public hosts only, no
redirect), and the covers are kept rather than fetched for every preview."""

import io

import httpx
import pytest
from PIL import Image

from services.image.adapters.astria import AstriaClient
from services.image.adapters.astria_packs import AstriaPacks
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


def fetcher(allow_private=True, max_bytes=5 * 1024 * 1024, kind=MediaFetcher):
    return kind(
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
    covers = AstriaPacks(astria=astria, media=fetcher(), clock=clock)
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
    covers = AstriaPacks(astria=astria, media=fetcher(), clock=FixedClock())
    assert covers.cover(own) == fetcher().download(f"{sandbox}/astria/covers/262.jpg")
    assert astria.looked_up == 0


class CountingFetcher(MediaFetcher):
    downloads = 0

    def download(self, url):
        self.downloads += 1
        return super().download(url)


def test_a_cover_that_cannot_be_had_is_asked_again_after_a_few_minutes(sandbox):
    clock, astria = FixedClock(), CountingAstria(sandbox)
    # Outside local runs the sandbox's 127.0.0.1 is a private address: refused.
    media = fetcher(allow_private=False, kind=CountingFetcher)
    covers = AstriaPacks(astria=astria, media=media, clock=clock)
    assert covers.cover(CORPORATE) is None
    clock.advance(minutes=4)
    assert covers.cover(CORPORATE) is None
    assert media.downloads == 1
    clock.advance(minutes=2)
    covers.cover(CORPORATE)
    assert media.downloads == 2
    assert astria.looked_up == 1  # the pack itself is kept a day


@pytest.mark.parametrize(("subject", "images"), [("woman", 35), ("man", 28)])
def test_what_a_pack_makes_is_astrias_word_kept_a_day(sandbox, subject, images):
    clock, astria = FixedClock(), CountingAstria(sandbox)
    packs = AstriaPacks(astria=astria, media=fetcher(), clock=clock)
    assert packs.images(CORPORATE, subject) == images  # Astria's pack 260, not our catalogue
    clock.advance(hours=23)
    assert packs.images(CORPORATE, subject) == images
    assert astria.looked_up == 1
    assert packs.images(CORPORATE, "dog") is None  # a class the pack does not have


def test_a_pack_astria_does_not_have_makes_nothing_and_says_why(sandbox, caplog):
    ghost = CORPORATE.model_copy(update={"astria_pack_id": 999, "code": "ghost"})
    packs = AstriaPacks(astria=CountingAstria(sandbox), media=fetcher(), clock=FixedClock())
    assert packs.images(ghost, "woman") is None
    assert "astria has no such pack" in caplog.text


def test_a_pack_waits_while_astria_cannot_be_reached():
    unreachable = AstriaClient(base_url="http://127.0.0.1:9/astria", api_key="k", timeout=2)
    packs = AstriaPacks(astria=unreachable, media=fetcher(), clock=FixedClock())
    with pytest.raises(Transient):
        packs.images(CORPORATE, "woman")


def test_an_unknown_pack_has_no_cover_and_says_why_in_the_log(sandbox, caplog):
    ghost = CORPORATE.model_copy(update={"astria_pack_id": 999, "code": "ghost"})
    covers = AstriaPacks(astria=CountingAstria(sandbox), media=fetcher(), clock=FixedClock())
    assert covers.cover(ghost) is None
    assert "no cover for a pack" in caplog.text


def test_a_download_is_refused_where_a_photo_would_be(sandbox):
    with pytest.raises(MediaRefused, match="http"):
        fetcher().download("ftp://example.com/cover.jpg")
    with pytest.raises(Transient, match="404"):
        fetcher().download(f"{sandbox}/astria/covers/nope.jpg")
    with pytest.raises(MediaTooLarge):
        fetcher(max_bytes=1000).download(f"{sandbox}/astria/covers/260.jpg")
