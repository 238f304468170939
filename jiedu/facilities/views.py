"""Facility pages: the facilities in scope, one facility's capacity and stays, intake, a stay's
record and the officer's actions on it, and the release certificate."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm, scope_q
from jiedu.core.views import apply_validation_error, paginate
from jiedu.measures import services as measure_services
from jiedu.measures.access import get_measure_for_user
from jiedu.measures.choices import MeasureKind, MeasureStatus
from jiedu.measures.documents import ReleaseCertificate, render_release_certificate
from jiedu.measures.models import Measure
from jiedu.orgs.models import OrgUnit

from . import forms, services
from .access import get_facility_for_user, get_stay_for_user
from .models import Admission, HomeLeave, MedicalParole, Segregation


@login_required
def facility_list(request):
    if not has_perm(request.user, "facilities.view_admission"):
        raise PermissionDenied
    facilities = OrgUnit.objects.filter(kind__in=services.FACILITY_KINDS, is_active=True)
    q = scope_q(request.user, "facilities.view_admission", "path")
    if q is not None:
        facilities = facilities.filter(q)
    rows = [services.capacity(f) for f in facilities.order_by("path")]
    return render(request, "facilities/facility_list.html", {"rows": rows})


@login_required
def facility_detail(request, code):
    facility = get_facility_for_user(request.user, code)
    stays = paginate(
        request,
        Admission.objects.restrict(request.user, "view")
        .filter(facility=facility, left_on__isnull=True)
        .select_related("person", "measure", "zone", "bed")
        .order_by("zone__kind", "bed__code", "person__name", "id"),
    )
    awaiting = (
        Measure.objects.restrict(request.user, "view")
        .filter(
            executing_unit=facility,
            kind=MeasureKind.COMPULSORY_ISOLATION,
            status=MeasureStatus.ORDERED,
        )
        .select_related("person", "deciding_organ")
    )
    return render(
        request,
        "facilities/facility_detail.html",
        {
            "facility": facility,
            "capacity": services.capacity(facility),
            "stays": stays,
            "awaiting": awaiting,
            "today": clock.today(),
            "can_manage": has_perm(request.user, "facilities.manage_admission", facility),
            "can_see_centres": has_perm(request.user, "centres.view_record", facility),
            "can_see_evaluations": has_perm(request.user, "evaluations.view_evaluation", facility),
        },
    )


@login_required
def admit(request, measure_pk):
    measure = get_measure_for_user(request.user, measure_pk)
    facility = measure.executing_unit
    if not has_perm(request.user, "facilities.manage_admission", facility):
        raise PermissionDenied
    if request.method == "POST":
        form = forms.IntakeForm(request.POST, facility=facility)
        if form.is_valid():
            try:
                stay = services.admit_person(
                    measure, facility=facility, data=_intake(form), actor=request.user
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已办理入所。"))
                return redirect("facilities:stay_detail", pk=stay.pk)
    else:
        form = forms.IntakeForm(facility=facility)
    return render(
        request,
        "facilities/intake_form.html",
        {"form": form, "measure": measure, "person": measure.person, "facility": facility},
    )


def _intake(form) -> services.IntakeInput:
    d = form.cleaned_data
    return services.IntakeInput(
        on=d["on"],
        identity_checked=d["identity_checked"],
        searched_by=[d["searcher_1"], d["searcher_2"]],
        health_summary=d["health_summary"],
        injuries=d["injuries"],
        pregnancy_test=d["pregnancy_test"] or "not_applicable",
        breastfeeding=d["breastfeeding"],
        files_received=d["files_received"],
        bed=d.get("bed"),  # a transfer assigns the bed at the receiving facility
        property=form.property_items(),
    )


# The actions on a stay: name -> (form class, label, who may see the form)
STAY_ACTIONS = {
    "zone": (forms.ZoneChangeForm, _("分区调整"), "facilities.manage_admission"),
    "leave": (forms.LeaveForm, _("批准外出探视"), "facilities.approve_admission"),
    "segregate": (forms.SegregationForm, _("单独管理"), "facilities.manage_admission"),
    "parole": (forms.ParoleForm, _("所外就医"), "facilities.approve_admission"),
    "escape": (forms.EscapeForm, _("登记脱逃"), "facilities.manage_admission"),
    "recapture": (forms.OnForm, _("登记追回"), "facilities.manage_admission"),
    "transfer": (forms.TransferForm, _("移送司法行政戒毒所"), "facilities.manage_admission"),
    "release": (forms.ReleaseForm, _("解除出所"), "facilities.manage_admission"),
}


def _stay_actions(stay) -> list[str]:
    if stay.left_on is not None:
        return []
    status = stay.measure.status
    names = ["zone", "segregate"]
    if status == MeasureStatus.IN_PROGRESS:
        names += ["leave", "parole", "escape", "release"]
        if stay.facility.kind == "police_facility":
            names.append("transfer")
    if status == MeasureStatus.ESCAPED:
        names = ["recapture"]
    return names


def _make_form(name, stay, data=None):
    cls = STAY_ACTIONS[name][0]
    if cls is forms.ZoneChangeForm:
        return cls(data, facility=stay.facility, prefix=name)
    return cls(data, prefix=name)


def _stay_context(request, stay, failed=None) -> dict:
    action_forms = []
    for name in _stay_actions(stay):
        _cls, label, perm = STAY_ACTIONS[name]
        if not has_perm(request.user, perm, stay.facility):
            continue
        form = failed[1] if failed and failed[0] == name else _make_form(name, stay)
        action_forms.append((name, label, form))
    manage = has_perm(request.user, "facilities.manage_admission", stay.facility)
    approve = has_perm(request.user, "facilities.approve_admission", stay.facility)
    return {
        "stay": stay,
        "person": stay.person,
        "measure": stay.measure,
        "clocks": measure_services.clock_rows(stay.measure),
        "zone_changes": stay.zone_changes.select_related("from_zone", "to_zone", "bed"),
        "leaves": stay.home_leaves.all(),
        "segregations": stay.segregations.all(),
        "paroles": stay.medical_paroles.all(),
        "property": stay.property.all(),
        "action_forms": action_forms,
        "return_form": forms.LeaveReturnForm(prefix="return") if manage else None,
        "end_form": forms.OnForm(prefix="end") if manage else None,
        "can_manage": manage,
        "can_approve": approve,
        "today": clock.today(),
    }


@login_required
def stay_detail(request, pk):
    stay = get_stay_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=stay.person_id)
    return render(request, "facilities/stay_detail.html", _stay_context(request, stay))


def _run_stay_action(name, stay, form, actor):
    d = form.cleaned_data
    if name == "zone":
        return services.change_zone(
            stay,
            to_zone=d["to_zone"],
            bed=d["bed"],
            on=d["on"],
            reason=d["reason"],
            stage_result=d["stage_result"],
            evaluation_note=d["evaluation_note"],
            actor=actor,
        )
    if name == "leave":
        return services.grant_home_leave(
            stay,
            ground=d["ground"],
            starts_on=d["starts_on"],
            due_back_on=d["due_back_on"],
            destination=d["destination"],
            actor=actor,
        )
    if name == "segregate":
        return services.segregate(
            stay,
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            reason=d["reason"],
            emergency=d["emergency"],
            actor=actor,
        )
    if name == "parole":
        return services.start_medical_parole(stay, actor=actor, **d)
    if name == "escape":
        return measure_services.escape(stay.measure, on=d["on"], reason=d["reason"], actor=actor)
    if name == "recapture":
        return measure_services.recapture(stay.measure, on=d["on"], actor=actor)
    if name == "transfer":
        return services.transfer_person(
            stay, to_facility=d["to_facility"], data=_intake(form), actor=actor
        )
    order = None
    if d["rehab_unit"]:
        order = measure_services.CommunityRehabOrder(
            executing_unit=d["rehab_unit"],
            term_months=d["rehab_months"],
            decision_number=d["rehab_number"],
        )
    return services.release_person(
        stay,
        on=d["on"],
        early=d["early"],
        certificate_number=d["certificate_number"],
        community_rehab=order,
        actor=actor,
    )


@login_required
@require_POST
def stay_action(request, pk, action):
    if action not in STAY_ACTIONS:
        raise Http404("unknown action")
    stay = get_stay_for_user(request.user, pk)
    form = _make_form(action, stay, request.POST)
    if form.is_valid():
        try:
            result = _run_stay_action(action, stay, form, request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记：%(a)s。") % {"a": STAY_ACTIONS[action][1]})
            if action == "transfer":
                return redirect("facilities:stay_detail", pk=result.pk)
            return redirect("facilities:stay_detail", pk=stay.pk)
    stay = get_stay_for_user(request.user, pk)
    context = _stay_context(request, stay, failed=(action, form))
    return render(request, "facilities/stay_detail.html", context, status=422)


def _record_post(request, pk, model, run):
    """The small follow-up actions on a stay's records (leave return, approvals, ends)."""
    record = (
        model.objects.restrict(request.user, "view")
        .filter(pk=pk)
        .select_related("admission")
        .first()
    )
    if record is None:
        raise Http404("record not found")
    try:
        run(record)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已登记。"))
    return redirect("facilities:stay_detail", pk=record.admission_id)


@login_required
@require_POST
def leave_return(request, pk):
    form = forms.LeaveReturnForm(request.POST, prefix="return")

    def run(leave):
        if not form.is_valid():
            raise ValidationError(_("请填写回所日期和检测结果。"))
        services.return_from_leave(
            leave,
            on=form.cleaned_data["on"],
            return_test=form.cleaned_data["return_test"],
            actor=request.user,
        )

    return _record_post(request, pk, HomeLeave, run)


@login_required
@require_POST
def leave_overstay(request, pk):
    return _record_post(
        request, pk, HomeLeave, lambda r: services.record_leave_overstay(r, actor=request.user)
    )


@login_required
@require_POST
def segregation_approve(request, pk):
    return _record_post(
        request, pk, Segregation, lambda r: services.approve_segregation(r, actor=request.user)
    )


def _end_day(request):
    form = forms.OnForm(request.POST, prefix="end")
    if not form.is_valid():
        raise ValidationError(_("请填写日期。"))
    return form.cleaned_data["on"]


@login_required
@require_POST
def segregation_end(request, pk):
    return _record_post(
        request,
        pk,
        Segregation,
        lambda r: services.end_segregation(r, on=_end_day(request), actor=request.user),
    )


@login_required
@require_POST
def parole_end(request, pk):
    return _record_post(
        request,
        pk,
        MedicalParole,
        lambda r: services.end_medical_parole(r, on=_end_day(request), actor=request.user),
    )


@login_required
def certificate_pdf(request, pk):
    """解除强制隔离戒毒证明书 (戒毒条例 Art. 34; 司法部令第127号 Art. 59–60)."""
    stay = get_stay_for_user(request.user, pk)
    measure = stay.measure
    if not stay.certificate_number or measure.ended_on is None:
        raise Http404("not released")
    log_access(AccessAction.EXPORT, user=request.user, person_pk=stay.person_id)
    person = stay.person
    rehab = measure.following.filter(kind=MeasureKind.COMMUNITY_REHABILITATION).first()
    pdf = render_release_certificate(
        ReleaseCertificate(
            number=stay.certificate_number,
            person_name=person.name,
            gender=person.get_gender_display(),
            birth_date=person.birth_date,
            id_number_masked=person.id_number_masked,
            hukou_address=person.hukou_address,
            deciding_organ=str(measure.deciding_organ or ""),
            decision_number=measure.decision_number,
            decided_on=measure.decided_on,
            term_start=measure.term_start,
            term_end=measure.term_end,
            released_on=measure.ended_on,
            release_kind="early" if measure.end_reason == "early_release" else "expiry",
            facility_name=str(stay.facility),
            community_rehab_months=rehab.term_months if rehab else None,
            community_rehab_unit=str(rehab.executing_unit) if rehab else "",
            issued_on=measure.ended_on,
        )
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="release-certificate-{stay.pk}.pdf"'
    return response
