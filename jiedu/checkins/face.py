"""Face verification of check-in photos with dlib's ResNet face descriptor.

dlib is called directly: the `face_recognition` wrapper needs `pkg_resources`, which modern
setuptools no longer ships. The model files come from the `face-recognition-models` package:
the HOG frontal face detector (built into dlib), the 5-point landmark predictor (aligns the face)
and the ResNet network that maps an aligned face to a 128-d descriptor. Two photos of one person
lie within about 0.6 of each other (Euclidean distance; dlib's documented operating point).

The models load once per process, on first use (about a second), so pages and tests that never
compare a face never pay for it. dlib's objects are not documented as thread-safe, so every
computation holds one lock: a check-in takes about 0.3 s, far below what a township sends.
"""

from __future__ import annotations

import importlib.resources
import io
import math
import threading
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from .choices import FaceStatus

# Phone photos are 12+ megapixels; faces are found as well at 1024 px and four times faster.
MAX_SIDE = 1024
# A small file that decodes to a huge canvas (a decompression bomb) is refused unread.
MAX_PIXELS = 50_000_000
UPSAMPLE = 1  # look for faces down to ~40 px in the 1024 px image


class UnreadableImage(ValueError):
    """The bytes are not an image Pillow can decode (truncated, another format, empty)."""


@dataclass(frozen=True)
class _Models:
    detector: object
    predictor: object
    encoder: object


_models: _Models | None = None
_load_lock = threading.Lock()
_compute_lock = threading.Lock()


def model_dir():
    return importlib.resources.files("face_recognition_models") / "models"


def _load() -> _Models:
    global _models
    if _models is None:
        with _load_lock:
            if _models is None:
                import dlib  # imported here: a process that never compares faces never loads it

                models = model_dir()
                with (
                    importlib.resources.as_file(
                        models / "shape_predictor_5_face_landmarks.dat"
                    ) as predictor_path,
                    importlib.resources.as_file(
                        models / "dlib_face_recognition_resnet_model_v1.dat"
                    ) as encoder_path,
                ):
                    _models = _Models(
                        detector=dlib.get_frontal_face_detector(),
                        predictor=dlib.shape_predictor(str(predictor_path)),
                        encoder=dlib.face_recognition_model_v1(str(encoder_path)),
                    )
    return _models


def load_models() -> None:
    """Load the models now (a test session or a worker process warming up)."""
    _load()


def _pixels(image_bytes: bytes):
    import numpy as np

    if not image_bytes:
        raise UnreadableImage("empty")
    try:
        with Image.open(io.BytesIO(image_bytes)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableImage("image too large")
            image = ImageOps.exif_transpose(image)  # the camera's orientation, as people see it
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            return np.asarray(image, dtype=np.uint8).copy()
    except UnreadableImage:
        raise
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        raise UnreadableImage("cannot decode") from None


def descriptor(image_bytes: bytes) -> list[float] | None:
    """The 128-d descriptor of the largest face in the photo; None when there is no face.

    Raises UnreadableImage when the bytes are not a decodable image.
    """
    pixels = _pixels(image_bytes)
    models = _load()
    with _compute_lock:
        faces = models.detector(pixels, UPSAMPLE)
        if len(faces) == 0:
            return None
        # Several faces (someone behind the person): the largest is the one holding the phone.
        face = max(faces, key=lambda r: r.width() * r.height())
        shape = models.predictor(pixels, face)
        values = models.encoder.compute_face_descriptor(pixels, shape)
    return [float(v) for v in values]


def distance(a, b) -> float:
    """Euclidean distance between two descriptors."""
    if len(a) != len(b):
        raise ValueError("descriptors of different lengths")
    return math.sqrt(sum((float(x) - float(y)) ** 2 for x, y in zip(a, b, strict=True)))


def verify(enrolled_descriptor, photo_bytes: bytes, threshold: float):
    """(FaceStatus, distance or None): the check-in photo against the enrolled descriptor.

    MATCH when the distance is at most `threshold`; anything else is for a person to review.
    """
    if not enrolled_descriptor:
        return FaceStatus.NOT_ENROLLED, None
    try:
        found = descriptor(photo_bytes)
    except UnreadableImage:
        return FaceStatus.UNREADABLE, None
    if found is None:
        return FaceStatus.NO_FACE, None
    d = distance(enrolled_descriptor, found)
    return (FaceStatus.MATCH if d <= threshold else FaceStatus.NO_MATCH), d
