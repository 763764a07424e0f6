"""Synthetic selfies, so a person can finish the journey without their own photos.

Each is a different, camera-like picture of a cartoon face: enough colour and
detail to pass the image service's checks, and never the same twice.
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
    skin = tuple(rng.randrange(140, 235) for _ in range(3))
    scale = rng.uniform(0.6, 1.1)
    rx, ry = int(210 * scale), int(280 * scale)
    cx = rng.randrange(rx + 20, width - rx - 20)
    cy = rng.randrange(ry + 40, height - ry - 120)
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=skin)  # face
    hair = tuple(rng.randrange(20, 120) for _ in range(3))
    draw.chord((cx - rx - 20, cy - ry - 40, cx + rx + 20, cy + ry // 5), 180, 360, fill=hair)
    eye = int(85 * scale)
    for dx in (-eye, eye):  # eyes
        draw.ellipse((cx + dx - 30, cy - 40, cx + dx + 30, cy), fill=(250, 250, 250))
        draw.ellipse((cx + dx - 12, cy - 30, cx + dx + 12, cy - 6), fill=(40, 30, 20))
    draw.arc(
        (cx - eye, cy + ry // 4, cx + eye, cy + ry // 2), 20, 160, fill=(150, 40, 50), width=10
    )
    shirt = tuple(rng.randrange(256) for _ in range(3))
    draw.rectangle((cx - rx - 60, cy + ry + 20, cx + rx + 60, height), fill=shirt)
    picture = Image.blend(background.filter(ImageFilter.GaussianBlur(2)), noise, 0.12)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=88)
    return out.getvalue()
