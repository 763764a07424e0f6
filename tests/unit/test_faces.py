"""The face check on real photographs (scikit-image's and matplotlib's), composites of
them, and the sandbox's samples."""

import io

import pytest
from PIL import Image, ImageEnhance, ImageOps

from services.image.domain.faces import Face, face_problem, find_faces
from services.image.domain.photos import PhotoRejected, check
from services.message.domain.language import Language
from services.message.domain.texts import REJECTIONS
from services.sandbox import samples
from shared.events.image import PhotoRefusal
from tests import photographs
from tests.imagery import encode


def tilted(picture: Image.Image, angle: int) -> Image.Image:
    return picture.rotate(angle, Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))


def variants(picture: Image.Image) -> dict[str, Image.Image]:
    """What a phone does to the same face: mirrored, tilted, darker, lighter, grey,
    squeezed by JPEG, cropped, or larger."""
    width, height = picture.size
    return {
        "as is": picture,
        "mirrored": ImageOps.mirror(picture),
        **{
            f"tilted {angle}°": picture.rotate(
                angle, Image.Resampling.BICUBIC, fillcolor=(128,) * 3
            )
            for angle in (-12, -6, 6, 12)
        },
        "darker": ImageEnhance.Brightness(picture).enhance(0.6),
        "lighter": ImageEnhance.Brightness(picture).enhance(1.4),
        "flat": ImageEnhance.Contrast(picture).enhance(0.6),
        "grey": picture.convert("L").convert("RGB"),
        "JPEG 30": Image.open(io.BytesIO(encode(picture, "JPEG", quality=30))),
        "cropped": picture.crop((width // 8, 0, width - width // 8, height - height // 6)),
        "twice as large": picture.resize((width * 2, height * 2)),
    }


def test_one_real_face_passes_however_the_phone_took_it():
    faces = {
        f"{who}, {how}": picture
        for who, original in (
            ("astronaut", photographs.scikit_image("astronaut")),
            ("Grace Hopper", photographs.grace_hopper()),
        )
        for how, picture in variants(original).items()
    }
    refused = {name: face_problem(p) for name, p in faces.items() if face_problem(p)}
    assert refused == {}, f"{len(refused)} false refusals of {len(faces)}"


@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_a_photo_without_a_person_has_no_face(name):
    assert face_problem(photographs.scikit_image(name)) is PhotoRefusal.NO_FACE


def test_two_people_are_several_people():
    assert len(find_faces(photographs.two_people())) == 2
    assert face_problem(photographs.two_people()) is PhotoRefusal.SEVERAL_PEOPLE


def test_a_face_far_away_is_too_small():
    [face] = find_faces(photographs.far_away())
    assert max(abs(face.x - 772), abs(face.y - 665)) < 30  # hers, not a false match
    assert face_problem(photographs.far_away()) is PhotoRefusal.FACE_TOO_SMALL


def test_every_sandbox_sample_shows_one_face():
    for number in range(1, samples.COUNT + 1):
        picture = Image.open(io.BytesIO(samples.sample(number)))
        assert face_problem(picture) is None, number


def test_a_box_within_a_box_is_one_face():
    assert Face(100, 100, 200).holds_centre_of(Face(150, 150, 120))
    assert not Face(100, 100, 200).holds_centre_of(Face(320, 100, 200))


def test_the_check_refuses_a_faceless_photo_unless_it_is_of_a_pet_and_two_people():
    faceless = encode(photographs.scikit_image("coffee").resize((768, 512)))
    with pytest.raises(PhotoRejected) as refused:
        check(faceless)
    assert refused.value.reason is PhotoRefusal.NO_FACE
    assert check(faceless, faces=False).width == 768
    with pytest.raises(PhotoRejected) as refused:
        check(encode(photographs.two_people()))
    assert refused.value.reason is PhotoRefusal.SEVERAL_PEOPLE


@pytest.mark.parametrize("language", list(Language))
def test_every_refusal_has_its_own_words(language):
    said = {reason: REJECTIONS[language].get(reason.value) for reason in PhotoRefusal}
    assert None not in said.values()
    assert len(set(said.values())) == len(said)
