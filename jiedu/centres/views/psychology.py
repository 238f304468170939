"""心理矫治中心 pages: the facility's work page (alerts nobody has followed up, open crisis
interventions, persons not yet assessed), one person's psychological file (司法部令第127号 Art.
39), administering an instrument, and the instruments list where administrators add one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm
from jiedu.core.views import apply_validation_error

from ..access import get_facility_for_user, get_stay_for_user
from ..forms import psychology as forms
from ..models import CounsellingSession, CrisisIntervention, Instrument, InstrumentResponse
from ..services import psychology as services

VIEW = "centres.view_record"
MANAGE = "centres.manage_record"
MANAGE_INSTRUMENT = "centres.manage_instrument"


# --- Work page ---------------------------------------------------------------------------------


@login_required
def psychology_work(request, code):
    facility = get_facility_for_user(request.user, code)
    today = clock.today()
    return render(
        request,
        "centres/psychology/work.html",
        {
            "facility": facility,
            "today": today,
            "alerts": services.open_alerts(facility, today),
            "crises": services.open_crises(facility),
            "unassessed": services.unassessed_stays(facility),
            "window": services.ALERT_WINDOW_DAYS,
        },
    )


# --- A person's psychological file -------------------------------------------------------------

RECORD_FORMS = {
    "counselling": (forms.CounsellingForm, gettext_lazy("登记心理咨询")),
    "crisis": (forms.CrisisStartForm, gettext_lazy("启动危机干预")),
}


def _file_context(request, stay, failed=None, close_failed=None) -> dict:
    user = request.user
    can_manage = has_perm(user, MANAGE, stay.facility) and stay.left_on is None
    record_forms = []
    if can_manage:
        for name, (cls, label) in RECORD_FORMS.items():
            form = failed[1] if failed and failed[0] == name else cls(prefix=name)
            record_forms.append((name, label, form))
    crises = list(CrisisIntervention.objects.restrict(user, "view").filter(admission=stay))
    close_forms = {}
    if has_perm(user, MANAGE, stay.facility):
        for crisis in crises:
            if crisis.closed_on is None:
                bound = close_failed[1] if close_failed and close_failed[0] == crisis.pk else None
                close_forms[crisis.pk] = bound or forms.CrisisCloseForm(prefix=f"close{crisis.pk}")
    return {
        "stay": stay,
        "person": stay.person,
        "responses": InstrumentResponse.objects.restrict(user, "view")
        .filter(admission=stay)
        .select_related("instrument"),
        "counselling": CounsellingSession.objects.restrict(user, "view").filter(admission=stay),
        "crises": [(c, close_forms.get(c.pk)) for c in crises],
        "instruments": services.current_instruments() if can_manage else [],
        "record_forms": record_forms,
        "can_manage": can_manage,
    }


@login_required
def psychology_file(request, pk):
    stay = get_stay_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=stay.person_id)
    return render(request, "centres/psychology/file.html", _file_context(request, stay))


@login_required
@require_POST
def psychology_record(request, pk, record):
    if record not in RECORD_FORMS:
        raise Http404("unknown record")
    stay = get_stay_for_user(request.user, pk)
    form = RECORD_FORMS[record][0](request.POST, prefix=record)
    if form.is_valid():
        try:
            if record == "counselling":
                services.record_counselling(stay, actor=request.user, **form.cleaned_data)
            else:
                services.start_crisis_intervention(stay, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记：%(a)s。") % {"a": RECORD_FORMS[record][1]})
            return redirect("centres:psychology_file", pk=stay.pk)
    context = _file_context(request, stay, failed=(record, form))
    return render(request, "centres/psychology/file.html", context, status=422)


@login_required
@require_POST
def crisis_close(request, pk, crisis_pk):
    stay = get_stay_for_user(request.user, pk)
    crisis = (
        CrisisIntervention.objects.restrict(request.user, "view")
        .filter(pk=crisis_pk, admission=stay)
        .select_related("admission__facility")
        .first()
    )
    if crisis is None:
        raise Http404("crisis not found")
    form = forms.CrisisCloseForm(request.POST, prefix=f"close{crisis.pk}")
    if form.is_valid():
        try:
            services.close_crisis_intervention(crisis, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("危机干预已结案。"))
            return redirect("centres:psychology_file", pk=stay.pk)
    context = _file_context(request, stay, close_failed=(crisis.pk, form))
    return render(request, "centres/psychology/file.html", context, status=422)


# --- Administering an instrument ---------------------------------------------------------------


@login_required
def instrument_respond(request, pk, instrument_code):
    stay = get_stay_for_user(request.user, pk)
    if not has_perm(request.user, MANAGE, stay.facility):
        raise PermissionDenied
    instrument = services.current_instrument(instrument_code)
    if instrument is None:
        raise Http404("no such instrument")
    definition = instrument.definition
    if request.method == "POST":
        form = forms.InstrumentResponseForm(request.POST, definition=definition)
        if form.is_valid():
            try:
                response = services.record_response(
                    stay,
                    instrument=instrument,
                    answered_on=form.cleaned_data["answered_on"],
                    answers=form.answers(),
                    actor=request.user,
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                if response.has_alert:
                    messages.warning(request, _("测评结果有预警，请及时跟进。"))
                messages.success(request, _("已登记测评结果。"))
                return redirect("centres:psychology_file", pk=stay.pk)
    else:
        form = forms.InstrumentResponseForm(
            definition=definition, initial={"answered_on": clock.today()}
        )
    return render(
        request,
        "centres/psychology/respond.html",
        {
            "stay": stay,
            "person": stay.person,
            "instrument": instrument,
            "instructions": forms.pick_text(definition, "instructions"),
            "form": form,
        },
        status=422 if form.is_bound else 200,
    )


# --- Instruments -------------------------------------------------------------------------------


@login_required
def instrument_list(request):
    user = request.user
    can_manage = has_perm(user, MANAGE_INSTRUMENT)
    if not (can_manage or has_perm(user, VIEW)):
        raise Http404("no centre permission")
    form = None
    if can_manage:
        if request.method == "POST":
            form = forms.InstrumentDefinitionForm(request.POST)
            if form.is_valid():
                try:
                    instrument = services.add_instrument(
                        form.cleaned_data["definition"], actor=user
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(
                        request,
                        _("已添加量表：%(name)s（第%(v)s版）。")
                        % {"name": instrument.name, "v": instrument.version},
                    )
                    return redirect("centres:instrument_list")
        else:
            form = forms.InstrumentDefinitionForm()
    elif request.method == "POST":
        raise PermissionDenied
    instruments = Instrument.objects.order_by("code", "-version")
    return render(
        request,
        "centres/psychology/instruments.html",
        {"instruments": instruments, "form": form, "can_manage": can_manage},
        status=422 if form is not None and form.is_bound else 200,
    )


urlpatterns = [
    path("instruments/", instrument_list, name="instrument_list"),
    path("<str:code>/psychology/", psychology_work, name="psychology_work"),
    path("stays/<int:pk>/psychology/", psychology_file, name="psychology_file"),
    path(
        "stays/<int:pk>/psychology/respond/<slug:instrument_code>/",
        instrument_respond,
        name="psychology_respond",
    ),
    path(
        "stays/<int:pk>/psychology/crisis/<int:crisis_pk>/close/",
        crisis_close,
        name="psychology_crisis_close",
    ),
    path("stays/<int:pk>/psychology/<slug:record>/", psychology_record, name="psychology_record"),
]
