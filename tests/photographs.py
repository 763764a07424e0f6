"""Real photographs for the face check (tools/photographs/install.sh, run by `make setup`):
the ones scikit-image's wheel and matplotlib's carry, and composites of them."""

import os
from pathlib import Path

import matplotlib.cbook
from PIL import Image

SCIKIT_IMAGE = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    / "whatsapp-astria-bot/photographs/scikit-image-0.26.0"
)


def scikit_image(name: str) -> Image.Image:
    """astronaut (Eileen Collins), chelsea (a cat), coffee, camera (a man, from behind a camera)."""
    path = SCIKIT_IMAGE / f"{name}.png"
    if not path.exists():
        raise FileNotFoundError(f"{path}: run make setup (tools/photographs/install.sh)")
    return Image.open(path).convert("RGB")


def grace_hopper() -> Image.Image:
    return Image.open(
        matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    ).convert("RGB")


def two_people() -> Image.Image:
    """The astronaut and Grace Hopper side by side, at the sizes they come in."""
    hopper = grace_hopper().resize((437, 512))
    picture = Image.new("RGB", (1024, 640), (90, 90, 90))
    picture.paste(scikit_image("astronaut"), (0, 64))
    picture.paste(hopper, (560, 64))
    return picture


def far_away() -> Image.Image:
    """The astronaut, small in a large plain photo: her face about 90 px of 1600, near
    (772, 665)."""
    picture = Image.new("RGB", (1600, 1600), (120, 130, 140))
    picture.paste(scikit_image("astronaut").resize((500, 500)), (600, 600))
    return picture
