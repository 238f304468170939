"""Pydantic schemas of the centres' API (/api/v1/centres), shared by the centre modules.

Text fields are one line (SINGLE_LINE) and no longer than the column they land in; choice
fields are Literals of the model's choices, so the OpenAPI document lists the codes.
"""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import StringConstraints

from jiedu.core.api import SINGLE_LINE

from .choices import (
    ConditionKind,
    ConditionSeverity,
    Disease,
    MedicationPurpose,
    PsychiatricState,
    SampleType,
    ScreeningResult,
    Severity,
    TestOccasion,
    TestResult,
    TrainingKind,
)


def line(max_length: int, min_length: int = 0):
    """One line of text of at most `max_length` characters (the column's length)."""
    return Annotated[
        str, StringConstraints(pattern=SINGLE_LINE, max_length=max_length, min_length=min_length)
    ]


def literal(choices):
    return Literal[tuple(choices.values)]


OccasionLiteral = literal(TestOccasion)
SampleLiteral = literal(SampleType)
TestResultLiteral = literal(TestResult)


# --- Common ------------------------------------------------------------------------------------


class StayRef(Schema):
    """The stay (入所记录) a centre's records belong to."""

    stay_id: int
    person: UUID = Field(description="The person's id (`/persons/{id}`)")
    person_name: str
    facility: str = Field(description="Code of the facility")
    admitted_on: date
    left_on: date | None


class RecordMeta(Schema):
    id: int
    recorded_by: str
    created_at: datetime


# --- Medical centre ----------------------------------------------------------------------------


class MedicationOut(RecordMeta):
    drug: str
    purpose: literal(MedicationPurpose) = Field(
        description="`withdrawal`: controls or relieves withdrawal (BJDIAG detox item 2: stopped?)"
    )
    dose: str
    started_on: date
    stopped_on: date | None
    prescriber: str = Field(description="Licensed physician (禁毒法 Art. 45)")


class WithdrawalCheckOut(RecordMeta):
    checked_on: date
    acute_symptoms: literal(Severity)
    protracted_symptoms: list[str] = Field(
        description="Marked protracted withdrawal symptoms (BJDIAG detox item 4)"
    )
    psychiatric_state: literal(PsychiatricState)
    examiner: str
    note: str


class VitalsInRange(Schema):
    """身心康复 item 1: each part in the normal range (configurable rules, defaults are common
    clinical reference ranges). Liver function not measured counts as not in range."""

    weight: bool
    respiration: bool
    heart_rate: bool
    blood_pressure: bool
    liver_function: bool


class VitalSignsOut(RecordMeta):
    measured_on: date
    height_cm: float
    weight_kg: float
    bmi: float
    respiration: int
    heart_rate: int
    systolic: int
    diastolic: int
    alt: int | None
    ast: int | None
    in_range: VitalsInRange


class DrugTestOut(RecordMeta):
    tested_on: date
    occasion: OccasionLiteral
    sample: SampleLiteral
    substances: str
    result: TestResultLiteral
    tester: str
    external_id: str
    use_in_facility: bool = Field(
        description="Positive or refused after intake: bars early release and is a ground for "
        "extension (司法部令第127号 Art. 29)"
    )


class DrugTestIn(Schema):
    tested_on: date = Field(description="Not in the future; within the stay")
    occasion: OccasionLiteral
    sample: SampleLiteral
    substances: line(100) = ""
    result: TestResultLiteral
    tester: line(100, 1)
    external_id: line(100) = Field(
        "",
        description="The device's or sending system's own id of the result: sending it again "
        "returns the test already recorded (200) instead of recording a second one",
    )


class ScreeningOut(RecordMeta):
    screened_on: date
    disease: literal(Disease)
    result: literal(ScreeningResult)
    method: str


class ConditionOut(RecordMeta):
    kind: literal(ConditionKind)
    description: str
    severity: literal(ConditionSeverity)
    since: date
    resolved_on: date | None


class MedicalFileOut(Schema):
    stay: StayRef
    medications: list[MedicationOut]
    withdrawal_checks: list[WithdrawalCheckOut]
    vital_signs: list[VitalSignsOut]
    drug_tests: list[DrugTestOut]
    screenings: list[ScreeningOut] | None = Field(
        description="Only with centres.view_health at the facility; null otherwise"
    )
    conditions: list[ConditionOut] | None = Field(
        description="Only with centres.view_health at the facility; null otherwise"
    )
    needs_special_zone: bool | None = Field(
        description="A severe unresolved condition (禁毒法 Art. 44); null without "
        "centres.view_health"
    )


class DrugTestList(Schema):
    stay: StayRef
    items: list[DrugTestOut]


# --- Rehabilitation-training centre ------------------------------------------------------------


class FitnessTestOut(RecordMeta):
    tested_on: date
    calisthenics_fluent: bool | None
    chest_expander_pulls: int | None
    push_ups: int | None
    sit_ups: int | None
    sit_and_reach_cm: float | None
    step_index: float | None
    grades: dict[str, Literal["pass", "fail"]] = Field(
        description="Each measured item against the standard for the person's sex and age, and "
        "`overall`"
    )
    passed: bool = Field(
        description="身心康复 item 2: radio calisthenics fluent, or ≥10 chest-expander pulls "
        "in one minute (configurable)"
    )
    tester: str


class TrainingSessionOut(RecordMeta):
    held_on: date
    kind: literal(TrainingKind)
    minutes: int
    note: str


class TrainingFileOut(Schema):
    stay: StayRef
    fitness_tests: list[FitnessTestOut]
    sessions: list[TrainingSessionOut]
