"""Measures pages: decide a measure, a measure's file (clocks, pauses, notices) and its actions."""

from __future__ import annotations

import uuid as uuidlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.export import Column, export_response
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm, scope_q
from jiedu.core.views import (
    apply_validation_error,
    next_url,
    paginate,
    query_param,
    render_list,
)
from jiedu.people.access import get_person_for_user
from jiedu.people.querysets import mask_query, search_by_person

from . import forms, services
from .access import get_measure_for_user
from .choices import ACTIVE_STATUSES, MeasureKind, MeasureStatus
from .documents import CommunityRehabNotice, render_community_rehab_notice
from .models import MEASURE_SCOPE, Measure, Notice

# action -> (form class, service call)
ACTIONS = {
    "report": forms.ReportForm,
    "refuse": forms.OnForm,
    "suspend": forms.SuspendForm,
    "resume": forms.OnForm,
    "escape": forms.EscapeForm,
    "recapture": forms.OnForm,
    "release": forms.ReleaseForm,
    "terminate": forms.TerminateForm,
}


def _run(action: str, measure, data: dict, actor):
    on = data["on"]
    if action == "report":
        return services.report_in(measure, on=on, actor=actor, late_reason=data["late_reason"])
    if action == "refuse":
        return services.refuse(measure, on=on, actor=actor)
    if action == "suspend":
        return services.suspend(measure, on=on, actor=actor, reason=data["reason"])
    if action == "resume":
        return services.resume(measure, on=on, actor=actor)
    if action == "escape":
        return services.escape(measure, on=on, actor=actor, reason=data["reason"])
    if action == "recapture":
        return services.recapture(measure, on=on, actor=actor)
    if action == "release":
        return services.release(measure, on=on, actor=actor)
    return services.terminate(measure, on=on, reason=data["reason"], actor=actor)


def available_actions(measure) -> list[str]:
    """The actions the status machine allows now, as offered on the page. Isolation release,
    admission and transfer go through the facility pages (they open and close stays)."""
    found = []
    for action in ACTIONS:
        kinds, sources, _target = services.TRANSITIONS[action]
        if measure.kind in kinds and measure.status in sources:
            found.append(action)
    if measure.is_isolation and "release" in found:
        found.remove("release")
    today = clock.today()
    if "refuse" in found and measure.report_due_by and today <= measure.report_due_by:
        found.remove("refuse")
    # A community measure is released at expiry (戒毒条例 Art. 23, 40), not before.
    if (
        measure.is_community
        and "release" in found
        and measure.term_end
        and today < measure.term_end
    ):
        found.remove("release")
    return found


def _form_for(action, measure, data=None):
    cls = ACTIONS[action]
    if cls is forms.TerminateForm:
        return cls(data, kind=measure.kind, prefix=action)
    return cls(data, prefix=action)


def _detail_context(request, measure, failed: tuple[str, object] | None = None) -> dict:
    actions = available_actions(measure) if services.can_execute(request.user, measure) else []
    action_forms = []
    for action in actions:
        form = failed[1] if failed and failed[0] == action else _form_for(action, measure)
        action_forms.append((action, services.ACTION_LABELS[action], form))
    notices = list(measure.notices.select_related("owed_by"))
    notice_forms = [
        (n, forms.NoticeSentForm(prefix=f"notice{n.pk}"))
        for n in notices
        if n.sent_on is None and has_perm(request.user, "measures.execute_measure", n.owed_by)
    ]
    today = clock.today()
    return {
        "measure": measure,
        "person": measure.person,
        "clocks": services.clock_rows(measure),
        "blockers": services.early_release_blockers(measure, today) if measure.is_isolation else [],
        "pauses": measure.pauses.all(),
        "notices": notices,
        "notice_forms": dict((n.pk, f) for n, f in notice_forms),
        "action_forms": action_forms,
        "today": today,
        "stays": measure.admissions.select_related("facility").order_by("admitted_on")
        if measure.is_isolation
        else [],
        "following": measure.following.all(),
    }


# --- The list of measures and its export --------------------------------------------------------


def _list_filters(request) -> dict:
    """The list's filters from the query string; values that are not choices are ignored."""
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    return {
        "q": query_param(request),
        "kind": kind if kind in MeasureKind.values else "",
        "status": status if status in MeasureStatus.values or status == "open" else "",
    }


def _filtered(queryset, filters: dict):
    if filters["kind"]:
        queryset = queryset.filter(kind=filters["kind"])
    if filters["status"] == "open":
        queryset = queryset.filter(status__in=ACTIVE_STATUSES)
    elif filters["status"]:
        queryset = queryset.filter(status=filters["status"])
    return search_by_person(queryset, filters["q"]).select_related(
        "person", "executing_unit", "deciding_organ"
    )


def _filters_text(filters: dict) -> str:
    """What the access log keeps of the filters (identifiers in the search masked)."""
    parts = ["measures"]
    if filters["q"]:
        parts.append(f"q={mask_query(filters['q'])}")
    parts.extend(f"{k}={filters[k]}" for k in ("kind", "status") if filters[k])
    return " ".join(parts)


@login_required
def measure_list(request):
    """Measures in the user's scope (executed, decided, or of a person the unit manages)."""
    if not has_perm(request.user, "measures.view_measure"):
        raise Http404
    filters = _list_filters(request)
    measures = _filtered(Measure.objects.restrict(request.user, "view"), filters)
    page = paginate(request, measures.order_by("-decided_on", "-id"))
    log_access(
        AccessAction.SEARCH_PERSON,
        user=request.user,
        query=_filters_text(filters),
        result_count=page.paginator.count,
    )
    return render_list(
        request,
        "measures/measure_list.html",
        "measures/_measure_rows.html",
        {
            "page": page,
            "filters": filters,
            "kinds": MeasureKind.choices,
            "statuses": MeasureStatus.choices,
            "can_export": has_perm(request.user, "people.export_person"),
        },
    )


EXPORT_COLUMNS = [
    Column(gettext_lazy("姓名"), "person.name"),
    Column(gettext_lazy("证件号码"), "person.id_number_masked", width=22),
    Column(gettext_lazy("措施"), lambda m: m.get_kind_display(), width=14),
    Column(gettext_lazy("状态"), lambda m: m.get_status_display(), width=14),
    Column(gettext_lazy("决定机关"), "deciding_organ.name", width=24),
    Column(gettext_lazy("决定书文号"), "decision_number", width=26),
    Column(gettext_lazy("决定日期"), "decided_on", width=12),
    Column(gettext_lazy("送达日期"), "served_on", width=12),
    Column(gettext_lazy("执行单位"), "executing_unit.name", width=24),
    Column(gettext_lazy("期限（月）"), "term_months", width=10),
    Column(gettext_lazy("报到截止日"), "report_due_by", width=12),
    Column(gettext_lazy("报到日期"), "reported_on", width=12),
    Column(gettext_lazy("期限届满日"), "term_end", width=12),
    Column(gettext_lazy("结束日期"), "ended_on", width=12),
    Column(gettext_lazy("结束原因"), lambda m: m.get_end_reason_display(), width=16),
]


@login_required
def measure_export(request, fmt: str = "xlsx"):
    """The list as filtered, as a spreadsheet: the measures the user sees on the page that lie
    within the scope of their export permission (people.export_person)."""
    if not has_perm(request.user, "people.export_person"):
        raise Http404
    filters = _list_filters(request)
    measures = Measure.objects.restrict(request.user, "view")
    export_scope = scope_q(request.user, "people.export_person", MEASURE_SCOPE)
    if export_scope is not None:
        measures = measures.filter(export_scope)
    rows = _filtered(measures, filters).order_by("-decided_on", "-id")
    return export_response(
        request, rows, EXPORT_COLUMNS, name=_("戒毒措施"), fmt=fmt, query=_filters_text(filters)
    )


@login_required
def measure_detail(request, pk):
    measure = get_measure_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=measure.person_id)
    return render(request, "measures/measure_detail.html", _detail_context(request, measure))


@login_required
@require_POST
def measure_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404("unknown action")
    measure = get_measure_for_user(request.user, pk)
    form = _form_for(action, measure, request.POST)
    if form.is_valid():
        try:
            _run(action, measure, form.cleaned_data, request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("已登记：%(action)s。") % {"action": services.ACTION_LABELS[action]}
            )
            return redirect("measures:measure_detail", pk=measure.pk)
    measure.refresh_from_db()
    context = _detail_context(request, measure, failed=(action, form))
    return render(request, "measures/measure_detail.html", context, status=422)


@login_required
@require_POST
def notice_sent(request, pk):
    notice = get_object_or_404(Notice.objects.restrict(request.user, "view"), pk=pk)
    form = forms.NoticeSentForm(request.POST, prefix=f"notice{notice.pk}")
    if form.is_valid():
        try:
            services.record_notice_sent(
                notice,
                on=form.cleaned_data["on"],
                method=form.cleaned_data["method"],
                actor=request.user,
            )
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            messages.success(request, _("已登记通知。"))
    else:
        messages.error(request, _("请填写通知日期。"))
    fallback = reverse("measures:measure_detail", kwargs={"pk": notice.measure_id})
    return redirect(next_url(request, fallback))


@login_required
def measure_create(request, uuid):
    person = get_person_for_user(request.user, uuid)
    if not has_perm(request.user, "measures.decide_measure"):
        raise PermissionDenied
    if request.method == "POST":
        form = forms.DecideForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            data = services.MeasureInput(
                person=person,
                kind=d["kind"],
                decided_on=d["decided_on"],
                served_on=d["served_on"],
                executing_unit=d["executing_unit"],
                deciding_organ=d["deciding_organ"],
                decision_number=d["decision_number"],
                ground=d["ground"],
                term_months=d["term_months"],
                pregnant=d["pregnant"],
                breastfeeding=d["breastfeeding"],
                minor_reason=d["minor_reason"],
                note=d["note"],
            )
            try:
                measure = services.decide_measure(
                    data, actor=request.user, idempotency_key=d["idempotency_key"] or None
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("决定已登记。"))
                return redirect("measures:measure_detail", pk=measure.pk)
    else:
        today = clock.today()
        form = forms.DecideForm(
            initial={
                "decided_on": today,
                "served_on": today,
                "kind": request.GET.get("kind", MeasureKind.COMMUNITY_DRUG_REHAB),
                # A referral from a community case links here with its ground (禁毒法 Art. 38).
                "ground": request.GET.get("ground", ""),
                "idempotency_key": uuidlib.uuid4().hex,
            }
        )
    return render(request, "measures/measure_form.html", {"form": form, "person": person})


@login_required
def community_rehab_order_pdf(request, pk):
    """责令社区康复决定书 (禁毒法 Art. 48; 戒毒条例 Art. 37–38) as PDF."""
    measure = get_measure_for_user(request.user, pk)
    if measure.kind != MeasureKind.COMMUNITY_REHABILITATION:
        raise Http404("not a community rehabilitation order")
    log_access(AccessAction.EXPORT, user=request.user, person_pk=measure.person_id)
    person = measure.person
    pdf = render_community_rehab_notice(
        CommunityRehabNotice(
            number=measure.decision_number,
            person_name=person.name,
            gender=person.get_gender_display(),
            birth_date=person.birth_date,
            id_number_masked=person.id_number_masked,
            residence_address=person.residence_address,
            deciding_organ=str(measure.deciding_organ or ""),
            released_on=measure.previous.ended_on if measure.previous else measure.decided_on,
            term_months=measure.term_months,
            executing_unit=str(measure.executing_unit),
            report_due_by=measure.report_due_by,
            issued_on=measure.decided_on,
        )
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="community-rehab-order-{measure.pk}.pdf"'
    return response


@login_required
def methadone_add(request, uuid):
    person = get_person_for_user(request.user, uuid)
    if request.method == "POST":
        form = forms.MethadoneForm(request.POST)
        if form.is_valid():
            try:
                services.start_methadone_treatment(person, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("维持治疗已登记。"))
                return redirect("people:person_detail", uuid=person.uuid)
    else:
        form = forms.MethadoneForm(initial={"started_on": clock.today()})
    return render(request, "measures/methadone_form.html", {"form": form, "person": person})
