"""Fetching one person's file for a user: 404 when missing and when outside scope alike."""

from django.http import Http404

from jiedu.core.permissions import has_perm_any

from .choices import PersonStatus
from .models import HealthRecord, Person


def get_person_for_user(user, uuid, action: str = "view") -> Person:
    """The person with public id `uuid`, if `user` may `action` it; else Http404."""
    person = (
        Person.objects.restrict(user, action)
        .select_related(
            "managing_unit", "measure_unit", "hukou_division", "residence_division", "merged_into"
        )
        .filter(uuid=uuid)
        .first()
    )
    if person is None:
        raise Http404("person not found")
    if action != "view" and person.status != PersonStatus.ACTIVE:
        # A merged file is history: changes go to the file it was merged into.
        raise Http404("person file merged")
    return person


def person_has_perm(user, perm: str, person: Person) -> bool:
    """Whether `user` holds `perm` over `person`: at the managing unit or the unit executing the
    person's current measure (the same units `Person.objects.restrict` reads)."""
    return has_perm_any(user, perm, person.scope_units())


def can_view_health(user, person: Person) -> bool:
    return person_has_perm(user, "people.view_health", person)


def can_view_full_id(user, person: Person) -> bool:
    return person_has_perm(user, "people.view_full_id_number", person)


def get_health_for_user(user, person: Person) -> HealthRecord | None:
    """The health record, or None both when there is none and when the user may not see it."""
    if not can_view_health(user, person):
        return None
    return HealthRecord.objects.filter(person=person).first()
