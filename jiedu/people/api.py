"""/api/v1/persons: the person registry over JSON, with the same scope and audit as the UI."""

from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from ninja import Field as NField
from ninja import Header, Query, Router, Schema, Status

from jiedu.core.api import (
    INVALID,
    MALFORMED_BODY,
    SINGLE_LINE,
    UNAUTHENTICATED,
    ErrorOut,
    bilingual,
)
from jiedu.core.audit import log_access
from jiedu.core.clock import today
from jiedu.core.models import AccessAction
from jiedu.orgs.choices import DIVISION_KINDS
from jiedu.orgs.models import OrgUnit
from jiedu.utilities.phone import validate_phone

from . import services
from .access import get_health_for_user, get_person_for_user, person_has_perm
from .choices import ETHNICITIES
from .models import Person
from .querysets import mask_query, search
from .schemas import (
    DuplicateOut,
    PersonCreateIn,
    PersonDetail,
    PersonList,
    PersonPatchIn,
)

router = Router(tags=["persons"])

_ETHNICITY_CODES = {code for code, _name in ETHNICITIES}


class ListParams(Schema):
    limit: int = NField(50, ge=1, le=200)
    offset: int = NField(0, ge=0, le=10_000_000)
    q: str = NField(
        "",
        max_length=100,
        pattern=SINGLE_LINE,
        description="name, alias, pinyin, initials, ID, phone",
    )


def _item(p: Person) -> dict:
    return {
        "id": p.uuid,
        "name": p.name,
        "gender": p.gender,
        "birth_date": p.birth_date,
        "org_unit": p.managing_unit.code,
        "id_type": p.id_type,
        "id_number_masked": p.id_number_masked,
    }


def _detail(request, p: Person) -> dict:
    """The whole file as the caller may see it. Every response carrying it is a read: logged."""
    log_access(AccessAction.VIEW_PERSON, user=request.auth, person_pk=p.pk, channel="api")
    body = {
        **_item(p),
        "ethnicity": p.ethnicity,
        "nationality": str(p.nationality),
        "hukou_division": p.hukou_division.code if p.hukou_division else None,
        "hukou_address": p.hukou_address,
        "residence_division": p.residence_division.code if p.residence_division else None,
        "residence_address": p.residence_address,
        "status": p.status,
        "merged_into": p.merged_into.uuid if p.merged_into else None,
        "aliases": [{"name": a.name, "kind": a.kind} for a in p.aliases.all()],
        "phones": [ph.number for ph in p.phones.all()],
        "drug_uses": [
            {
                "drug_type": u.drug_type.code,
                "first_used_on": u.first_used_on,
                "is_injecting": u.is_injecting,
            }
            for u in p.drug_uses.select_related("drug_type")
        ],
        "family": [
            {"name": f.name, "relation": f.relation, "phone": f.phone, "is_guardian": f.is_guardian}
            for f in p.family.all()
        ],
    }
    health = get_health_for_user(request.auth, p)
    if health is not None:
        body["health"] = {
            "hiv": health.hiv,
            "hepatitis_b": health.hepatitis_b,
            "hepatitis_c": health.hepatitis_c,
            "tuberculosis": health.tuberculosis,
            "syphilis": health.syphilis,
            "psychiatric_diagnosis": health.psychiatric_diagnosis,
        }
    return body


def _unit(code: str | None, field: str, *, division: bool = False):
    if code is None:
        return None
    qs = OrgUnit.objects.filter(code=code, is_active=True)
    if division:
        qs = qs.filter(kind__in=DIVISION_KINDS)
    unit = qs.first()
    if unit is None:
        message = _("找不到代码为 %(c)s 的单位。")
        raise ValidationError({field: ValidationError(message, code="unknown", params={"c": code})})
    return unit


_EARLIEST_BIRTH = date(1900, 1, 1)


def _check_fields(data: dict, person: Person | None = None) -> None:
    """Checks the services leave to forms: codes of choices, a plausible birth date, and that a
    resident ID goes with Chinese nationality. `person` is the file a PATCH applies to."""
    errors = {}
    if data.get("ethnicity") and data["ethnicity"] not in _ETHNICITY_CODES:
        errors["ethnicity"] = _("民族代码不正确（GB/T 3304，如 01 汉族）。")
    nationality = data.get("nationality")
    if nationality:
        from django_countries import countries

        if nationality.upper() not in dict(countries):
            errors["nationality"] = _("国籍应为ISO 3166两位字母代码，如 CN。")
    birth_date = data.get("birth_date")
    if birth_date and not _EARLIEST_BIRTH <= birth_date <= today():
        errors["birth_date"] = _("出生日期应在1900年1月1日至今天之间。")
    id_type = data.get("id_type") or (person.id_type if person else None)
    nationality = (nationality or (str(person.nationality) if person else "CN")).upper()
    if id_type == "resident_id" and nationality != "CN" and "nationality" not in errors:
        errors["id_type"] = _("居民身份证只适用于中国国籍；外国人请选择护照等证件。")
    if errors:
        raise ValidationError(errors, code="invalid")


def _as_api_fields(exc: ValidationError) -> ValidationError:
    """The services name the unit `managing_unit`; the API calls it `org_unit`."""
    if not hasattr(exc, "error_dict") or "managing_unit" not in exc.error_dict:
        return exc
    renamed = dict(exc.error_dict)
    renamed["org_unit"] = renamed.pop("managing_unit")
    return ValidationError(renamed)


def _phones(values: list[str]) -> list[str]:
    out = []
    for i, v in enumerate(values):
        try:
            out.append(validate_phone(v))
        except ValidationError as exc:
            raise ValidationError({f"phones.{i}": exc.error_list}) from None
    return out


@router.get(
    "",
    response={200: PersonList, **UNAUTHENTICATED, **INVALID},
    summary="List and search persons in scope",
    description="Active files the caller may view, ordered by name and birth date; `count` is "
    "the number of matches, `items` one page of them. Every call is written to the access log "
    "(identifiers in `q` masked).",
)
def list_persons(request, params: Query[ListParams]):
    qs = search(Person.objects.restrict(request.auth, "view").active(), params.q)
    count = qs.count()
    rows = qs.select_related("managing_unit").order_by("name", "birth_date", "id")[
        params.offset : params.offset + params.limit
    ]
    log_access(
        AccessAction.SEARCH_PERSON,
        user=request.auth,
        query=mask_query(params.q),
        result_count=count,
        channel="api",
    )
    return {"items": [_item(p) for p in rows], "count": count}


def _idempotent_result(request, key: str | None) -> Person | None:
    """The file an earlier request with this `Idempotency-Key` created, if the caller sees it."""
    person = services.created_with_key(request.auth, key)
    if person is None:
        return None
    return get_person_for_user(request.auth, person.uuid)


@router.post(
    "",
    response={
        201: PersonDetail,
        200: PersonDetail,
        403: ErrorOut,
        404: ErrorOut,
        409: DuplicateOut,
        **MALFORMED_BODY,
        **UNAUTHENTICATED,
        **INVALID,
    },
    exclude_unset=True,
    summary="Register a person (one person, one file)",
    description="Send an `Idempotency-Key` header to make retries safe: a repeated key returns "
    "the file created by the first request (200). A file with the same ID number answers 409; "
    "one with the same name and birth date answers 409 unless `confirm_not_duplicate` is true. "
    "403 when the caller may not add files at `org_unit`.",
)
def create_person(
    request,
    payload: PersonCreateIn,
    idempotency_key: str = Header(
        "",
        alias="Idempotency-Key",
        max_length=100,
        pattern=SINGLE_LINE,
        description="Client-chosen key (e.g. a UUID) that makes a retried create safe",
    ),
):
    data = payload.dict()
    _check_fields(data)
    key = idempotency_key.strip() or None
    previous = _idempotent_result(request, key)
    if previous is not None:
        return Status(200, _detail(request, previous))
    person_input = services.PersonInput(
        name=data["name"],
        gender=data["gender"],
        birth_date=data["birth_date"],
        managing_unit=_unit(data["org_unit"], "org_unit"),
        id_type=data["id_type"],
        id_number=data["id_number"],
        ethnicity=data["ethnicity"],
        nationality=data["nationality"].upper(),
        hukou_division=_unit(data["hukou_division"], "hukou_division", division=True),
        hukou_address=data["hukou_address"],
        residence_division=_unit(data["residence_division"], "residence_division", division=True),
        residence_address=data["residence_address"],
        aliases=tuple(data["aliases"]),
        phones=tuple(_phones(data["phones"])),
    )
    try:
        person = services.create_person(
            person_input,
            actor=request.auth,
            confirm_not_duplicate=data["confirm_not_duplicate"],
            idempotency_key=key,
        )
    except services.DuplicatePersonError as exc:
        visible = [
            c.uuid for c in exc.candidates if person_has_perm(request.auth, "people.view_person", c)
        ]
        return Status(409, {"code": exc.code, **bilingual(exc.message), "candidates": visible})
    return Status(201, _detail(request, get_person_for_user(request.auth, person.uuid)))


@router.get(
    "/{id}",
    response={200: PersonDetail, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    exclude_unset=True,
    summary="Open a person's file",
    description="404 both when there is no such file and when it is outside the caller's scope. "
    "`health` is present only for callers holding `people.view_health` for the file's unit. "
    "Every call is written to the access log.",
)
def get_person(request, id: UUID):
    person = get_person_for_user(request.auth, id)
    return Status(200, _detail(request, person))


@router.patch(
    "/{id}",
    response={
        200: PersonDetail,
        403: ErrorOut,
        404: ErrorOut,
        **MALFORMED_BODY,
        **UNAUTHENTICATED,
        **INVALID,
    },
    exclude_unset=True,
    summary="Change fields of a person's file",
    description="Send only the fields to change. 404 when the caller may not change the file.",
)
def patch_person(request, id: UUID, payload: PersonPatchIn):
    person = get_person_for_user(request.auth, id, "change")
    data = payload.dict(exclude_unset=True)
    _check_fields(data, person)
    changes = {}
    for field in (
        "name",
        "gender",
        "birth_date",
        "id_type",
        "ethnicity",
        "hukou_address",
        "residence_address",
    ):
        if field in data:
            changes[field] = data[field]
    if "id_number" in data:
        changes["id_number"] = data["id_number"] or ""
    if "nationality" in data:
        changes["nationality"] = data["nationality"].upper()
    if "org_unit" in data:
        changes["managing_unit"] = _unit(data["org_unit"], "org_unit")
    for field in ("hukou_division", "residence_division"):
        if field in data:
            changes[field] = _unit(data[field], field, division=True)
    try:
        person = services.update_person(person, changes, actor=request.auth)
    except ValidationError as exc:
        raise _as_api_fields(exc) from None
    return Status(200, _detail(request, get_person_for_user(request.auth, person.uuid)))
