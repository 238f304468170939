"""Pydantic schemas of /api/v1/absences (time away from the county of execution).

Text fields are one line (SINGLE_LINE) and no longer than the column they land in.
"""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import StringConstraints

from jiedu.core.api import SINGLE_LINE

from ..models import Absence


def _line(field: str):
    """One line of text no longer than the model's column `field`."""
    max_length = Absence._meta.get_field(field).max_length
    return Annotated[str, StringConstraints(pattern=SINGLE_LINE, max_length=max_length)]


class AbsenceIn(Schema):
    measure: int = Field(
        ge=1,
        le=2**63 - 1,
        description="Id of the community measure (社区戒毒 or 社区康复, `/measures/{id}`). 404 "
        "when the caller may not see it or it has no community case",
    )
    left_on: date = Field(
        description="Day the person left the county of execution: not in the future, not before "
        "the measure was served, not after it ended"
    )
    returned_on: date | None = Field(
        None, description="Day the person came back (counted as a day away); null while away"
    )
    approved: bool | None = Field(
        None,
        description="Whether the absence was approved. Null: derived from the approved leave "
        "covering the days — the days inside it are approved, days before or after it are an "
        "unapproved absence of their own. An unapproved absence counts toward a serious "
        "breach (戒毒条例 Art. 20)",
    )
    destination: _line("destination") = ""
    note: Annotated[str, StringConstraints(pattern=SINGLE_LINE, max_length=150)] = ""
    external_id: _line("external_id") = Field(
        "",
        description="The sending system's own id of the absence: sending it again returns the "
        "absence already recorded (200) instead of recording a second one",
    )


class AbsenceOut(Schema):
    id: int
    measure: int
    case: int
    person: UUID = Field(description="The person's id (`/persons/{id}`)")
    person_name: str
    left_on: date
    returned_on: date | None
    days: int = Field(
        description="Days away counted inclusively, from `left_on` to `returned_on` (today while "
        "away)"
    )
    approved: bool
    leave: int | None = Field(description="The leave request the absence falls under, if any")
    destination: str
    note: str
    external_id: str
    recorded_by: str
    created_at: datetime


class BreachThresholds(Schema):
    refused_or_evaded_tests: int = Field(description="N or more (戒毒条例 Art. 20: 3次以上)")
    unapproved_absences: int = Field(description="N or more (戒毒条例 Art. 20: 3次以上)")
    unapproved_days_away: int = Field(
        description="More than N days in total (戒毒条例 Art. 20: 累计超过30日)"
    )


class BreachCounts(Schema):
    refused_or_evaded_tests: int
    unapproved_absences: int
    unapproved_days_away: int
    thresholds: BreachThresholds
    met: list[Literal["refused_tests", "absences", "days_away"]]
    since: date | None = Field(description="The day the first ground was met")


class AbsenceCreated(Schema):
    absence: AbsenceOut = Field(description="The absence as recorded (its first day)")
    split: list[AbsenceOut] = Field(
        description="Further rows the absence was split into at an approved leave's dates: the "
        "unapproved days before the leave began or after its return day"
    )
    serious_breach: bool = Field(
        description="Whether the case's facts now meet 戒毒条例 Art. 20 (serious breach)"
    )
    serious_breach_counts: BreachCounts
    referral: int | None = Field(
        description="The open serious-breach referral to the police (draft or reported), if any"
    )


class AbsenceList(Schema):
    items: list[AbsenceOut]
    count: int
