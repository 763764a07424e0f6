"""Our own copy of each portrait: what is kept, under which name, and the copy WhatsApp
gets. Astria deletes its images 30 days after training and WhatsApp refuses an image over
5 MB, so the full file is kept as Astria made it, and a JPEG within the limit goes out
when the full file would not fit. On request the full file goes as a document: a PDF,
the one file kind both Twilio and Meta send as a document, holding the picture as it is."""

import io
import logging
from dataclasses import dataclass

import img2pdf
from PIL import Image

from services.image.domain.pictures import NotAPicture, open_picture

WHATSAPP_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 50_000_000
_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
CONTENT_TYPES = dict(_FORMATS.values())
# img2pdf warns for every PNG with an alpha channel, which it keeps as a soft mask.
logging.getLogger("img2pdf").setLevel(logging.ERROR)


class NotAPortrait(Exception):
    """What Astria's URL gave is not a picture we can keep; retrying will not change it."""


@dataclass(frozen=True)
class Copy:
    """A portrait as kept: the full file, and the name of the one sent on WhatsApp."""

    full: str
    send: str


def extension_of(data: bytes) -> str:
    """The file's kind by its content, or NotAPortrait."""
    try:
        image = open_picture(data, formats=_FORMATS, max_pixels=MAX_PIXELS)
    except NotAPicture as exc:
        raise NotAPortrait(str(exc)) from exc
    return _FORMATS[str(image.format)][0]


def for_whatsapp(data: bytes, extension: str, limit: int = WHATSAPP_IMAGE_BYTES) -> bytes | None:
    """A JPEG within `limit` when the full file can't go as an image message (None when it
    can): WhatsApp takes JPEG and PNG images up to 5 MB; a WebP would be a sticker."""
    if extension in ("jpg", "png") and len(data) <= limit:
        return None
    image = Image.open(io.BytesIO(data)).convert("RGB")
    quality = 90
    while True:
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= limit:
            return out.getvalue()
        if quality > 60:
            quality -= 10
        else:
            image = image.resize((image.width * 3 // 4, image.height * 3 // 4))


def as_document(data: bytes) -> bytes:
    """A one-page PDF of the full file, without re-encoding it: a JPEG's own bytes, a PNG's
    pixels compressed losslessly (img2pdf), so the document is the portrait at full quality."""
    try:
        return bytes(img2pdf.convert(data, rotation=img2pdf.Rotation.ifvalid))
    except (img2pdf.ImageOpenError, img2pdf.PdfTooLargeError, ValueError) as exc:
        raise NotAPortrait(f"no document: {exc}") from exc
