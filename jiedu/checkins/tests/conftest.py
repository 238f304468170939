"""Fixtures of the portal tests: an active community case, photos, and a stand-in for the face
model so that tests which do not compare faces never load it (test_face.py uses the real one).

    def test_x(portal, faces):
        p = portal()  # an active case, an account, an enrolled face ("same")
        with at_time("2024-03-10 09:05"):
            checkin, created = services.record_checkin(
                p.account,
                client_id=uuid4(),
                taken_at=moment("2024-03-10 09:00"),
                photo_bytes=make_photo("other"),  # someone else: no_match, to review
            )
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from PIL import Image

from jiedu.checkins import face, services
from jiedu.community.tests.conftest import (  # noqa: F401  (fixtures used by the tests here)
    at,
    community_case,
    community_measure,
    reported_case,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "Portal-pass-2024"
_phones = itertools.count(13800000001)


def moment(value: str) -> datetime:
    """'2024-03-10 09:00' in Asia/Shanghai."""
    return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)


def at_time(value: str):
    """`with at_time("2024-03-10 09:00"):` — the clock stands still then (Shanghai time)."""
    return time_machine.travel(moment(value), tick=False)


# --- Photos and a stand-in face model -----------------------------------------------------------

# Colours stand for faces: the stand-in model reads the colour of the first pixel.
COLOURS = {
    "same": (200, 40, 40),  # the enrolled person
    "similar": (40, 200, 40),  # the same person on another day: distance 0.45
    "other": (40, 40, 200),  # someone else: distance 0.9
    "noface": (255, 255, 255),  # a wall
}
_BASE = [0.0] * 128


def _vector(first: float) -> list[float]:
    return [first, *_BASE[1:]]


DESCRIPTORS = {
    COLOURS["same"]: _vector(0.0),
    COLOURS["similar"]: _vector(0.45),
    COLOURS["other"]: _vector(0.9),
    COLOURS["noface"]: None,
}


def make_photo(kind: str = "same", fmt: str = "PNG", size=(48, 48), exif=None) -> bytes:
    image = Image.new("RGB", size, COLOURS[kind])
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


@pytest.fixture
def photo():
    return make_photo


@dataclass
class FakeFaces:
    calls: int = 0

    def descriptor(self, image_bytes: bytes):
        self.calls += 1
        pixels = face._pixels(image_bytes)  # the real decoding: unreadable bytes still raise
        colour = tuple(int(v) for v in pixels[0, 0])
        return DESCRIPTORS.get(colour)


@pytest.fixture
def faces(monkeypatch):
    """The face model replaced by colours (see COLOURS); `faces.calls` counts comparisons."""
    fake = FakeFaces()
    monkeypatch.setattr(face, "descriptor", fake.descriptor)
    return fake


# --- An active case with a portal account -------------------------------------------------------


@dataclass
class Portal:
    case: object
    account: object
    phone: str
    password: str


@pytest.fixture
def portal(cast, community_case, faces):  # noqa: F811  (the imported fixture, requested)
    """An active 社区戒毒 case (served and reported 2024-03-01) whose person has a portal
    account (first password changed) and an enrolled face (the "same" colour)."""

    def build(name="张三", enrol=True, change_password=True, **kwargs):
        case = community_case(name=name, **kwargs)
        phone = str(next(_phones))
        with at_time("2024-03-01 10:00"):
            account = services.open_account(
                case.person, phone=phone, password="First-pass-2024", actor=cast.worker_a
            )
            if change_password:
                account = services.change_password(account, old="First-pass-2024", new=PASSWORD)
            if enrol:
                services.enrol_face(
                    account,
                    photo_bytes=make_photo("same"),
                    on=moment("2024-03-01 10:00").date(),
                    actor=cast.worker_a,
                )
        account.refresh_from_db()
        return Portal(case=case, account=account, phone=phone, password=PASSWORD)

    return build


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Photos written by the tests go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
