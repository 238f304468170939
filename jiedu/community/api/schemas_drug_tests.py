"""Pydantic schemas of /api/v1/drug-tests (community drug tests).

Text fields are one line (SINGLE_LINE) and no longer than the column they land in; choice fields
are Literals of the model's choices, so the OpenAPI document lists the codes.
"""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import StringConstraints

from jiedu.core.api import SINGLE_LINE

from ..choices import SampleType, TestResult, TestTier
from ..models import CommunityDrugTest

CLASS_CODE = r"^[a-z][a-z0-9_]{0,39}$"


def _line(field: str, min_length: int = 0):
    """One line of text no longer than the model's column `field`."""
    max_length = CommunityDrugTest._meta.get_field(field).max_length
    return Annotated[
        str, StringConstraints(pattern=SINGLE_LINE, max_length=max_length, min_length=min_length)
    ]


SampleLiteral = Literal[tuple(SampleType.values)]
TierLiteral = Literal[tuple(TestTier.values)]
ResultLiteral = Literal[tuple(TestResult.values)]
ClassResult = Literal["negative", "positive"]
ClassCode = Annotated[str, StringConstraints(pattern=CLASS_CODE)]
StaffName = Annotated[
    str, StringConstraints(pattern=SINGLE_LINE, min_length=1, max_length=50, strip_whitespace=True)
]


class DrugTestIn(Schema):
    measure: int = Field(
        ge=1,
        le=2**63 - 1,
        description="Id of the community measure (社区戒毒 or 社区康复, `/measures/{id}`). 404 "
        "when the caller may not see it or it has no community case",
    )
    taken_on: date = Field(
        description="Day the sample was taken (or the test refused or evaded): not in the future, "
        "not before the measure was served, not after it ended"
    )
    sample: SampleLiteral = Field(
        description="Sample type (吸毒检测程序规定 Art. 6 as amended: urine, saliva, blood, hair)"
    )
    tier: TierLiteral = Field(
        description="`onsite` 现场检测, `lab` 实验室检测, `lab_retest` 实验室复检 — the re-test "
        "at an institution other than the lab that did the lab test (吸毒检测程序规定 Art. 3–4)"
    )
    result: ResultLiteral = Field(
        description="Overall result. `positive` if and only if some class in `results` is "
        "positive (422 `results_mismatch` otherwise). `refused` and `evaded` are results too: "
        "they count toward a serious breach (戒毒条例 Art. 20) and need a `note`"
    )
    results: dict[ClassCode, ClassResult] = Field(
        default_factory=dict,
        description="Per drug class on the kit or in the lab report, e.g. "
        '`{"methamphetamine": "negative", "morphine": "positive"}`. Codes are lower-case '
        "(methamphetamine, morphine, ketamine, mdma, thc, cocaine, or others the report names). "
        "Empty for refused or evaded tests",
    )
    kit: _line("kit") = Field("", description="Kit and batch number (approved devices only)")
    cutoff: _line("cutoff") = Field(
        "",
        description="Positive cut-off printed on the device or in the lab report; no ng/mL "
        "threshold is built in",
    )
    institution: _line("institution") = Field(
        "",
        description="Institution that tested. Required for `lab_retest` that `checks` a lab test, "
        "and must differ from that lab's (422 `same_institution`)",
    )
    staff: list[StaffName] = Field(
        min_length=1,
        max_length=2,
        description="Names of the staff who took, sent and tested the sample: two different "
        "persons for a sample taken (吸毒检测程序规定 Art. 8; 422 `two_staff_required`), at least "
        "one for a refused or evaded test",
    )
    bottle_a: _line("bottle_a") = Field(
        "",
        description="Number of the sealed A bottle. A positive on-site urine, saliva or blood "
        "sample must be split into A and B bottles (Art. 8; 422 `bottles_required`)",
    )
    bottle_b: _line("bottle_b") = Field("", description="Number of the sealed B bottle")
    hair_segment_cm: int | None = Field(
        None,
        ge=1,
        le=100,
        description="Hair samples only (required then): the segment tested, in cm from the root; "
        "at most 3 (涉毒人员毛发样本检测规范; 422 `hair_segment_too_long`)",
    )
    checks: int | None = Field(
        None,
        ge=1,
        le=2**63 - 1,
        description="Id of the test this one checks: a `lab` test checks a positive `onsite` "
        "test, a `lab_retest` checks a positive `lab` test of the same case",
    )
    note: _line("note") = Field(
        "", description="What happened; required for `refused` and `evaded`"
    )
    external_id: _line("external_id") = Field(
        "",
        description="The device's or sending system's own id of the test: sending it again with "
        "the same contents returns the test already recorded (200); with other contents, 422 "
        "`external_id_conflict`",
    )


class DrugTestOut(Schema):
    id: int
    measure: int = Field(description="Id of the community measure")
    case: int = Field(description="Id of the community case")
    person: UUID = Field(description="The person's id (`/persons/{id}`)")
    person_name: str
    taken_on: date
    sample: SampleLiteral
    tier: TierLiteral
    result: ResultLiteral
    results: dict[str, ClassResult] = Field(description="Per drug class")
    kit: str
    cutoff: str
    institution: str
    staff: list[str] = Field(description="Names of the staff who tested")
    bottle_a: str
    bottle_b: str
    retain_until: date | None = Field(
        description="A/B bottles kept until this day (taken_on + 6 months, 吸毒检测程序规定 "
        "Art. 8; a missing day clamps to the month's end); null without bottles"
    )
    bottles_disposed_on: date | None = Field(description="Day the bottles were destroyed")
    objection_due_by: date | None = Field(
        description="Last day to object and apply for a lab test or re-test (taken_on + 3 days, "
        "吸毒检测程序规定 Art. 12, 15); set for positive on-site and lab results"
    )
    objection_on: date | None = Field(description="Day the person objected, if they did")
    hair_segment_cm: int | None
    use_window_from: date | None = Field(
        description="Positive hair: drug use falls between this day and `taken_on` (6 months, "
        "涉毒人员毛发样本检测规范 Art. 10)"
    )
    checks: int | None = Field(description="Id of the test this one checks")
    note: str
    external_id: str
    recorded_by: str
    created_at: datetime


class DrugTestCreated(DrugTestOut):
    serious_breach: bool = Field(
        description="The case now meets a ground of serious breach (戒毒条例 Art. 20: e.g. 3 or "
        "more refused or evaded tests)"
    )
    referral: int | None = Field(
        description="Id of the referral to the police this test opened or joined: for a positive "
        "test, suspected use during the measure (禁毒法 Art. 35; JX §五(七)3); for a refused or "
        "evaded test, the serious breach. Null when none"
    )


class DrugTestList(Schema):
    items: list[DrugTestOut]
    count: int = Field(description="Number of tests of the measure (all pages)")
