"""The image service's media download against the sandbox's Twilio and Meta, over HTTP."""

from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from services.image.adapters.media import MediaFetcher, MediaSettings
from services.image.ports import MediaRefused, MediaTooLarge
from shared.errors import Transient
from tests.contract.sandbox import ACCOUNT_SID, AUTH_TOKEN, META_TOKEN

MEDIA_SID = "ME" + "a" * 32
FORGOTTEN_SID = "ME" + "c" * 32


@pytest.fixture(scope="module")
def sandbox(sandbox):
    """The sandbox's base URL, holding three photos a person sent."""
    url, store = sandbox
    store.add_media(MEDIA_SID, "image/jpeg", b"\xff\xd8 jpeg bytes")
    store.add_media(FORGOTTEN_SID, "image/jpeg", b"\xff\xd8 to be erased")
    store.add_media("123456789", "image/jpeg", b"\xff\xd8 meta jpeg")
    return url


def settings(url, **changes):
    host = urlsplit(url).netloc
    base = MediaSettings(
        twilio_api_base=f"{url}/twilio",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_media_hosts=frozenset({host}),
        meta_graph_base=f"{url}/meta/v26.0",
        meta_access_token=META_TOKEN,
        meta_media_hosts=frozenset({host}),
        max_bytes=1024,
        timeout=5,
        allow_private_hosts=True,
    )
    return replace(base, **changes)


def twilio_url(url, account=ACCOUNT_SID, media=MEDIA_SID):
    return f"{url}/twilio/2010-04-01/Accounts/{account}/Messages/MM{'b' * 32}/Media/{media}"


def test_twilio_media_is_fetched_through_its_redirect(sandbox):
    assert (
        MediaFetcher(settings(sandbox)).fetch("twilio", twilio_url(sandbox))
        == b"\xff\xd8 jpeg bytes"
    )


def test_meta_media_is_fetched_in_two_steps(sandbox):
    assert MediaFetcher(settings(sandbox)).fetch("meta", "123456789") == b"\xff\xd8 meta jpeg"


@pytest.mark.parametrize(
    ("channel", "reference", "why"),
    [
        (
            "twilio",
            "https://evil.example.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME",
            "our Twilio account",
        ),
        (
            "twilio",
            "{url}/twilio/2010-04-01/Accounts/"
            + "AC"
            + "6" * 32
            + "/Messages/MM1/Media/"
            + MEDIA_SID,
            "our Twilio account",
        ),
        ("twilio", "{url}/twilio/../admin", "our Twilio account"),
        ("meta", "https://lookaside.fbsbx.com/whatever", "not a Meta media id"),
        ("telegram", "123", "unknown channel"),
    ],
)
def test_references_outside_the_providers_are_refused(sandbox, channel, reference, why):
    with pytest.raises(MediaRefused, match=why):
        MediaFetcher(settings(sandbox)).fetch(channel, reference.format(url=sandbox))


def test_a_redirect_to_a_host_that_is_not_the_cdn_is_refused(sandbox):
    fetcher = MediaFetcher(settings(sandbox, twilio_media_hosts=frozenset({"mms.twiliocdn.com"})))
    with pytest.raises(MediaRefused, match="is not the provider's"):
        fetcher.fetch("twilio", twilio_url(sandbox))


def test_a_private_address_is_refused_outside_local_runs(sandbox):
    with pytest.raises(MediaRefused, match="private address"):
        MediaFetcher(settings(sandbox, allow_private_hosts=False)).fetch(
            "twilio", twilio_url(sandbox)
        )


def test_a_body_over_the_limit_is_refused(sandbox):
    with pytest.raises(MediaTooLarge, match="over 10 bytes"):
        MediaFetcher(settings(sandbox, max_bytes=10)).fetch("twilio", twilio_url(sandbox))


def test_meta_media_on_another_host_is_refused(sandbox):
    fetcher = MediaFetcher(settings(sandbox, meta_media_hosts=frozenset({"lookaside.fbsbx.com"})))
    with pytest.raises(MediaRefused, match="is not the provider's"):
        fetcher.fetch("meta", "123456789")


def test_erasure_deletes_twilios_copy_once_and_then_finds_it_gone(sandbox):
    reference = twilio_url(sandbox, media=FORGOTTEN_SID)
    with pytest.raises(MediaRefused, match="401"):
        MediaFetcher(settings(sandbox, twilio_auth_token="wrong")).forget("twilio", reference)
    fetcher = MediaFetcher(settings(sandbox))
    assert fetcher.forget("twilio", reference) is True
    assert fetcher.forget("twilio", reference) is False  # a retried erasure: already gone
    with pytest.raises(Transient, match="404"):
        fetcher.fetch("twilio", reference)
    # Nothing to delete at Meta, and no credentials for a URL that is not our account's.
    assert fetcher.forget("meta", "123456789") is False
    assert fetcher.forget("twilio", twilio_url(sandbox, account="AC" + "6" * 32)) is False
