"""Methadone maintenance treatment records (禁毒法 Art. 51; 戒毒条例 Art. 12)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm_any
from jiedu.core.refusals import Refusal
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.people.events import record_event
from jiedu.people.models import Person

from ..choices import (
    MethadoneStatus,
)
from ..models import MethadoneTreatment
from .common import _check_on


def start_methadone_treatment(
    person: Person,
    *,
    clinic: OrgUnit,
    started_on: date,
    actor,
    clinic_number: str = "",
    daily_dose_mg: int | None = None,
) -> MethadoneTreatment:
    """Enrol a person in maintenance treatment (禁毒法 Art. 51; 戒毒条例 Art. 12).

    Recorded by the clinic or by the unit that follows the person (the participant's data is
    filed with the police, 戒毒条例 Art. 12).
    """
    if not has_perm_any(actor, "measures.execute_measure", [clinic, *person.scope_units()]):
        raise PermissionDenied(_("您无权登记该人员的维持治疗。"))
    if clinic.kind != UnitKind.REHAB_MEDICAL_INSTITUTION:
        raise Refusal(_("维持治疗门诊应为戒毒医疗机构。"), code="wrong_unit_kind", field="clinic")
    _check_on(started_on, None, "")
    with acting_as(actor), transaction.atomic():
        existing = MethadoneTreatment.objects.filter(
            person=person, status=MethadoneStatus.IN_TREATMENT
        ).first()
        if existing is not None:
            if existing.clinic_id == clinic.pk and existing.started_on == started_on:
                return existing
            raise Refusal(
                _("该人员正在%(clinic)s接受维持治疗。"),
                code="treatment_active",
                params={"clinic": str(existing.clinic)},
            )
        treatment = MethadoneTreatment.objects.create(
            person=person,
            clinic=clinic,
            started_on=started_on,
            clinic_number=clinic_number,
            daily_dose_mg=daily_dose_mg,
            filed_with_police_on=None,
        )
        record_event(
            person,
            "measures.methadone.started",
            actor=actor,
            org_unit=clinic,
            on=started_on.isoformat(),
            clinic=str(clinic),
        )
    return treatment
