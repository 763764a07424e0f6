"""The packs in one picture: tiles in the list's order, covers that fail become plain
tiles, and the photo instructions travel under it when a preview is configured."""

import io
from dataclasses import replace

import pytest
from PIL import Image, ImageFont

from services.image.domain.previews import (
    COLUMNS,
    COVER_HEIGHT,
    GAP,
    LABEL_HEIGHT,
    PLAIN,
    TILE_WIDTH,
    Tile,
    compose,
    font,
    portraits,
)
from services.message.domain.conversation import (
    Conversation,
    Rules,
    Step,
    UserMessage,
    on_message,
)
from shared.packs import load_catalogue
from tests.imagery import encode, photo

EN_USER, ES_USER = "whatsapp:+15551234567", "whatsapp:+34612345678"
RULES = Rules(catalogue=load_catalogue())
RED = encode(Image.new("RGB", (800, 1000), (220, 20, 20)))


def picture(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.convert("RGB")


def size_for(count: int) -> tuple[int, int]:
    columns = min(COLUMNS, count)
    rows = -(-count // columns)
    return GAP + columns * (TILE_WIDTH + GAP), GAP + rows * (COVER_HEIGHT + LABEL_HEIGHT + GAP)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_tiles_go_three_a_row(count):
    tiles = [Tile(RED, f"Pack {i}", "$9.99", 8) for i in range(count)]
    assert picture(compose(tiles)).size == size_for(count)


def test_each_cover_fills_its_own_tile_and_a_missing_one_is_plain():
    image = picture(compose([Tile(RED, "Red", "$1.00", 1), Tile(None, "None", "$2.00", 2)]))
    middle = COVER_HEIGHT // 2
    red = image.getpixel((GAP + TILE_WIDTH // 2, GAP + middle))
    plain = image.getpixel((2 * GAP + TILE_WIDTH + TILE_WIDTH // 2, GAP + middle))
    assert isinstance(red, tuple)
    assert isinstance(plain, tuple)
    assert (red[0] > 180, red[1] < 60) == (True, True)
    assert max(abs(a - b) for a, b in zip(plain, PLAIN, strict=True)) <= 4  # JPEG's loss


@pytest.mark.parametrize(
    "cover",
    [
        b"not a picture",
        b"\xff\xd8\xff\xe0 truncated jpeg",
        # 9000 x 9000 claimed: over the cover's pixel limit, never decoded.
        encode(Image.new("L", (9000, 9000))),
    ],
    ids=["garbage", "truncated", "too-many-pixels"],
)
def test_a_cover_that_cannot_be_read_gives_a_plain_tile_not_an_error(cover):
    broken = picture(compose([Tile(cover, "Broken", "$1.00", 1)]))
    plain = picture(compose([Tile(None, "Broken", "$1.00", 1)]))
    assert broken.getpixel((GAP + 10, GAP + 10)) == plain.getpixel((GAP + 10, GAP + 10))


def test_a_real_photo_as_cover_is_cropped_to_the_tile():
    cover = encode(photo(1200, 600, seed=3))  # landscape, cropped to a portrait tile
    image = picture(compose([Tile(cover, "Wide", "$1.00", 1)]))
    assert image.size == size_for(1)


def test_no_tile_is_no_preview():
    with pytest.raises(ValueError, match="at least one pack"):
        compose([])


@pytest.mark.parametrize(
    ("count", "language", "expected"),
    [
        (1, "en", "1 portrait"),
        (8, "en", "8 portraits"),
        (1, "es", "1 retrato"),
        (12, "es", "12 retratos"),
    ],
)
def test_the_count_of_portraits_follows_the_languages_plural_rules(count, language, expected):
    assert portraits(count, language) == expected


PREVIEWS = replace(RULES, previews_url="https://img.example/previews/")


def intro(user: str, subject: str, rules=PREVIEWS):
    c = replace(Conversation.start(user), step=Step.SUBJECT)
    d = on_message(c, UserMessage(message_id="m1", text=subject, choice=subject), rules)
    assert d.conversation.step is Step.PHOTOS
    (reply,) = d.replies
    return reply


@pytest.mark.parametrize(
    ("user", "subject", "url", "words"),
    [
        (EN_USER, "woman", "https://img.example/previews/en/woman.jpg", "the styles you can"),
        (ES_USER, "dog", "https://img.example/previews/es/dog.jpg", "los estilos que podrás"),
    ],
)
def test_the_photo_instructions_come_under_the_picture_of_the_packs(user, subject, url, words):
    reply = intro(user, subject)
    assert reply.image_url == url
    assert words in (reply.text or "")


def test_without_previews_the_instructions_are_text():
    reply = intro(EN_USER, "woman", RULES)
    assert reply.image_url is None
    assert "8 to 20 photos" in (reply.text or "")


def test_the_titles_are_written_in_a_font_with_accents():
    written = font(26)
    assert isinstance(written, ImageFont.FreeTypeFont)
    assert written.getname()[0] == "DejaVu Sans"
