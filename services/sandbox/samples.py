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
    for y in range(height):
        mix = y / height
        color = tuple(int(top[i] * (1 - mix) + bottom[i] * mix) for i in range(3))
        draw.line([(0, y), (width, y)], fill=color)
    skin = tuple(rng.randrange(140, 235) for _ in range(3))
    cx, cy = width // 2 + rng.randrange(-60, 60), height // 2 + rng.randrange(-60, 40)
    draw.ellipse((cx - 210, cy - 280, cx + 210, cy + 280), fill=skin)  # face
    hair = tuple(rng.randrange(20, 120) for _ in range(3))
    draw.chord((cx - 230, cy - 320, cx + 230, cy + 60), 180, 360, fill=hair)
    for dx in (-85, 85):  # eyes
        draw.ellipse((cx + dx - 30, cy - 40, cx + dx + 30, cy), fill=(250, 250, 250))
        draw.ellipse((cx + dx - 12, cy - 30, cx + dx + 12, cy - 6), fill=(40, 30, 20))
    draw.arc((cx - 90, cy + 60, cx + 90, cy + 170), 20, 160, fill=(150, 40, 50), width=10)
    draw.rectangle(
        (cx - 260, cy + 300, cx + 260, height), fill=tuple(rng.randrange(256) for _ in range(3))
    )
    picture = Image.blend(background.filter(ImageFilter.GaussianBlur(2)), noise, 0.12)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=88)
    return out.getvalue()
