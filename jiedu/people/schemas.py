from datetime import date
from typing import Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import field_validator

GenderLiteral = Literal["male", "female", "unknown"]
IdTypeLiteral = Literal[
    "resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent", "none"
]
TestLiteral = Literal["unknown", "negative", "positive"]


class PersonListItem(Schema):
    id: UUID
    name: str
    gender: GenderLiteral
    birth_date: date
    org_unit: str = Field(description="Code of the managing unit")
    id_type: str
    id_number_masked: str


class PersonList(Schema):
    items: list[PersonListItem]
    count: int


class AliasOut(Schema):
    name: str
    kind: str


class DrugUseOut(Schema):
    drug_type: str
    first_used_on: date | None
    is_injecting: bool


class FamilyContactOut(Schema):
    name: str
    relation: str
    phone: str
    is_guardian: bool


class HealthOut(Schema):
    hiv: TestLiteral
    hepatitis_b: TestLiteral
    hepatitis_c: TestLiteral
    tuberculosis: TestLiteral
    syphilis: TestLiteral
    psychiatric_diagnosis: str


class PersonDetail(PersonListItem):
    ethnicity: str
    nationality: str
    hukou_division: str | None
    hukou_address: str
    residence_division: str | None
    residence_address: str
    status: str
    merged_into: UUID | None
    aliases: list[AliasOut]
    phones: list[str]
    drug_uses: list[DrugUseOut]
    family: list[FamilyContactOut]
    health: HealthOut | None = Field(
        None, description="Present only when the caller holds people.view_health for the person"
    )


class _PersonFields(Schema):
    @field_validator("name", check_fields=False)
    @classmethod
    def strip_name(cls, v):
        if v is None:
            return v
        v = " ".join(v.split())
        if not v:
            raise ValueError("姓名不能为空 / name must not be blank")
        return v


class PersonCreateIn(_PersonFields):
    name: str = Field(min_length=1, max_length=50)
    gender: GenderLiteral
    birth_date: date
    org_unit: str = Field(description="Code of the managing unit", max_length=32)
    id_type: IdTypeLiteral = "resident_id"
    id_number: str = Field("", max_length=30)
    ethnicity: str = Field("", max_length=2)
    nationality: str = Field("CN", min_length=2, max_length=2)
    hukou_division: str | None = Field(None, max_length=32)
    hukou_address: str = Field("", max_length=200)
    residence_division: str | None = Field(None, max_length=32)
    residence_address: str = Field("", max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    phones: list[str] = Field(default_factory=list, max_length=10)
    confirm_not_duplicate: bool = False


class PersonPatchIn(_PersonFields):
    name: str | None = Field(None, min_length=1, max_length=50)
    gender: GenderLiteral | None = None
    birth_date: date | None = None
    org_unit: str | None = Field(None, max_length=32)
    id_type: IdTypeLiteral | None = None
    id_number: str | None = Field(None, max_length=30)
    ethnicity: str | None = Field(None, max_length=2)
    nationality: str | None = Field(None, min_length=2, max_length=2)
    hukou_division: str | None = Field(None, max_length=32)
    hukou_address: str | None = Field(None, max_length=200)
    residence_division: str | None = Field(None, max_length=32)
    residence_address: str | None = Field(None, max_length=200)


class DuplicateOut(Schema):
    code: str
    message: str
    message_en: str
    candidates: list[UUID] = Field(
        description="Likely duplicates the caller may open (others are not disclosed)"
    )


class ErrorItem(Schema):
    field: str
    code: str
    message: str
    message_en: str | None = None


class ErrorOut(Schema):
    code: str
    message: str
    message_en: str
    errors: list[ErrorItem] | None = None
