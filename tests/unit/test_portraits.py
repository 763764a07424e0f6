"""Our copies of the portraits: what is kept, what WhatsApp gets, and the links to them."""

import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import cast

import pikepdf
import pytest
from PIL import Image, ImageChops

from services.image.domain import portraits
from services.image.domain.links import signature, signed_url, valid
from tests.imagery import decompression_bomb, encode, photo

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.mark.parametrize(("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_a_portrait_is_kept_as_it_came(fmt, extension):
    assert portraits.extension_of(encode(photo(64, 80, face=False), fmt)) == extension


@pytest.mark.parametrize(
    "data",
    [b"<html>403 Forbidden</html>", encode(photo(64, 80), "GIF"), decompression_bomb()],
    ids=["an error page", "a GIF", "a decompression bomb"],
)
def test_what_is_not_a_portrait_is_not_kept(data):
    with pytest.raises(portraits.NotAPortrait):
        portraits.extension_of(data)


@pytest.mark.parametrize(("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png")])
def test_a_jpeg_or_png_within_whatsapps_limit_goes_as_it_is(fmt, extension):
    small = encode(photo(64, 80, face=False), fmt)
    assert portraits.for_whatsapp(small, extension) is None


def test_a_file_over_the_limit_or_not_a_jpeg_goes_as_a_jpeg_within_it():
    rng = random.Random(3)
    noise = Image.frombytes("RGB", (1500, 1500), rng.randbytes(1500 * 1500 * 3))
    big = encode(noise, "PNG")
    limit = 400_000
    assert len(big) > limit
    sent = portraits.for_whatsapp(big, "png", limit=limit)
    assert sent is not None
    assert len(sent) <= limit
    assert Image.open(io.BytesIO(sent)).format == "JPEG"
    # A WebP under the limit goes as a JPEG: on WhatsApp a WebP is a sticker.
    webp = portraits.for_whatsapp(encode(photo(64, 80, face=False), "WEBP"), "webp")
    assert webp is not None
    assert Image.open(io.BytesIO(webp)).format == "JPEG"


@contextmanager
def picture_in(pdf: bytes) -> Iterator[pikepdf.PdfImage]:
    """The one picture on the document's one page."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        [page] = document.pages
        [image] = page.get_images().values()
        yield pikepdf.PdfImage(cast(pikepdf.Stream, image))


def test_a_jpeg_goes_into_its_document_byte_for_byte():
    jpeg = encode(photo(640, 800, face=False), "JPEG")
    with picture_in(portraits.as_document(jpeg)) as picture:
        assert picture.filters == ["/DCTDecode"]
        assert picture.obj.read_raw_bytes() == jpeg  # not re-encoded: the full quality


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_a_png_goes_into_its_document_pixel_for_pixel(mode):
    original = photo(320, 400, face=False).convert(mode)
    with picture_in(portraits.as_document(encode(original, "PNG"))) as picture:
        assert (picture.width, picture.height) == (320, 400)
        kept = picture.as_pil_image().convert("RGB")
    assert ImageChops.difference(kept, original.convert("RGB")).getbbox() is None


def test_what_is_not_a_picture_makes_no_document():
    with pytest.raises(portraits.NotAPortrait):
        portraits.as_document(b"<html>403 Forbidden</html>")


def test_a_signed_link_works_until_it_expires_and_only_as_signed():
    url = signed_url(
        "https://bot.example/", "key", "/portraits/a/b-0.jpg", NOW + timedelta(days=30)
    )
    assert url.startswith("https://bot.example/portraits/a/b-0.jpg?expires=")
    expires = int((NOW + timedelta(days=30)).timestamp())
    given = signature("key", "/portraits/a/b-0.jpg", expires)
    assert given in url
    assert valid("key", "/portraits/a/b-0.jpg", expires, given, NOW)
    assert not valid("key", "/portraits/a/b-0.jpg", expires, given, NOW + timedelta(days=30))
    assert not valid("key", "/portraits/a/b-1.jpg", expires, given, NOW)  # another file
    assert not valid("key", "/portraits/a/b-0.jpg", expires + 86400, given, NOW)  # extended
    assert not valid("other key", "/portraits/a/b-0.jpg", expires, given, NOW)


@pytest.mark.parametrize(("expires", "given"), [(10**40, "ab"), (-(10**20), "ab"), (2**31, "é✓")])
def test_a_link_past_any_calendar_or_signed_in_no_hex_is_simply_not_valid(expires, given):
    assert not valid("key", "/gallery/o", expires, given, NOW)
