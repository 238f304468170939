from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import StringConstraints

from jiedu.core.api import SINGLE_LINE
from jiedu.facilities.choices import PregnancyTest

from .choices import EndReason, IsolationGround, MeasureKind, MeasureStatus

# One line of text (see SINGLE_LINE); lengths are those of the columns the text lands in.
Line = Annotated[str, StringConstraints(pattern=SINGLE_LINE)]
UnitCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]+$", max_length=32)]
# 20 characters × 4 officers (joined with "、") fit Admission.searched_by (100).
OfficerName = Annotated[str, StringConstraints(pattern=SINGLE_LINE, max_length=20)]

KindLiteral = Literal[tuple(MeasureKind.values)]
StatusLiteral = Literal[tuple(MeasureStatus.values)]
GroundLiteral = Literal[("", *IsolationGround.values)]
EndReasonLiteral = Literal[tuple(EndReason.values)]
PregnancyTestLiteral = Literal[tuple(PregnancyTest.values)]

_ON = "The day it happened; not in the future, not before the measure's previous event"


# --- Answers -----------------------------------------------------------------------------------


class MeasureItem(Schema):
    id: int
    person: UUID = Field(description="The person's id (`/persons/{id}`)")
    person_name: str
    kind: KindLiteral = Field(
        description="禁毒法 ch. 4: 社区戒毒 (Art. 33), 强制隔离戒毒 (Art. 38), "
        "社区康复 (Art. 48), 自愿戒毒 (Art. 36)"
    )
    status: StatusLiteral
    deciding_organ: str | None = Field(
        description="Code of the deciding police organ (禁毒法 Art. 33, 38); none for voluntary"
    )
    decision_number: str
    decided_on: date
    served_on: date
    executing_unit: str = Field(
        description="Code of the unit executing the measure now (township, facility, clinic)"
    )
    ground: str = Field(description="Ground of a compulsory-isolation decision (禁毒法 Art. 38)")
    term_months: int = Field(
        description="3 years for 社区戒毒 (禁毒法 Art. 33), 2 years for 强制隔离戒毒 "
        "(Art. 47), at most 3 years for 社区康复 (Art. 48), the agreement's for 自愿戒毒"
    )
    extension_months: int = Field(description="At most 12 (禁毒法 Art. 47)")
    previous: int | None = Field(
        description="The measure this one follows (converted from, or the isolation it follows)"
    )
    reported_on: date | None = Field(description="报到 (戒毒条例 Art. 14, 38)")
    admitted_on: date | None = Field(description="入所, or the start of voluntary treatment")
    transferred_on: date | None = Field(
        description="Moved to a judicial facility (戒毒条例 Art. 27)"
    )
    ended_on: date | None
    end_reason: str
    term_start: date | None = Field(
        description="Isolation: the decision day (戒毒条例 Art. 27); community: the day the "
        "person reported (戒毒条例 Art. 14)"
    )
    term_end: date | None = Field(
        description="Last day of the term, days on escape (戒毒条例 Art. 32) or suspended "
        "(戒毒条例 Art. 24) added back"
    )
    early_release_from: date | None = Field(
        description="Isolation: early release possible from 1 year after the decision "
        "(禁毒法 Art. 47)"
    )
    latest_end_with_extension: date | None = Field(
        description="Isolation: the term end with the longest extension, 1 year (禁毒法 Art. 47)"
    )
    transfer_due_from: date | None = Field(
        description="Isolation: transfer from the police facility from 3 months "
        "(戒毒条例 Art. 27; a province may set its own window)"
    )
    transfer_due_by: date | None = Field(
        description="Isolation: transfer by 6 months (戒毒条例 Art. 27)"
    )
    police_stage_limit: date | None = Field(
        description="Isolation: never more than 12 months in the police facility (戒毒条例 Art. 27)"
    )
    report_due_by: date | None = Field(
        description="Community: report within 15 days of service (戒毒条例 Art. 14, 38; a "
        "province may set fewer days)"
    )
    paused_days: int = Field(
        description="Days not counted toward the term: on escape (戒毒条例 Art. 32) or "
        "suspended (戒毒条例 Art. 24)"
    )


class MeasureList(Schema):
    items: list[MeasureItem]
    count: int


class BlockerOut(Schema):
    code: str = Field(description="`less_than_one_year` (禁毒法 Art. 47) or a recorded bar")
    message: str = Field(description="In Chinese, citing the rule")
    message_en: str


class PauseOut(Schema):
    kind: Literal["escape", "suspension"] = Field(
        description="脱逃 (戒毒条例 Art. 32) or 中止 (戒毒条例 Art. 24)"
    )
    started_on: date
    ended_on: date | None = Field(description="None while the pause lasts")


class NoticeOut(Schema):
    kind: str = Field(description="A notice the law requires (domain.md §6.5)")
    recipient: str
    due_on: date
    sent_on: date | None


class BreachThresholdsOut(Schema):
    refused_or_evaded_tests: int = Field(description="N or more (戒毒条例 Art. 20: 3次以上)")
    unapproved_absences: int = Field(description="N or more (戒毒条例 Art. 20: 3次以上)")
    unapproved_days_away: int = Field(
        description="More than N days in total (戒毒条例 Art. 20: 累计超过30日)"
    )


class SeriousBreachCountsOut(Schema):
    """The counts behind 戒毒条例 Art. 20 as of today (community measures)."""

    refused_or_evaded_tests: int = Field(description="Days with a refused or evaded drug test")
    unapproved_absences: int = Field(
        description="Times away from the county of execution without approval"
    )
    unapproved_days_away: int = Field(
        description="Days away without approval, counted inclusively (an absence still open "
        "counts up to today; overlapping absences count each day once)"
    )
    thresholds: BreachThresholdsOut
    met: list[Literal["refused_tests", "absences", "days_away"]] = Field(
        description="The grounds of 戒毒条例 Art. 20 the counts meet"
    )
    since: date | None = Field(description="The day the first ground was met")
    recorded_since: date | None = Field(
        description="The breach day recorded on the case when it was detected"
    )
    source: str = Field(description="The rule the thresholds come from")


class MeasureDetail(MeasureItem):
    followed_by: int | None = Field(
        description="The measure that follows this one (社区康复 ordered at release, or the "
        "isolation a community measure was converted to)"
    )
    early_release_blockers: list[BlockerOut] = Field(
        description="Why early release may not be proposed today (禁毒法 Art. 47; 戒毒条例 "
        "Art. 32, 38; 司法部令第127号 Art. 26, 29, 31); empty when nothing bars it"
    )
    pauses: list[PauseOut]
    notices: list[NoticeOut]
    clock_sources: dict[str, str] = Field(
        description="Clock field → the legal source it is computed from"
    )
    serious_breach: bool | None = Field(
        None,
        description="Community measures: whether the facts meet 戒毒条例 Art. 20 today (3 or "
        "more refused/evaded tests, 3 or more unapproved absences, or more than 30 days away "
        "in total); null for other measures",
    )
    serious_breach_counts: SeriousBreachCountsOut | None = Field(
        None, description="The counts behind `serious_breach`; null for other measures"
    )


# --- Requests ----------------------------------------------------------------------------------


class MeasureCreateIn(Schema):
    person: UUID = Field(description="The person's id; 404 when the caller cannot see the person")
    kind: KindLiteral
    decided_on: date = Field(description="Not in the future, not before the person's birth")
    served_on: date = Field(description="Not before `decided_on`, not in the future")
    deciding_organ: UnitCode | None = Field(
        None, description="Code of a county-level police organ (禁毒法 Art. 33, 38)"
    )
    executing_unit: UnitCode = Field(
        description="Code of a township (community measures), a facility (isolation) or a "
        "rehab medical institution (voluntary)"
    )
    decision_number: Line = Field(
        "", max_length=60, description="Required except for voluntary treatment"
    )
    ground: GroundLiteral = Field("", description="For compulsory isolation (禁毒法 Art. 38)")
    term_months: int | None = Field(
        None,
        ge=0,
        le=600,
        description="Fixed by law for 社区戒毒 and 强制隔离戒毒 (leave out); 1–36 for 社区康复 "
        "(禁毒法 Art. 48); 1–60 for 自愿戒毒 (戒毒条例 Art. 10)",
    )
    pregnant: bool = Field(False, description="Excludes compulsory isolation (禁毒法 Art. 39)")
    breastfeeding: bool = Field(
        False,
        description="Breast-feeding her own infant under one year: excludes compulsory "
        "isolation (禁毒法 Art. 39)",
    )
    minor_reason: Line = Field(
        "",
        max_length=500,
        description="Required to order compulsory isolation for a person under 16 (禁毒法 Art. 39)",
    )
    note: Line = Field("", max_length=500)


class OnIn(Schema):
    on: date = Field(description=_ON)


class ReportIn(OnIn):
    late_reason: Line = Field(
        "",
        max_length=500,
        description="Required after `report_due_by`: without a good reason a late report is a "
        "refusal (戒毒条例 Art. 14)",
    )


class IntakeIn(OnIn):
    """入所检查 (司法部令第127号 Art. 11–15), for compulsory isolation."""

    identity_checked: bool = Field(False, description="司法部令第127号 Art. 11")
    searched_by: list[OfficerName] = Field(
        default_factory=list,
        max_length=4,
        description="The officers who searched the person: at least two (司法部令第127号 Art. 13)",
    )
    pregnancy_test: PregnancyTestLiteral = Field(
        "not_applicable",
        description="Required for women; positive is not admitted (禁毒法 Art. 39; 司法部令第127号 "
        "Art. 12)",
    )
    breastfeeding: bool = Field(False, description="Not admitted (禁毒法 Art. 39)")
    files_received: bool = Field(
        False,
        description="A transfer into a judicial facility receives the police-stage file "
        "(司法部令第127号 Art. 15)",
    )


class AdmitIn(IntakeIn):
    facility: UnitCode | None = Field(
        None,
        description="Code of the facility (or clinic) admitting the person; default: the "
        "measure's executing unit",
    )


class TransferIn(IntakeIn):
    to_unit: UnitCode = Field(description="Code of the judicial facility (戒毒条例 Art. 27)")


class EscapeIn(OnIn):
    reason: Line = Field("", max_length=200)


class SuspendIn(OnIn):
    reason: Line = Field(
        "", max_length=200, description="Required: detained or arrested (戒毒条例 Art. 24)"
    )


class CommunityRehabIn(Schema):
    """社区康复 ordered at the release from compulsory isolation (禁毒法 Art. 48)."""

    executing_unit: UnitCode = Field(description="Code of the township executing it")
    term_months: int = Field(ge=0, le=600, description="1–36 (禁毒法 Art. 48)")
    decision_number: Line = Field(max_length=60)


class ReleaseIn(OnIn):
    early: bool = Field(
        False,
        description="Early release on an approved proposal, from 1 year after the decision "
        "and only without a bar (禁毒法 Art. 47; 戒毒条例 Art. 32)",
    )
    certificate_number: Line = Field(
        "",
        max_length=60,
        description="解除强制隔离戒毒证明书 number; required for compulsory isolation",
    )
    community_rehab: CommunityRehabIn | None = Field(
        None, description="Only when releasing from compulsory isolation (禁毒法 Art. 48)"
    )


class TerminateIn(OnIn):
    reason: EndReasonLiteral = Field(
        description="Allowed reasons depend on the measure (戒毒条例 Art. 24, 31, 36)"
    )
