"""Synthetic selfies, so a person can finish the journey without their own photos.

Each is a different, camera-like picture of a cartoon face: enough colour and
detail to pass the image service's checks (its face check included), and never the
same twice.
"""

import io
import random
from functools import cache

from PIL import Image, ImageDraw, ImageFilter

COUNT = 10


@cache
def sample(number: int) -> bytes:
    rng = random.Random(number)
    width, height = 768, 1024
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    top = tuple(rng.randrange(60, 200) for _ in range(3))
    bottom = tuple(rng.randrange(60, 200) for _ in range(3))
    background = Image.new("RGB", (width, height), top)
    draw = ImageDraw.Draw(background)
    # Light from a different side in each: the structure differs, not just the colours.
    vertical = number % 2 == 0
    span = height if vertical else width
    for i in range(span):
        mix = i / span
        color = tuple(int(top[c] * (1 - mix) + bottom[c] * mix) for c in range(3))
        draw.line([(0, i), (width, i)] if vertical else [(i, 0), (i, height)], fill=color)
    draw_face(draw, rng, width, height)
    picture = Image.blend(background.filter(ImageFilter.GaussianBlur(3)), noise, 0.10)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=88)
    return out.getvalue()


def draw_face(draw: ImageDraw.ImageDraw, rng: random.Random, width: int, height: int) -> None:
    """A head and shoulders the image service's face check finds: brows and eye sockets
    darker than the cheeks, a lighter nose between them, as a frontal face's light falls."""
    tone = rng.randrange(150, 225)
    skin = (tone + 20, tone, tone - 30)

    def shade(factor: float) -> tuple[int, ...]:
        return tuple(int(c * factor) for c in skin)

    scale = rng.uniform(0.6, 1.0) * min(width / 768, height / 1024)

    def px(value: float) -> int:
        return int(value * scale)

    rx, ry = px(200), px(260)
    cx = rng.randrange(rx + px(30), width - rx - px(30))
    cy = rng.randrange(ry + px(60), height - ry - px(140))
    hair = tuple(rng.randrange(20, 90) for _ in range(3))
    draw.ellipse((cx - rx - px(25), cy - ry - px(45), cx + rx + px(25), cy + ry // 2), fill=hair)
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=skin)
    eye, ey, ew, eh = px(80), cy - px(50), px(42), px(20)
    for dx in (-eye, eye):
        x = cx + dx
        draw.ellipse(
            (x - ew - px(10), ey - eh - px(12), x + ew + px(10), ey + eh + px(8)), fill=shade(0.72)
        )
        draw.rectangle(
            (x - ew - px(6), ey - eh - px(30), x + ew + px(6), ey - eh - px(16)), fill=hair
        )
        draw.ellipse((x - ew, ey - eh, x + ew, ey + eh), fill=(225, 225, 220))
        draw.ellipse((x - eh, ey - eh, x + eh, ey + eh), fill=(45, 35, 25))
    nose, tip = px(18), cy + px(60)
    draw.polygon([(cx, ey + px(10)), (cx - nose, tip), (cx + nose, tip)], fill=shade(0.85))
    mw, mh, my = px(60), px(14), cy + px(120)
    draw.ellipse((cx - mw, my - mh, cx + mw, my + mh), fill=(140, 50, 55))
    neck = int(rx * 0.35)
    draw.rectangle((cx - neck, cy + ry - px(10), cx + neck, cy + ry + px(40)), fill=shade(0.9))
    shirt = tuple(rng.randrange(256) for _ in range(3))
    body = (cx - rx - px(90), cy + ry + px(30), cx + rx + px(90), height + px(50))
    draw.rounded_rectangle(body, radius=px(80), fill=shirt)
