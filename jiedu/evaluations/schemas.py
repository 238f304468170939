from datetime import date, datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from jiedu.measures.schemas import UnitCode  # noqa: F401  (re-exported for api.py)

from .choices import (
    Dimension,
    EvaluationKind,
    EvaluationStatus,
    Opinion,
    ProposalKind,
    ProposalStatus,
)

KindLiteral = Literal[tuple(EvaluationKind.values)]
StatusLiteral = Literal[tuple(EvaluationStatus.values)]
DimensionLiteral = Literal[tuple(Dimension.values)]
# 诊断评估办法 Art. 6: 合格/不合格 for three dimensions, 良好/一般 for the social one.
PassFailLiteral = Literal["pass", "fail"]
SocialLiteral = Literal["good", "fair"]
OpinionLiteral = Literal[tuple(Opinion.values)]
ProposalKindLiteral = Literal[tuple(ProposalKind.values)]
ProposalStatusLiteral = Literal[tuple(ProposalStatus.values)]
DueKindLiteral = Literal[("handbook", *EvaluationKind.values)]

_RESULT = "诊断评估办法 Art. 6; null when the evaluation did not score this dimension or is a draft"


# --- Proposals ---------------------------------------------------------------------------------


class ProposalSummary(Schema):
    id: int
    kind: ProposalKindLiteral = Field(description="提前解除 or 延长戒毒期限 (禁毒法 Art. 47)")
    status: ProposalStatusLiteral = Field(
        description="`drafted` (waiting for the facility committee 所务会), `committee_rejected`, "
        "`submitted` (with the deciding organ), `approved`, `rejected`"
    )
    proposed_release_on: date | None
    proposed_extension_months: int | None = Field(description="1–12 (禁毒法 Art. 47)")
    committee_on: date | None
    submitted_on: date | None = Field(description="The day the deciding organ received it")
    decision_due_by: date | None = Field(
        description="The organ decides within 7 days of receipt (戒毒条例 Art. 33)"
    )
    overdue: bool = Field(
        description="Still `submitted` after `decision_due_by` (today from the server's clock)"
    )
    decided_on: date | None
    decision_number: str
    approved_release_on: date | None
    approved_extension_months: int | None


class ProposalItem(ProposalSummary):
    evaluation_id: int
    stay_id: int
    person_id: UUID = Field(description="The person's id (`/persons/{id}`)")
    person_name: str
    facility: str = Field(description="Code of the facility that proposes")
    deciding_organ: str | None = Field(description="Code of the organ that decides")


class ProposalList(Schema):
    items: list[ProposalItem]
    count: int


class ProposalDetail(ProposalItem):
    reasons: str
    committee_by: str
    committee_note: str
    decided_by: str | None = Field(description="Username of the organ's officer who decided")
    decision_note: str


# --- Evaluations -------------------------------------------------------------------------------


class EvaluationItemOut(Schema):
    id: int
    dimension: DimensionLiteral
    code: str = Field(description="The item's code on its scoring sheet")
    label: str
    max_points: float
    suggested_points: float | None = Field(
        description="Pre-filled from the centres' records; null when they say nothing"
    )
    basis: str = Field(description="The record the suggestion rests on")
    points: float | None = Field(description="The evaluator's points; null while unscored")
    override_reason: str = Field(description="Required when `points` differs from the suggestion")


class EvaluationSummary(Schema):
    id: int
    person_id: UUID = Field(description="The person's id (`/persons/{id}`)")
    person_name: str
    stay_id: int
    kind: KindLiteral
    status: StatusLiteral
    evaluated_on: date
    detox_result: PassFailLiteral | None = Field(description="生理脱毒; " + _RESULT)
    recovery_result: PassFailLiteral | None = Field(description="身心康复; " + _RESULT)
    behaviour_result: PassFailLiteral | None = Field(description="行为表现; " + _RESULT)
    social_result: SocialLiteral | None = Field(description="社会环境与适应能力; " + _RESULT)
    passed: bool | None = Field(
        description="Whether the dimensions this kind gates on passed; null for a draft"
    )
    opinion: OpinionLiteral | None = Field(
        description="Comprehensive evaluations only (诊断评估办法 Art. 3)"
    )
    community_rehab_recommended: bool = Field(description="社区康复 recommended (禁毒法 Art. 48)")
    community_rehab_years: int | None = Field(description="1–3 (禁毒法 Art. 48)")


class EvaluationList(Schema):
    items: list[EvaluationSummary]
    count: int


class EvaluationDetail(EvaluationSummary):
    measure_id: int
    evaluator: str
    dimensions: list[DimensionLiteral]
    scores: dict[str, float] = Field(description="Dimension → total points (completed only)")
    summary: str
    completed_at: datetime | None
    items: list[EvaluationItemOut]
    proposal: ProposalSummary | None


# --- What is due -------------------------------------------------------------------------------


class DueOut(Schema):
    stay_id: int
    person_id: UUID
    person_name: str
    kind: DueKindLiteral = Field(
        description="An evaluation kind, or `handbook` (诊断评估手册, within 7 days of admission)"
    )
    label: str = Field(description="What is due, in Chinese")
    due_on: date
    overdue: bool


class DueList(Schema):
    items: list[DueOut]
    count: int
