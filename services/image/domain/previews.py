"""One picture of a subject's packs, shown before the person chooses one.

WhatsApp's list message has a text header only, so the covers travel as one image whose
tiles are numbered in the list's order, each under its title and price. A cover that is
missing or cannot be read becomes a plain tile: the preview never fails for one pack.
"""

import io
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from babel import Locale
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

FONT = "DejaVuSans.ttf"
COLUMNS = 3
TILE_WIDTH, COVER_HEIGHT, LABEL_HEIGHT, GAP = 360, 450, 96, 16
PLAIN = (200, 190, 220)  # a tile without its cover
MAX_COVER_PIXELS = 40_000_000  # a cover is a photo, not a decompression bomb
LANGUAGES = ("en", "es")
_PORTRAITS: dict[str, tuple[str, str]] = {
    "en": ("portrait", "portraits"),
    "es": ("retrato", "retratos"),
}


@dataclass(frozen=True)
class Tile:
    cover: bytes | None
    title: str
    price: str
    images: int | None  # what Astria's pack makes; None when Astria cannot say now


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (Debian's fonts-dejavu-core, which set-up and the image install) writes
    "Héroes de fantasía" and "14,99 US$"; Pillow's own font has no accents."""
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        log.warning("font %s not found: accented titles will show as boxes", FONT)
        return ImageFont.load_default(size=size)


def portraits(count: int, language: str) -> str:
    one, other = _PORTRAITS.get(language, _PORTRAITS["en"])
    word = one if Locale.parse(language).plural_form(count) == "one" else other
    return f"{count} {word}"


def _cover(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_COVER_PIXELS:
                return None
            image.draft("RGB", (TILE_WIDTH * 2, COVER_HEIGHT * 2))
            rgb = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return ImageOps.fit(rgb, (TILE_WIDTH, COVER_HEIGHT), Image.Resampling.LANCZOS)


def _fitted(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont
) -> str:
    """The text, cut with an ellipsis where it would leave its tile."""
    room = TILE_WIDTH - 2 * GAP
    if draw.textlength(text, font=font) <= room:
        return text
    while text and draw.textlength(text + "…", font=font) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def compose(tiles: Sequence[Tile], language: str = "en") -> bytes:
    """A JPEG of up to three tiles a row: cover, then "1. Title" and "price · n portraits"."""
    if not tiles:
        raise ValueError("a preview needs at least one pack")
    columns = min(COLUMNS, len(tiles))
    rows = math.ceil(len(tiles) / columns)
    tile_height = COVER_HEIGHT + LABEL_HEIGHT
    canvas = Image.new(
        "RGB",
        (GAP + columns * (TILE_WIDTH + GAP), GAP + rows * (tile_height + GAP)),
        (245, 242, 236),
    )
    draw = ImageDraw.Draw(canvas)
    title_font, detail_font = font(26), font(22)
    for index, tile in enumerate(tiles):
        left = GAP + (index % columns) * (TILE_WIDTH + GAP)
        top = GAP + (index // columns) * (tile_height + GAP)
        cover = _cover(tile.cover)
        if cover is None:
            draw.rectangle((left, top, left + TILE_WIDTH - 1, top + COVER_HEIGHT - 1), fill=PLAIN)
        else:
            canvas.paste(cover, (left, top))
        draw.rectangle(
            (left, top + COVER_HEIGHT, left + TILE_WIDTH - 1, top + tile_height - 1),
            fill=(255, 255, 255),
        )
        title = _fitted(draw, f"{index + 1}. {tile.title}", title_font)
        counted = f" · {portraits(tile.images, language)}" if tile.images else ""
        detail = _fitted(draw, f"{tile.price}{counted}", detail_font)
        draw.text((left + GAP, top + COVER_HEIGHT + 14), title, font=title_font, fill=(30, 30, 30))
        draw.text(
            (left + GAP, top + COVER_HEIGHT + 56), detail, font=detail_font, fill=(90, 90, 90)
        )
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()
