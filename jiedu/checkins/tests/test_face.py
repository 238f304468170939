"""Face verification on dlib's real ResNet model, with public-domain photos that installed
packages ship: scikit-image's `astronaut` (Eileen Collins, NASA) and matplotlib's
`grace_hopper`. The model loads once per test process (about a second)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from jiedu.checkins import face
from jiedu.checkins.choices import FaceStatus

skimage_data = pytest.importorskip("skimage.data")
cbook = pytest.importorskip("matplotlib.cbook")

THRESHOLD = 0.6  # rule checkins.face.max_distance_x100 default (dlib's operating point)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# Session-scoped: with xdist, tests of several modules interleave on a worker, and a module
# fixture would be built again each time the worker comes back to this module.
def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    astronaut = Image.fromarray(skimage_data.astronaut())
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        hopper = f.read()
    rotated = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # EXIF orientation: the camera was turned; viewers rotate it back
    astronaut.rotate(90, expand=True).save(rotated, format="JPEG", exif=exif)
    return {
        "astronaut": _png(astronaut),
        "astronaut_flipped": _png(astronaut.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
        "astronaut_small": _png(astronaut.resize((256, 256))),
        "astronaut_large": _jpeg(astronaut.resize((2048, 2048))),
        "astronaut_exif_rotated": rotated.getvalue(),
        "grace_hopper": hopper,
        "coffee": _png(Image.fromarray(skimage_data.coffee())),
    }


@pytest.fixture(scope="session")
def enrolled(photos) -> list[float]:
    face.load_models()
    return face.descriptor(photos["astronaut"])


def test_a_descriptor_has_128_numbers(enrolled):
    assert len(enrolled) == 128
    assert all(isinstance(v, float) for v in enrolled)


@pytest.mark.parametrize(
    "variant", ["astronaut_flipped", "astronaut_small", "astronaut_large", "astronaut_exif_rotated"]
)
def test_the_same_person_matches_after_flip_rescale_and_rotation(photos, enrolled, variant):
    status, distance = face.verify(enrolled, photos[variant], THRESHOLD)
    assert status == FaceStatus.MATCH
    assert distance < 0.3


def test_a_different_person_does_not_match(photos, enrolled):
    status, distance = face.verify(enrolled, photos["grace_hopper"], THRESHOLD)
    assert status == FaceStatus.NO_MATCH
    assert distance > THRESHOLD


def test_a_photo_without_a_face_has_no_descriptor(photos, enrolled):
    assert face.descriptor(photos["coffee"]) is None
    assert face.verify(enrolled, photos["coffee"], THRESHOLD) == (FaceStatus.NO_FACE, None)


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
def test_unreadable_bytes_are_reported_as_unreadable(enrolled, data):
    with pytest.raises(face.UnreadableImage):
        face.descriptor(data)
    assert face.verify(enrolled, data, THRESHOLD) == (FaceStatus.UNREADABLE, None)


def test_without_an_enrolled_face_nothing_is_compared(photos):
    assert face.verify([], photos["astronaut"], THRESHOLD) == (FaceStatus.NOT_ENROLLED, None)


def test_the_largest_face_is_the_one_compared(photos, enrolled):
    """Someone small in the background does not decide the check-in."""
    person = Image.open(io.BytesIO(photos["astronaut"])).convert("RGB")
    other = Image.open(io.BytesIO(photos["grace_hopper"])).convert("RGB").resize((120, 140))
    canvas = Image.new("RGB", (person.width + other.width, person.height), "white")
    canvas.paste(person, (0, 0))
    canvas.paste(other, (person.width, person.height - other.height))
    status, _distance = face.verify(enrolled, _png(canvas), THRESHOLD)
    assert status == FaceStatus.MATCH


def test_distance_is_euclidean():
    assert face.distance([0.0, 3.0], [4.0, 0.0]) == pytest.approx(5.0)
    with pytest.raises(ValueError):
        face.distance([0.0], [0.0, 1.0])
