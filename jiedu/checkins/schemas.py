"""Request and answer shapes of /api/v1/checkins."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import AwareDatetime

from .choices import FaceStatus, ReviewOutcome

FaceStatusLiteral = Literal[tuple(FaceStatus.values)]
ReviewOutcomeLiteral = Literal[("", *ReviewOutcome.values)]


class CheckInIn(Schema):
    """The form fields of a check-in (multipart, with the `photo` file)."""

    client_id: UUID = Field(
        description="Generated on the phone when the check-in starts; sending the same id again "
        "returns the first check-in (200) instead of making a second"
    )
    taken_at: AwareDatetime = Field(
        description="When the photo was taken, with its time zone; at most 10 minutes ahead of "
        "the server and at most 3 days old (a check-in kept offline is sent late). Its day in "
        "Asia/Shanghai is the check-in's day"
    )
    latitude: float | None = Field(None, ge=-90, le=90, description="WGS 84, if the phone gave it")
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy_m: int | None = Field(None, ge=0, le=1_000_000, description="Metres")


class CheckInOut(Schema):
    id: int
    client_id: UUID
    on: date = Field(description="The check-in's day (the day the photo was taken)")
    face_status: FaceStatusLiteral = Field(
        description="The enrolled face against the photo: `pending` until the background "
        "comparison has run (a new check-in is answered so), then `match`, or one of "
        "`no_match`, `no_face`, `not_enrolled`, `unreadable`, which the worker reviews"
    )
    needs_review: bool = Field(
        description="True when face verification did not confirm the person: the check-in "
        "waits for the worker's review, never for an automatic penalty"
    )
    received_at: datetime


class CheckInItem(Schema):
    id: int
    measure: int
    person: UUID
    client_id: UUID
    on: date
    taken_at: datetime
    received_at: datetime
    latitude: float | None
    longitude: float | None
    accuracy_m: int | None
    face_status: FaceStatusLiteral
    face_distance: float | None = Field(description="Descriptor distance (dlib ResNet)")
    face_threshold: float | None = Field(description="The distance up to which it is a match")
    needs_review: bool
    review_outcome: ReviewOutcomeLiteral
    reviewed_by: str
    has_photo: bool


class CheckInList(Schema):
    items: list[CheckInItem]
    count: int


class CheckInListParams(Schema):
    measure: int = Field(description="The community measure whose check-ins to list")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)
