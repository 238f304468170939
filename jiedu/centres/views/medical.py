"""戒毒医疗中心 pages: the facility's work page (who needs the doctor) and one stay's medical
file with its entry forms. Infectious screening and conditions are behind centres.view_health /
centres.manage_health: without them the section is not there at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm
from jiedu.core.views import apply_validation_error, paginate
from jiedu.facilities.choices import ZoneKind
from jiedu.facilities.models import Admission

from .. import rules
from ..access import get_facility_for_user, get_stay_for_user
from ..choices import ConditionSeverity, MedicationPurpose, TestOccasion, TestResult
from ..forms import medical as forms
from ..models import (
    FacilityDrugTest,
    HealthCondition,
    InfectionScreening,
    MedicationOrder,
    VitalSigns,
    WithdrawalCheck,
)
from ..services import medical as services

VIEW = "centres.view_record"
VIEW_HEALTH = "centres.view_health"
POSITIVE_DAYS = 30  # the work page's window for positive tests


@dataclass(frozen=True)
class RecordKind:
    form: type
    label: str
    health: bool  # behind centres.view_health / manage_health

    @property
    def view_perm(self) -> str:
        return VIEW_HEALTH if self.health else VIEW

    @property
    def manage_perm(self) -> str:
        return "centres.manage_health" if self.health else "centres.manage_record"


RECORDS = {
    "medication": RecordKind(forms.MedicationForm, _("登记用药"), False),
    "withdrawal": RecordKind(forms.WithdrawalCheckForm, _("戒断症状评估"), False),
    "vitals": RecordKind(forms.VitalSignsForm, _("生命体征"), False),
    "drug_test": RecordKind(forms.DrugTestForm, _("所内毒品检测"), False),
    "screening": RecordKind(forms.ScreeningForm, _("传染病筛查"), True),
    "condition": RecordKind(forms.ConditionForm, _("疾病与残疾"), True),
}

RUNNERS = {
    "medication": services.record_medication,
    "withdrawal": services.record_withdrawal_check,
    "vitals": services.record_vital_signs,
    "drug_test": services.record_drug_test,
    "screening": services.record_screening,
    "condition": services.record_condition,
}


# --- Work page ---------------------------------------------------------------------------------


def _latest(model, day_field: str):
    """Subquery: the id of a stay's latest record of `model`."""
    return Subquery(
        model.objects.filter(admission=OuterRef("pk"))
        .order_by(f"-{day_field}", "-id")
        .values("id")[:1]
    )


def _out_of_range(v: VitalSigns, flags: dict[str, bool]) -> list:
    """Labels of the parts outside the normal range. Liver function not measured is "not shown
    in range" for the evaluation, but it is not an abnormal value: it is not listed."""
    unmeasured = v.alt is None or v.ast is None
    return [
        services.VITAL_ITEM_LABELS[k]
        for k, ok in flags.items()
        if not ok and not (k == "liver_function" and unmeasured)
    ]


@login_required
def medical_work(request, code):
    facility = get_facility_for_user(request.user, code)
    user = request.user
    today = clock.today()
    present = Admission.objects.restrict(user, "view").filter(
        facility=facility, left_on__isnull=True
    )

    stays = paginate(
        request,
        present.select_related("person", "zone", "bed")
        .annotate(latest_check_id=_latest(WithdrawalCheck, "checked_on"))
        .order_by("zone__kind", "bed__code", "person__name", "id"),
    )
    checks = WithdrawalCheck.objects.restrict(user, "view").in_bulk(
        [s.latest_check_id for s in stays if s.latest_check_id]
    )
    rows = [(s, checks.get(s.latest_check_id)) for s in stays]

    on_medication = [
        (order, (today - order.started_on).days)
        for order in MedicationOrder.objects.restrict(user, "view")
        .filter(
            admission__facility=facility,
            admission__left_on__isnull=True,
            purpose=MedicationPurpose.WITHDRAWAL,
            stopped_on__isnull=True,
        )
        .select_related("person", "admission")
        .order_by("started_on", "id")
    ]

    check_days = rule_config.value(rules.WITHDRAWAL_CHECK_DAYS, facility, today)
    since = today - timedelta(days=check_days - 1)  # the last `check_days` days, today included
    unchecked = (
        present.filter(zone__kind=ZoneKind.DETOX)
        .annotate(
            checked_recently=Exists(
                WithdrawalCheck.objects.filter(admission=OuterRef("pk"), checked_on__gte=since)
            ),
            last_checked_on=Subquery(
                WithdrawalCheck.objects.filter(admission=OuterRef("pk"))
                .order_by("-checked_on", "-id")
                .values("checked_on")[:1]
            ),
        )
        .filter(checked_recently=False)
        .select_related("person", "zone", "bed")
        .order_by("admitted_on", "id")
    )

    ranges = services.normal_ranges(facility, today)
    latest_vitals = (
        VitalSigns.objects.restrict(user, "view")
        .filter(id__in=present.annotate(v=_latest(VitalSigns, "measured_on")).values("v"))
        .select_related("person", "admission")
        .order_by("person__name", "id")
    )
    out_of_range = []
    for v in latest_vitals:
        labels = _out_of_range(v, services.vitals_in_range(v, v.person.gender, ranges))
        if labels:
            out_of_range.append((v, labels))

    positives = (
        FacilityDrugTest.objects.restrict(user, "view")
        .filter(
            admission__facility=facility,
            tested_on__gte=today - timedelta(days=POSITIVE_DAYS - 1),
            result__in=(TestResult.POSITIVE, TestResult.REFUSED),
        )
        .exclude(occasion=TestOccasion.INTAKE)
        .select_related("person", "admission")
        .order_by("-tested_on", "-id")
    )

    special = None
    if has_perm(user, VIEW_HEALTH, facility):
        special = (
            HealthCondition.objects.restrict(user, "view")
            .filter(
                admission__facility=facility,
                admission__left_on__isnull=True,
                severity=ConditionSeverity.SEVERE,
                resolved_on__isnull=True,
            )
            .select_related("person", "admission__zone")
            .order_by("admission__zone__kind", "person__name", "id")
        )

    return render(
        request,
        "centres/medical/work.html",
        {
            "facility": facility,
            "stays": stays,
            "rows": rows,
            "on_medication": on_medication,
            "unchecked": unchecked,
            "check_days": check_days,
            "out_of_range": out_of_range,
            "positives": positives,
            "positive_days": POSITIVE_DAYS,
            "special": special,
            "special_zone": ZoneKind.SPECIAL,
            "today": today,
        },
    )


# --- File of one stay --------------------------------------------------------------------------


def _file_context(request, stay, failed=None) -> dict:
    user = request.user
    facility = stay.facility
    can_health = has_perm(user, VIEW_HEALTH, facility)
    entry_forms = []
    for name, kind in RECORDS.items():
        if not has_perm(user, kind.manage_perm, facility):
            continue
        if kind.health and not can_health:
            continue
        form = failed[1] if failed and failed[0] == name else kind.form(prefix=name)
        entry_forms.append((name, kind.label, form))
    ranges = services.normal_ranges(facility, clock.today())
    sex = stay.person.gender
    vitals = [
        (v, _out_of_range(v, services.vitals_in_range(v, sex, ranges)))
        for v in VitalSigns.objects.restrict(user, "view").filter(admission=stay)
    ]
    context = {
        "stay": stay,
        "person": stay.person,
        "medications": MedicationOrder.objects.restrict(user, "view").filter(admission=stay),
        "checks": WithdrawalCheck.objects.restrict(user, "view").filter(admission=stay),
        "vitals": vitals,
        "drug_tests": FacilityDrugTest.objects.restrict(user, "view").filter(admission=stay),
        "can_health": can_health,
        "can_manage": has_perm(user, "centres.manage_record", facility),
        "can_manage_health": can_health and has_perm(user, "centres.manage_health", facility),
        "entry_forms": entry_forms,
        "stop_form": forms.StopMedicationForm(prefix="stop"),
        "resolve_form": forms.ResolveConditionForm(prefix="resolve"),
        "today": clock.today(),
    }
    if can_health:
        context["screenings"] = InfectionScreening.objects.restrict(user, "view").filter(
            admission=stay
        )
        context["conditions"] = HealthCondition.objects.restrict(user, "view").filter(
            admission=stay
        )
        context["needs_special_zone"] = services.needs_special_zone(stay)
    return context


@login_required
def medical_file(request, pk):
    stay = get_stay_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=stay.person_id)
    return render(request, "centres/medical/file.html", _file_context(request, stay))


@login_required
@require_POST
def medical_record(request, pk, record):
    kind = RECORDS.get(record)
    if kind is None:
        raise Http404("unknown record")
    stay = get_stay_for_user(request.user, pk, kind.view_perm)
    form = kind.form(request.POST, prefix=record)
    if form.is_valid():
        try:
            RUNNERS[record](stay, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记：%(r)s。") % {"r": kind.label})
            return redirect("centres:medical_file", pk=stay.pk)
    context = _file_context(request, stay, failed=(record, form))
    return render(request, "centres/medical/file.html", context, status=422)


def _inline_post(request, pk, model, record_pk, perm, form_class, prefix, run):
    """A small action on one record (stop a medication, resolve a condition): errors come back
    as messages on the file page."""
    stay = get_stay_for_user(request.user, pk, perm)
    record = model.objects.restrict(request.user, "view").filter(pk=record_pk, admission=stay)
    record = record.select_related("admission__facility").first()
    if record is None:
        raise Http404("record not found")
    form = form_class(request.POST, prefix=prefix)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写日期。"))
        run(record, form.cleaned_data["on"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已登记。"))
    return redirect("centres:medical_file", pk=stay.pk)


@login_required
@require_POST
def medication_stop(request, pk, order_pk):
    return _inline_post(
        request,
        pk,
        MedicationOrder,
        order_pk,
        VIEW,
        forms.StopMedicationForm,
        "stop",
        lambda order, on: services.stop_medication(order, on=on, actor=request.user),
    )


@login_required
@require_POST
def condition_resolve(request, pk, condition_pk):
    return _inline_post(
        request,
        pk,
        HealthCondition,
        condition_pk,
        VIEW_HEALTH,
        forms.ResolveConditionForm,
        "resolve",
        lambda cond, on: services.resolve_condition(cond, on=on, actor=request.user),
    )


urlpatterns = [
    path("<str:code>/medical/", medical_work, name="medical_work"),
    path("stays/<int:pk>/medical/", medical_file, name="medical_file"),
    path(
        "stays/<int:pk>/medical/medication/<int:order_pk>/stop/",
        medication_stop,
        name="medication_stop",
    ),
    path(
        "stays/<int:pk>/medical/condition/<int:condition_pk>/resolve/",
        condition_resolve,
        name="condition_resolve",
    ),
    path("stays/<int:pk>/medical/<slug:record>/", medical_record, name="medical_record"),
]
