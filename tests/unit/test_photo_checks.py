import io

import pytest
from PIL import Image

from services.image.domain.photos import Limits, PhotoRejected, check
from shared.events.image import PhotoRefusal
from tests.imagery import (
    decompression_bomb,
    encode,
    jpeg_with_gps,
    photo,
    rotated_jpeg,
    screenshot_png,
)


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_gps_and_every_other_metadata_is_stripped():
    source = jpeg_with_gps()
    assert opened(source).getexif().get(0x8825) is not None  # the test photo does carry GPS
    result = opened(check(source).jpeg)
    assert result.format == "JPEG"
    assert dict(result.getexif()) == {}
    assert "exif" not in result.info
    assert b"PhoneMaker" not in check(source).jpeg


def test_a_rotated_photo_comes_out_upright():
    result = opened(check(rotated_jpeg()).jpeg).convert("RGB")
    assert result.size == (800, 1000)
    # The marker was top-left of the stored landscape; after a 90° clockwise turn it is top-right.
    pixel = result.getpixel((result.width - 20, 20))
    assert isinstance(pixel, tuple)
    red, green, blue = pixel[:3]
    assert red > 200
    assert green < 60
    assert blue < 60


def test_large_photos_are_resized_to_2048_on_the_long_side():
    result = check(encode(photo(1600, 3000)))
    assert (result.width, result.height) == (1092, 2048)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_png_webp_and_heic_photos_are_accepted_as_jpeg(fmt):
    import pillow_heif

    pillow_heif.register_heif_opener()
    result = check(encode(photo(700, 900), fmt))
    assert opened(result.jpeg).format == "JPEG"
    assert (result.width, result.height) == (700, 900)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (screenshot_png(), PhotoRefusal.SCREENSHOT),
        (encode(photo(300, 400)), PhotoRefusal.TOO_SMALL),
        (b"Dear diary, today I renamed this file to selfie.jpg", PhotoRefusal.NOT_AN_IMAGE),
        (decompression_bomb(), PhotoRefusal.TOO_MANY_PIXELS),
        (encode(photo(600, 800), "GIF"), PhotoRefusal.UNSUPPORTED_FORMAT),
        (encode(photo(600, 800))[:2000], PhotoRefusal.NOT_AN_IMAGE),
    ],
    ids=[
        "png screenshot",
        "300 px photo",
        "text renamed .jpg",
        "decompression bomb",
        "gif",
        "truncated jpeg",
    ],
)
def test_unusable_files_are_rejected_with_their_reason(data, reason):
    with pytest.raises(PhotoRejected) as rejected:
        check(data)
    assert rejected.value.reason is reason


def test_a_photo_sent_again_is_a_duplicate_even_re_encoded():
    original = check(encode(photo(seed=7), quality=95))
    again = encode(photo(seed=7).resize((760, 950)), quality=70)
    with pytest.raises(PhotoRejected) as rejected:
        check(again, known=(original.fingerprint,))
    assert rejected.value.reason is PhotoRefusal.DUPLICATE
    assert check(encode(photo(seed=8)), known=(original.fingerprint,))  # a different photo is fine


def test_a_file_over_the_size_limit_is_refused_before_decoding():
    with pytest.raises(PhotoRejected) as rejected:
        check(encode(photo()), limits=Limits(max_bytes=1000))
    assert rejected.value.reason is PhotoRefusal.TOO_LARGE
