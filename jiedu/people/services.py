"""Writes to person files. Every function takes the acting user as `actor`, runs in one
transaction and leaves one change-log row per object written (see core.audit)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from jiedu.core import idempotency
from jiedu.core.context import acting_as
from jiedu.core.crypto import blind_index
from jiedu.core.permissions import has_perm
from jiedu.utilities import pinyin, resident_id

from .access import person_has_perm
from .choices import IdType, PersonStatus
from .events import record_event
from .models import DrugUse, FamilyContact, HealthRecord, Person, PersonAlias, PersonPhone

# Fields of Person a caller may set through create/update.
PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "nationality",
    "hukou_division",
    "hukou_address",
    "residence_division",
    "residence_address",
    "managing_unit",
    "notes",
)


def field_error(field: str, message, code: str, params: dict | None = None) -> ValidationError:
    """A ValidationError keyed by field that keeps its code (a dict message would drop it)."""
    return ValidationError({field: ValidationError(message, code=code, params=params)})


class DuplicatePersonError(ValidationError):
    """Raised when a create looks like an existing file; `candidates` lists them."""

    def __init__(self, message, *, code, candidates, same_id: bool):
        super().__init__(message, code=code)
        self.candidates = candidates
        self.same_id = same_id


@dataclass
class PersonInput:
    name: str
    gender: str
    birth_date: object
    managing_unit: object
    id_type: str = IdType.RESIDENT_ID
    id_number: str = ""
    ethnicity: str = ""
    nationality: str = "CN"
    hukou_division: object = None
    hukou_address: str = ""
    residence_division: object = None
    residence_address: str = ""
    notes: str = ""
    aliases: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


def id_number_index(id_type: str, number: str) -> str:
    return blind_index(f"{id_type}:{resident_id.normalize(number)}", purpose="id_number")


def validate_identity(id_type: str, number: str, birth_date, gender: str, *, today=None) -> str:
    """Check an identity document against the stated birth date and gender; return the number.

    Resident ID numbers are checked by GB 11643-1999 (check digit, embedded birth date, gender
    parity); errors are keyed by field so forms show them where they belong.
    """
    number = resident_id.normalize(number)
    if id_type == IdType.NONE:
        if number:
            raise field_error("id_number", _("证件类型为“无证件”时不应填写证件号码。"), "id_number")
        return ""
    if not number:
        raise field_error("id_number", _("请填写证件号码。"), "required")
    if id_type != IdType.RESIDENT_ID:
        if len(number) < 5 or len(number) > 30 or not number.isalnum():
            raise field_error("id_number", _("证件号码应为5–30位字母或数字。"), "id_number")
        return number
    try:
        parsed = resident_id.parse(number, today=today)
    except resident_id.ResidentIdError as exc:
        raise ValidationError(
            {"id_number": ValidationError(exc.message, code=exc.code, params=exc.params)}
        ) from None
    errors = {}
    if birth_date and parsed.birth_date != birth_date:
        errors["birth_date"] = _("出生日期与身份证号码不符：身份证号码中的出生日期为 %(d)s。") % {
            "d": parsed.birth_date.isoformat()
        }
    if gender in ("male", "female") and parsed.gender != gender:
        errors["gender"] = ValidationError(
            _("性别与身份证号码不符：第17位为%(p)s数，应为%(g)s。"),
            code="mismatch",
            params={
                "p": _("奇") if parsed.gender == "male" else _("偶"),
                "g": _("男") if parsed.gender == "male" else _("女"),
            },
        )
    if errors:
        raise ValidationError(errors)
    return parsed.number


def refresh_search_text(person: Person) -> None:
    names = (
        [person.name, *person.aliases.values_list("name", flat=True)]
        if person.pk
        else [person.name]
    )
    tokens: list[str] = []
    for name in names:
        tokens.append(name.lower())
        tokens.extend(pinyin.full_pinyin(name).split())
        tokens.extend(pinyin.initials(name).split())
    phones = person.phones.values_list("number", flat=True) if person.pk else []
    tokens.extend(phones)
    person.search_text = " " + " ".join(dict.fromkeys(t for t in tokens if t)) + " "


def find_duplicates(*, name: str, birth_date, id_index: str = "", exclude_pk=None):
    """Active files that are probably the same person: same ID number, or same name + birth date."""
    q = Q(name=name, birth_date=birth_date)
    if id_index:
        q |= Q(id_number_index=id_index)
    qs = Person.objects.active().filter(q)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.select_related("managing_unit")[:20])


CREATE_SCOPE = "people.create_person"


def created_with_key(actor, key: str | None) -> Person | None:
    """The file an earlier create by `actor` with idempotency `key` made, if any."""
    return idempotency.result_for_key(actor, CREATE_SCOPE, key, Person)


def create_person(
    data: PersonInput,
    *,
    actor,
    confirm_not_duplicate: bool = False,
    idempotency_key: str | None = None,
) -> Person:
    """Register a new person file (建档).

    Refuses a file whose ID number is already registered anywhere (one person, one file), and asks
    for confirmation when another file has the same name and birth date. A retried request with the
    same idempotency key returns the file the first request created.
    """
    if not has_perm(actor, "people.add_person", data.managing_unit):
        raise PermissionDenied(_("您无权在该单位新建人员档案。"))
    previous = created_with_key(actor, idempotency_key)
    if previous is not None:
        return previous
    number = validate_identity(data.id_type, data.id_number, data.birth_date, data.gender)
    index = id_number_index(data.id_type, number) if number else ""
    candidates = find_duplicates(name=data.name, birth_date=data.birth_date, id_index=index)
    same_id = [c for c in candidates if index and c.id_number_index == index]
    if same_id:
        raise DuplicatePersonError(
            _("该证件号码已有档案（一人一档），请打开已有档案而不是新建。"),
            code="duplicate_id_number",
            candidates=same_id,
            same_id=True,
        )
    if candidates and not confirm_not_duplicate:
        raise DuplicatePersonError(
            _("已有同名且出生日期相同的档案，可能是同一人。请核对；确认不是同一人后再保存。"),
            code="possible_duplicate",
            candidates=candidates,
            same_id=False,
        )
    with acting_as(actor), transaction.atomic():
        # Of two concurrent submissions of one form (a double click), the second waits here and
        # returns the file the first made.
        claim, previous = idempotency.claim(actor, CREATE_SCOPE, idempotency_key, Person)
        if previous is not None:
            return previous
        person = Person(**{f: getattr(data, f) for f in PERSON_FIELDS})
        person.set_id_number(data.id_type, number)
        refresh_search_text(person)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            # Another request registered the same ID number between our check and insert.
            raise DuplicatePersonError(
                _("该证件号码已有档案（一人一档），请打开已有档案而不是新建。"),
                code="duplicate_id_number",
                candidates=[],
                same_id=True,
            ) from None
        for alias in dict.fromkeys(a.strip() for a in data.aliases if a.strip()):
            PersonAlias.objects.create(person=person, name=alias, kind="alias")
        for phone in dict.fromkeys(p for p in data.phones if p):
            PersonPhone.objects.create(person=person, number=phone)
        if data.aliases or data.phones:
            refresh_search_text(person)
            person.save(update_fields=["search_text"])
        record_event(person, "people.person.created", actor=actor, org_unit=data.managing_unit)
        idempotency.complete(claim, person)
    return person


def edit_person(
    person: Person, changes: dict, *, actor, aliases: list[str], phones: list[str]
) -> Person:
    """The edit form as one unit of work: fields, aliases and phones all save, or none do."""
    with transaction.atomic():
        person = update_person(person, changes, actor=actor)
        set_aliases(person, aliases, actor=actor)
        set_phones(person, phones, actor=actor)
    return person


def update_person(person: Person, changes: dict, *, actor) -> Person:
    """Change fields of a person file. `changes` may hold PERSON_FIELDS, id_type and id_number."""
    if not person_has_perm(actor, "people.change_person", person):
        raise PermissionDenied(_("您无权修改该人员档案。"))
    new_unit = changes.get("managing_unit")
    moving = new_unit is not None and new_unit != person.managing_unit
    if moving and not has_perm(actor, "people.change_person", new_unit):
        raise field_error("managing_unit", _("只能把档案移交到您有权管理的单位。"), "scope")
    id_type = changes.get("id_type", person.id_type)
    number = changes.get("id_number", person.id_number)
    birth_date = changes.get("birth_date", person.birth_date)
    gender = changes.get("gender", person.gender)
    identity_touched = {"id_type", "id_number", "birth_date", "gender"} & changes.keys()
    if identity_touched:
        number = validate_identity(id_type, number, birth_date, gender)
        index = id_number_index(id_type, number) if number else ""
        if index and Person.objects.active().filter(id_number_index=index).exclude(pk=person.pk):
            raise field_error(
                "id_number",
                _("该证件号码已属于另一份档案，请先合并重复档案。"),
                "duplicate_id_number",
            )
    with acting_as(actor), transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        old_unit = person.managing_unit
        changed = []
        for field in PERSON_FIELDS:
            if field in changes and getattr(person, field) != changes[field]:
                setattr(person, field, changes[field])
                changed.append(field)
        if identity_touched and (person.id_type != id_type or person.id_number != number):
            person.set_id_number(id_type, number)
            changed.append("id_number")
        if not changed:
            return person
        if "name" in changed:
            refresh_search_text(person)
        person.save()
        labels = [str(Person._meta.get_field(f).verbose_name) for f in changed]
        record_event(person, "people.person.updated", actor=actor, fields="、".join(labels))
        if "managing_unit" in changed:
            record_event(
                person,
                "people.person.unit_changed",
                actor=actor,
                old=old_unit.name,
                new=person.managing_unit.name,
            )
    return person


def set_aliases(person: Person, names: list[str], *, actor) -> None:
    if not person_has_perm(actor, "people.change_person", person):
        raise PermissionDenied(_("您无权修改该人员档案。"))
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    with acting_as(actor), transaction.atomic():
        for alias in person.aliases.all():
            if alias.name not in wanted:
                alias.delete()
        existing = set(person.aliases.values_list("name", flat=True))
        for name in wanted:
            if name not in existing:
                PersonAlias.objects.create(person=person, name=name, kind="alias")
        refresh_search_text(person)
        person.save(update_fields=["search_text"])


def set_phones(person: Person, numbers: list[str], *, actor) -> None:
    if not person_has_perm(actor, "people.change_person", person):
        raise PermissionDenied(_("您无权修改该人员档案。"))
    wanted = list(dict.fromkeys(n for n in numbers if n))
    with acting_as(actor), transaction.atomic():
        for phone in person.phones.all():
            if phone.number not in wanted:
                phone.delete()
        existing = set(person.phones.values_list("number", flat=True))
        for number in wanted:
            if number not in existing:
                PersonPhone.objects.create(person=person, number=number)
        refresh_search_text(person)
        person.save(update_fields=["search_text"])


def save_drug_use(
    person: Person, *, actor, drug_type, first_used_on=None, is_injecting=False, notes=""
) -> DrugUse:
    if not person_has_perm(actor, "people.change_person", person):
        raise PermissionDenied(_("您无权修改该人员档案。"))
    with acting_as(actor), transaction.atomic():
        use = DrugUse.objects.filter(person=person, drug_type=drug_type).first() or DrugUse(
            person=person, drug_type=drug_type
        )
        use.first_used_on = first_used_on
        use.is_injecting = is_injecting
        use.notes = notes
        use.save()
    return use


def remove_drug_use(use: DrugUse, *, actor) -> None:
    if not person_has_perm(actor, "people.change_person", use.person):
        raise PermissionDenied(_("您无权修改该人员档案。"))
    with acting_as(actor), transaction.atomic():
        use.delete()


def save_family_contact(
    person: Person, *, actor, contact: FamilyContact | None = None, **fields
) -> FamilyContact:
    if not person_has_perm(actor, "people.change_person", person):
        raise PermissionDenied(_("您无权修改该人员档案。"))
    with acting_as(actor), transaction.atomic():
        if contact is None:
            # A resubmitted form must not list the same relative twice.
            same = FamilyContact.objects.filter(
                person=person,
                name=fields.get("name", ""),
                relation=fields.get("relation", ""),
                phone=fields.get("phone", ""),
            ).first()
            if same is not None:
                return same
        contact = contact or FamilyContact(person=person)
        for key, value in fields.items():
            setattr(contact, key, value)
        contact.full_clean()
        contact.save()
    return contact


def remove_family_contact(contact: FamilyContact, *, actor) -> None:
    if not person_has_perm(actor, "people.change_person", contact.person):
        raise PermissionDenied(_("您无权修改该人员档案。"))
    with acting_as(actor), transaction.atomic():
        contact.delete()


HEALTH_FIELDS = (
    "hiv",
    "hepatitis_b",
    "hepatitis_c",
    "tuberculosis",
    "syphilis",
    "psychiatric_diagnosis",
    "notes",
)


def update_health(person: Person, values: dict, *, actor) -> HealthRecord:
    """Health details need their own permission (people.change_health)."""
    if not person_has_perm(actor, "people.change_health", person):
        raise PermissionDenied(_("您无权修改健康信息。"))
    with acting_as(actor), transaction.atomic():
        record = HealthRecord.objects.filter(person=person).first() or HealthRecord(person=person)
        for field in HEALTH_FIELDS:
            if field in values:
                setattr(record, field, values[field])
        record.full_clean()
        record.save()
        record_event(person, "people.health.updated", actor=actor)
    return record


PHOTO_MAX_SIDE = 1200
PHOTO_MAX_PIXELS = 50_000_000  # a 50-megapixel camera photo; above that, refuse


def normalize_photo(upload) -> ContentFile:
    """Re-encode an uploaded image as a JPEG of at most 1200 px a side.

    Re-encoding drops EXIF and other metadata (a phone photo can carry the GPS position of the
    person's home) and anything hidden in the file; only the pixels are kept.
    """
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            # Image.open reads only the header: refuse huge canvases before decoding them
            # (a small, highly compressed file can expand to gigabytes of pixels).
            if image.width * image.height > PHOTO_MAX_PIXELS:
                raise ValueError("image too large")
            image = ImageOps.exif_transpose(image)  # keep the orientation the camera recorded
            image = image.convert("RGB")
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        # A file that passes the form's quick check but cannot be decoded (e.g. truncated).
        raise ValidationError(
            forms.ImageField.default_error_messages["invalid_image"], code="invalid_image"
        ) from None
    return ContentFile(out.getvalue())


def set_photo(person: Person, upload, *, actor) -> Person:
    if not person_has_perm(actor, "people.change_person", person):
        raise PermissionDenied(_("您无权修改该人员档案。"))
    content = normalize_photo(upload)
    with acting_as(actor), transaction.atomic():
        old = person.photo.name if person.photo else ""
        person.photo.save("photo.jpg", content, save=False)
        person.save()
        storage = person.photo.storage
        if old:
            transaction.on_commit(lambda: storage.delete(old))
    return person


def merge_persons(source: Person, target: Person, *, actor) -> Person:
    """Merge a duplicate file (`source`) into `target`; both histories stay readable.

    Child records move to the target; the source's name becomes an alias of the target; the
    source stays as a `merged` file pointing at the target, so its change log, access log and
    timeline still answer "who did what to this person" and its links redirect.
    """
    if source.pk == target.pk:
        raise ValidationError(_("不能把档案合并到它自己。"), code="same_person")
    for p in (source, target):
        if not has_perm(actor, "people.merge_person", p.managing_unit):
            raise PermissionDenied(_("您无权合并这两份档案。"))
    with acting_as(actor), transaction.atomic():
        # Lock both files in a fixed order so two merges of the same pair cannot interleave.
        locked = {
            p.pk: p
            for p in Person.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
        }
        source, target = locked[source.pk], locked[target.pk]
        if source.status != PersonStatus.ACTIVE or target.status != PersonStatus.ACTIVE:
            raise ValidationError(_("只能合并在档的档案。"), code="not_active")
        if (
            source.id_number_index
            and target.id_number_index
            and source.id_number_index != target.id_number_index
        ):
            raise ValidationError(
                _("两份档案的证件号码不同，不能合并为同一人。"), code="different_id"
            )
        move_id = bool(source.id_number_index and not target.id_number_index)
        source_id = (source.id_type, source.id_number)
        source.status = PersonStatus.MERGED
        source.merged_into = target
        source.save()
        target_aliases = set(target.aliases.values_list("name", flat=True)) | {target.name}
        for alias in source.aliases.all():
            if alias.name in target_aliases:
                alias.delete()
            else:
                alias.person = target
                alias.save()
                target_aliases.add(alias.name)
        if source.name not in target_aliases:
            PersonAlias.objects.create(person=target, name=source.name, kind="alias")
        target_phones = set(target.phones.values_list("number", flat=True))
        for phone in source.phones.all():
            if phone.number in target_phones:
                phone.delete()
            else:
                phone.person = target
                phone.save()
        target_drugs = set(target.drug_uses.values_list("drug_type_id", flat=True))
        for use in source.drug_uses.all():
            if use.drug_type_id in target_drugs:
                use.delete()
            else:
                use.person = target
                use.save()
        for contact in source.family.all():
            contact.person = target
            contact.save()
        source_health = HealthRecord.objects.filter(person=source).first()
        if source_health and not HealthRecord.objects.filter(person=target).exists():
            source_health.person = target
            source_health.save()
        if move_id:
            target.set_id_number(*source_id)
        if not target.photo and source.photo:
            target.photo = source.photo.name
        refresh_search_text(target)
        target.save()
        record_event(
            target,
            "people.person.merged",
            actor=actor,
            other_name=source.name,
            other_uuid=str(source.uuid),
        )
        record_event(
            source,
            "people.person.merged_away",
            actor=actor,
            other_name=target.name,
            other_uuid=str(target.uuid),
        )
    return target


def history_person_pks(person: Person) -> list[int]:
    """This file and every file merged into it (recursively): their histories are its history."""
    pks = [person.pk]
    frontier = [person.pk]
    while frontier:
        frontier = list(
            Person.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)
        )
        pks.extend(frontier)
    return pks
