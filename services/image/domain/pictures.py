"""Opening a picture someone else made (a person's photo, Astria's portrait) without
trusting it: by its content, of a format we take, and not a decompression bomb."""

import io
import warnings
from collections.abc import Collection
from enum import StrEnum

from PIL import Image, UnidentifiedImageError


class Unreadable(StrEnum):
    NOT_AN_IMAGE = "not_an_image"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_MANY_PIXELS = "too_many_pixels"


class NotAPicture(Exception):
    def __init__(self, why: Unreadable, detail: str = "") -> None:
        super().__init__(f"{why.value}: {detail}" if detail else why.value)
        self.why, self.detail = why, detail


def open_picture(data: bytes, *, formats: Collection[str], max_pixels: int) -> Image.Image:
    """The decoded picture (its `format` as Pillow names it), or NotAPicture saying why."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if str(image.format) not in formats:
                raise NotAPicture(Unreadable.UNSUPPORTED_FORMAT, str(image.format))
            if image.width * image.height > max_pixels:
                raise NotAPicture(Unreadable.TOO_MANY_PIXELS, f"{image.width}x{image.height}")
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise NotAPicture(Unreadable.TOO_MANY_PIXELS) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise NotAPicture(Unreadable.NOT_AN_IMAGE) from exc
    return image
