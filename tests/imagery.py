"""Real image bytes for tests: synthetic 'photos' with camera-like detail."""

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw

from services.sandbox.samples import draw_face


def photo(width=800, height=1000, seed=1, marker=None, face=True) -> Image.Image:
    """Noise over gradients: thousands of colours, as a camera photo has; and, unless told
    otherwise, a face the face check finds."""
    rng = random.Random(seed)
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    red = Image.linear_gradient("L").resize((width, height))
    blue = red.rotate(90).resize((width, height))
    gradient = Image.merge("RGB", (red, Image.new("L", (width, height), 120), blue))
    image = Image.blend(gradient, noise, 0.2)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        color = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x, y, x + width // 12, y + height // 14), fill=color)
    if face:
        draw_face(draw, rng, width, height)
    if marker:  # a red block in the top-left corner, to check orientation
        draw.rectangle((0, 0, width // 8, height // 8), fill=(255, 0, 0))
    return image


def encode(image: Image.Image, fmt="JPEG", **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def jpeg_with_gps(width=800, height=1000) -> bytes:
    image = photo(width, height)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (40.0, 25.0, 0.0), 3: "W", 4: (3.0, 42.0, 0.0)}
    exif[0x8825] = gps  # GPSInfo
    return encode(image, "JPEG", exif=exif.tobytes())


def rotated_jpeg() -> bytes:
    """Stored landscape with the marker top-left, EXIF says 'rotate 90° clockwise': the
    face comes out upright."""
    stored = photo(800, 1000).transpose(Image.Transpose.ROTATE_90)
    ImageDraw.Draw(stored).rectangle((0, 0, 1000 // 8, 800 // 8), fill=(255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(stored, "JPEG", exif=exif.tobytes())


def screenshot_png() -> bytes:
    image = Image.new("RGB", (1080, 2340), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1080, 160), fill=(7, 94, 84))
    for row in range(12):
        draw.rounded_rectangle(
            (40, 220 + row * 170, 900, 360 + row * 170), 20, fill=(255, 255, 255)
        )
        draw.text((70, 260 + row * 170), f"message {row}", fill=(20, 20, 20))
    return encode(image, "PNG")


def decompression_bomb(width=20000, height=20000) -> bytes:
    """A tiny PNG that claims to be 400 megapixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
