"""Is there one face, big enough to learn from? Most bad portraits come from photos
without one, with several people, or with a face too small.

OpenCV's frontal-face Haar cascade ships inside the opencv-python-headless wheel and
loads offline. It looks for faces down to 24 px on a copy of the photo scaled to
DETECT_LONG_SIDE, so a face is found from 3% of the photo's long side. A match the
cascade is less sure of than MIN_CONFIDENCE is not a face: its false matches (a cat, the
edge of a pasted picture) scored 0.9 to 2.7 in tests/unit/test_faces.py, the faces of
real photographs 3.9 to 7.5. One face narrower than MIN_FACE_SHARE of the short side is
too small to train on. A second face at least COMPANION_SHARE the size of the largest is
another person; smaller ones (a poster, a passer-by far behind) do not count.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from shared.events.image import PhotoRefusal

DETECT_LONG_SIDE = 800
MIN_CONFIDENCE = 3.0
MIN_FACE_SHARE = 0.10
COMPANION_SHARE = 0.35
_CASCADE = str(Path(cv2.__file__).parent / "data" / "haarcascade_frontalface_default.xml")


@dataclass(frozen=True)
class Face:
    x: int
    y: int
    size: int  # the cascade's boxes are square, in the photo's own pixels

    def holds_centre_of(self, other: "Face") -> bool:
        cx, cy = other.x + other.size / 2, other.y + other.size / 2
        return self.x <= cx <= self.x + self.size and self.y <= cy <= self.y + self.size


# A classifier is not safe to share between threads; the handlers run on several.
_local = threading.local()


def _classifier() -> cv2.CascadeClassifier:
    classifier = getattr(_local, "classifier", None)
    if classifier is None:
        classifier = cv2.CascadeClassifier(_CASCADE)
        if classifier.empty():
            raise RuntimeError(f"OpenCV's face cascade did not load from {_CASCADE}")
        _local.classifier = classifier
    return classifier


def find_faces(image: Image.Image) -> list[Face]:
    """Faces in the photo, largest first, each once."""
    scale = min(1.0, DETECT_LONG_SIDE / max(image.size))
    small = image.convert("L")
    if scale < 1.0:
        size = (round(image.width * scale), round(image.height * scale))
        small = small.resize(size, Image.Resampling.BILINEAR)
    grey = cv2.equalizeHist(np.asarray(small))
    boxes, _levels, confidences = _classifier().detectMultiScale3(
        grey, scaleFactor=1.1, minNeighbors=3, minSize=(24, 24), outputRejectLevels=True
    )
    found = sorted(
        (
            Face(round(x / scale), round(y / scale), round(w / scale))
            for (x, y, w, _h), confidence in zip(boxes, confidences, strict=True)
            if confidence >= MIN_CONFIDENCE
        ),
        key=lambda face: face.size,
        reverse=True,
    )
    # The cascade can match one face twice, a box within a box: that is one person.
    faces: list[Face] = []
    for face in found:
        if not any(kept.holds_centre_of(face) for kept in faces):
            faces.append(face)
    return faces


def face_problem(image: Image.Image) -> PhotoRefusal | None:
    """What is wrong with the photo's faces, or None for exactly one of usable size."""
    faces = find_faces(image)
    if not faces:
        return PhotoRefusal.NO_FACE
    largest = faces[0].size
    if sum(face.size >= largest * COMPANION_SHARE for face in faces) > 1:
        return PhotoRefusal.SEVERAL_PEOPLE
    if largest < min(image.size) * MIN_FACE_SHARE:
        return PhotoRefusal.FACE_TOO_SMALL
    return None
