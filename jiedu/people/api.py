"""/api/v1/persons: the person registry over JSON, with the same scope and audit as the UI."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from ninja import Field as NField

from jiedu.core.api import bilingual
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm
from jiedu.orgs.choices import DIVISION_KINDS
from jiedu.orgs.models import OrgUnit
from jiedu.utilities.phone import validate_phone

from . import services
from .access import get_health_for_user, get_person_for_user
from .choices import ETHNICITIES
from .models import Person
from .querysets import mask_query, search
from .schemas import (
    DuplicateOut,
    ErrorOut,
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
    q: str = NField("", max_length=100, description="name, alias, pinyin, initials, ID, phone")


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
            {"drug_type": u.drug_type.code, "first_used_on": u.first_used_on,
             "is_injecting": u.is_injecting}
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
        raise ValidationError({field: _("找不到代码为 %(c)s 的单位。") % {"c": code}}, code="unknown")
    return unit


def _check_choices(data: dict) -> None:
    errors = {}
    if data.get("ethnicity") and data["ethnicity"] not in _ETHNICITY_CODES:
        errors["ethnicity"] = _("民族代码不正确（GB/T 3304，如 01 汉族）。")
    nationality = data.get("nationality")
    if nationality:
        from django_countries import countries

        if nationality.upper() not in dict(countries):
            errors["nationality"] = _("国籍应为ISO 3166两位字母代码，如 CN。")
    if errors:
        raise ValidationError(errors, code="invalid")


def _phones(values: list[str]) -> list[str]:
    out = []
    for i, v in enumerate(values):
        try:
            out.append(validate_phone(v))
        except ValidationError as exc:
            raise ValidationError({f"phones.{i}": exc.messages[0]}, code="phone") from None
    return out


@router.get("", response={200: PersonList}, summary="List and search persons in scope")
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


@router.post(
    "",
    response={201: PersonDetail, 200: PersonDetail, 409: DuplicateOut, 403: ErrorOut,
              422: ErrorOut},
    exclude_unset=True,
    summary="Register a person (one person, one file)",
    description="Send an `Idempotency-Key` header to make retries safe: a repeated key returns "
    "the file created by the first request (200). A file with the same ID number answers 409; "
    "one with the same name and birth date answers 409 unless `confirm_not_duplicate` is true.",
)
def create_person(request, payload: PersonCreateIn):
    data = payload.dict()
    _check_choices(data)
    key = request.headers.get("Idempotency-Key", "").strip()[:100] or None
    if key:
        from jiedu.core.models import IdempotencyRecord

        done = IdempotencyRecord.objects.filter(
            user_id=request.auth.pk, scope="people.create_person", key=key
        ).first()
        if done is not None:
            person = get_person_for_user(request.auth, Person.objects.get(pk=done.result_id).uuid)
            return 200, _detail(request, person)
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
            c.uuid for c in exc.candidates
            if has_perm(request.auth, "people.view_person", c.managing_unit)
        ]
        return 409, {"code": exc.code, **bilingual(exc.message), "candidates": visible}
    return 201, _detail(request, get_person_for_user(request.auth, person.uuid))


@router.get("/{id}", response={200: PersonDetail, 404: ErrorOut}, exclude_unset=True,
            summary="Open a person's file")
def get_person(request, id: UUID):
    person = get_person_for_user(request.auth, id)
    log_access(AccessAction.VIEW_PERSON, user=request.auth, person_pk=person.pk, channel="api")
    return 200, _detail(request, person)


@router.patch(
    "/{id}",
    response={200: PersonDetail, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    exclude_unset=True,
    summary="Change fields of a person's file",
)
def patch_person(request, id: UUID, payload: PersonPatchIn):
    person = get_person_for_user(request.auth, id, "change")
    data = payload.dict(exclude_unset=True)
    _check_choices(data)
    changes = {}
    for field in ("name", "gender", "birth_date", "id_type", "ethnicity", "hukou_address",
                  "residence_address"):
        if field in data:
            if data[field] is None:
                raise ValidationError({field: _("该字段不能为空。")}, code="null")
            changes[field] = data[field]
    if "id_number" in data:
        changes["id_number"] = data["id_number"] or ""
    if data.get("nationality"):
        changes["nationality"] = data["nationality"].upper()
    if "org_unit" in data:
        if data["org_unit"] is None:
            raise ValidationError({"org_unit": _("该字段不能为空。")}, code="null")
        changes["managing_unit"] = _unit(data["org_unit"], "org_unit")
    for field in ("hukou_division", "residence_division"):
        if field in data:
            changes[field] = _unit(data[field], field, division=True)
    person = services.update_person(person, changes, actor=request.auth)
    return 200, _detail(request, get_person_for_user(request.auth, person.uuid))
