from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import StringConstraints, field_validator

from jiedu.core.api import SINGLE_LINE, ErrorItem, ErrorOut

__all__ = ["ErrorItem", "ErrorOut"]  # re-exported: they live in jiedu.core.api

# One line of text (see SINGLE_LINE); lengths are set per field.
Line = Annotated[str, StringConstraints(pattern=SINGLE_LINE)]
UnitCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]+$", max_length=32)]
AliasName = Annotated[str, StringConstraints(pattern=SINGLE_LINE, max_length=50)]
PhoneText = Annotated[str, StringConstraints(pattern=SINGLE_LINE, max_length=30)]

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
    name: Line = Field(min_length=1, max_length=50)
    gender: GenderLiteral
    birth_date: date = Field(description="Not before 1900-01-01 and not in the future")
    org_unit: UnitCode = Field(description="Code of the managing unit")
    id_type: IdTypeLiteral = "resident_id"
    id_number: Line = Field(
        "",
        max_length=30,
        description="Required unless `id_type` is `none`; resident IDs are "
        "checked by GB 11643 (check digit, birth date, gender)",
    )
    ethnicity: Line = Field("", max_length=2, description="GB/T 3304 code, e.g. `01`")
    nationality: str = Field(
        "CN", pattern=r"^[A-Za-z]{2}$", description="ISO 3166 alpha-2; resident IDs need CN"
    )
    hukou_division: UnitCode | None = Field(None, description="Code of a division unit")
    hukou_address: Line = Field("", max_length=200)
    residence_division: UnitCode | None = Field(None, description="Code of a division unit")
    residence_address: Line = Field("", max_length=200)
    aliases: list[AliasName] = Field(default_factory=list, max_length=20)
    phones: list[PhoneText] = Field(
        default_factory=list, max_length=10, description="Mobile (11 digits) or landline"
    )
    confirm_not_duplicate: bool = False


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


def _optional(**kwargs):
    """A PATCH field that may be left out but not set to null (its schema shows no default)."""
    return Field(None, json_schema_extra=_no_default, **kwargs)


class PersonPatchIn(_PersonFields):
    """Send only the fields to change; `id_number` and the divisions may be null to clear them."""

    name: Line = _optional(min_length=1, max_length=50)
    gender: GenderLiteral = _optional()
    birth_date: date = _optional()
    org_unit: UnitCode = _optional(description="Move the file to another unit")
    id_type: IdTypeLiteral = _optional()
    id_number: Line | None = Field(None, max_length=30)
    ethnicity: Line = _optional(max_length=2)
    nationality: str = _optional(pattern=r"^[A-Za-z]{2}$")
    hukou_division: UnitCode | None = None
    hukou_address: Line = _optional(max_length=200)
    residence_division: UnitCode | None = None
    residence_address: Line = _optional(max_length=200)


class DuplicateOut(Schema):
    code: str
    message: str
    message_en: str
    candidates: list[UUID] = Field(
        description="Likely duplicates the caller may open (others are not disclosed)"
    )
