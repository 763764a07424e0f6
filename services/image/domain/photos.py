"""Check a photo by its content and normalise it for training.

Accepts JPEG, PNG, WebP and HEIC/HEIF (iPhones); refuses anything else by
content, whatever its name or declared type, and a photo of a person without exactly
one face of usable size (domain/faces.py). Normalising applies the EXIF
orientation, drops every piece of metadata (GPS included), converts to JPEG and
caps the long side.
"""

import io
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps

from services.image.domain.faces import face_problem
from services.image.domain.pictures import NotAPicture, open_picture
from shared.events.image import PhotoRefusal

pillow_heif.register_heif_opener()

ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "HEIF"}


@dataclass(frozen=True)
class Limits:
    min_short_side: int = 512
    max_long_side: int = 2048
    max_bytes: int = 16 * 1024 * 1024
    max_pixels: int = 50_000_000  # far above any phone camera; decompression bombs are not
    duplicate_distance: int = 5  # bits of the 64-bit difference hash


@dataclass(frozen=True)
class Normalised:
    jpeg: bytes
    width: int
    height: int
    fingerprint: int  # 64-bit difference hash, for near-duplicates


class PhotoRejected(Exception):
    def __init__(self, reason: PhotoRefusal, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason


def difference_hash(image: Image.Image) -> int:
    """dHash: robust to re-encoding and resizing, so a re-sent photo is recognised."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    bits = 0
    for row in range(8):
        for column in range(8):
            left, right = pixels[row * 9 + column], pixels[row * 9 + column + 1]
            bits = (bits << 1) | (left > right)
    return bits


def _looks_like_a_screenshot(image: Image.Image, source_format: str) -> bool:
    """Screens are flat: few distinct colours. Camera photos have thousands."""
    if source_format != "PNG":
        return False
    raw = image.convert("RGB").resize((96, 96), Image.Resampling.NEAREST).tobytes()
    colours = {raw[i : i + 3] for i in range(0, len(raw), 3)}
    return len(colours) < 600


def check(
    data: bytes, *, limits: Limits = Limits(), known: tuple[int, ...] = (), faces: bool = True
) -> Normalised:
    """The normalised photo, or PhotoRejected with a reason a person can be told.
    `faces`: whether it must show one person's face (not for a dog or a cat)."""
    if len(data) > limits.max_bytes:
        raise PhotoRejected(PhotoRefusal.TOO_LARGE, f"{len(data)} bytes")
    try:
        image = open_picture(data, formats=ACCEPTED_FORMATS, max_pixels=limits.max_pixels)
    except NotAPicture as exc:
        raise PhotoRejected(PhotoRefusal(exc.why.value), exc.detail) from exc
    source_format = str(image.format)
    upright = ImageOps.exif_transpose(image)
    if min(upright.size) < limits.min_short_side:
        raise PhotoRejected(PhotoRefusal.TOO_SMALL, f"{upright.width}x{upright.height}")
    if _looks_like_a_screenshot(upright, source_format):
        raise PhotoRejected(PhotoRefusal.SCREENSHOT)
    rgb = upright.convert("RGB")
    rgb.thumbnail((limits.max_long_side, limits.max_long_side), Image.Resampling.LANCZOS)
    fingerprint = difference_hash(rgb)
    if any(bin(fingerprint ^ other).count("1") <= limits.duplicate_distance for other in known):
        raise PhotoRejected(PhotoRefusal.DUPLICATE)
    if faces and (problem := face_problem(rgb)) is not None:
        raise PhotoRejected(problem)
    # A fresh image carries no EXIF, XMP or ICC: GPS and camera data are gone.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=90, optimize=True)
    return Normalised(out.getvalue(), clean.width, clean.height, fingerprint)
