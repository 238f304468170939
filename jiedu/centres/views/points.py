"""Behaviour-points pages (行为考核): the facility's work page (quick entry, months awaiting the
user's step, months not yet submitted, the grades), one person's points file with the monthly
chain, and the administrators' page for the approval chain."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm, scope_q
from jiedu.core.views import apply_validation_error, next_url, query_id
from jiedu.facilities.models import Admission
from jiedu.facilities.services import FACILITY_KINDS
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit

from ..access import get_facility_for_user, get_stay_for_user
from ..choices import ApprovalDecision, Grade, MonthStatus
from ..forms.points import ApprovalChainForm, DecisionForm, PointEntryForm, steps_as_text
from ..models import ApprovalChain, PointApproval, PointEntry, PointMonth
from ..services import points as services

CHAIN_UNIT_KINDS = (UnitKind.PROVINCE, UnitKind.CITY, *FACILITY_KINDS)


def _month_for_user(user, stay: Admission, month_pk: int) -> PointMonth:
    month = PointMonth.objects.restrict(user, "view").filter(pk=month_pk, admission=stay).first()
    if month is None:
        raise Http404("month not found")
    month.admission = stay
    return month


def _approvals_prefetch():
    return Prefetch(
        "approvals",
        queryset=PointApproval.objects.select_related("decided_by").order_by("decided_at", "id"),
    )


# --- Work page -----------------------------------------------------------------------------------


def _residents(user, facility: OrgUnit):
    """The facility's current residents with the grade of their latest approved month."""
    latest = (
        PointMonth.objects.filter(admission=OuterRef("pk"), status=MonthStatus.APPROVED)
        .order_by("-month", "-id")
        .values("grade")[:1]
    )
    return (
        Admission.objects.restrict(user, "view")
        .filter(facility=facility, left_on__isnull=True)
        .select_related("person", "zone", "bed")
        .annotate(latest_grade=Subquery(latest))
        .order_by("zone__name", "bed__code", "person__name", "id")
    )


@login_required
def points_work(request, code):
    facility = get_facility_for_user(request.user, code)
    user = request.user
    today = clock.today()
    residents = _residents(user, facility)
    can_manage = has_perm(user, "centres.manage_record", facility)
    form = None
    if can_manage:
        if request.method == "POST":
            form = PointEntryForm(request.POST, residents=residents)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    services.record_points(
                        d["stay"],
                        on=d["on"],
                        category=d["category"],
                        kind=d["kind"],
                        points=d["points"],
                        reason=d["reason"],
                        actor=user,
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(
                        request, _("已记分：%(name)s。") % {"name": d["stay"].person.name}
                    )
                    return redirect("centres:points_work", code=facility.code)
        else:
            form = PointEntryForm(residents=residents)
    elif request.method == "POST":
        raise PermissionDenied

    months = PointMonth.objects.restrict(user, "view").filter(admission__facility=facility)
    awaiting = []
    if has_perm(user, "centres.approve_points", facility):
        in_approval = (
            months.filter(status=MonthStatus.IN_APPROVAL)
            .select_related("person", "admission__facility")
            .prefetch_related(_approvals_prefetch())
            .order_by("month", "person__name", "id")
        )
        awaiting = [m for m in in_approval if services.may_decide(m, user, m.approvals.all())]
    unsubmitted = (
        months.filter(status=MonthStatus.OPEN, month__lt=services.month_start(today))
        .select_related("person", "admission")
        .order_by("month", "person__name", "id")
    )
    stays = list(residents)
    for stay in stays:
        stay.grade = stay.latest_grade or Grade.NORMAL
    counts = Counter(stay.grade for stay in stays)
    grades = [(g, label, counts.get(g, 0)) for g, label in Grade.choices]
    context = {
        "facility": facility,
        "form": form,
        "awaiting": awaiting,
        "unsubmitted": unsubmitted,
        "grades": grades,
        "strict": [s for s in stays if s.grade == Grade.STRICT],
        "resident_count": len(stays),
        "can_manage": can_manage,
        "today": today,
    }
    status = 422 if form is not None and form.errors else 200
    return render(request, "centres/points/work.html", context, status=status)


# --- One person's file ---------------------------------------------------------------------------


def _progress(month: PointMonth, approvals: list) -> list[dict]:
    """Each step of the chain with the approval of the current round, if given."""
    current_round: dict[int, PointApproval] = {}
    for a in approvals:
        if a.decision == ApprovalDecision.RETURN:
            current_round = {}
        else:
            current_round[a.step] = a
    if month.status == MonthStatus.OPEN:
        current_round = {}
    rows = []
    for i, step in enumerate(month.chain):
        approval = current_round.get(i)
        state = "done" if approval else "pending"
        if month.status == MonthStatus.IN_APPROVAL and i == month.next_step:
            state = "current"
        rows.append(
            {
                "label": step["label"],
                "leader": step.get("leader"),
                "approval": approval,
                "state": state,
            }
        )
    return rows


def _file_context(request, stay: Admission, entry_form=None) -> dict:
    user = request.user
    today = clock.today()
    can_manage = has_perm(user, "centres.manage_record", stay.facility)
    months = list(
        PointMonth.objects.restrict(user, "view")
        .filter(admission=stay)
        .prefetch_related(
            Prefetch(
                "entries", queryset=PointEntry.objects.restrict(user, "view").order_by("on", "id")
            ),
            _approvals_prefetch(),
        )
        .order_by("-month", "-id")
    )
    preview = None
    rows = []
    for month in months:
        month.admission = stay  # the stay is loaded already; spare a query per month
        approvals = list(month.approvals.all())
        if month.status == MonthStatus.OPEN and preview is None:
            preview = services.resolve_chain(stay.facility, today)
        returned = approvals[-1] if month.status == MonthStatus.OPEN and approvals else None
        rows.append(
            {
                "month": month,
                "entries": month.entries.all(),
                "progress": _progress(month, approvals),
                "history": approvals,
                "returned": returned
                if returned and returned.decision == ApprovalDecision.RETURN
                else None,
                "can_submit": can_manage
                and month.status == MonthStatus.OPEN
                and today >= services.submittable_from(month),
                "can_decide": services.may_decide(month, user, approvals),
                "decision_form": DecisionForm(initial={"step": month.next_step}),
            }
        )
    if entry_form is None and can_manage and stay.left_on is None:
        entry_form = PointEntryForm()
    return {
        "stay": stay,
        "person": stay.person,
        "rows": rows,
        "preview": preview,
        "grade": Grade(services.current_grade(stay)),
        "entry_form": entry_form,
        "can_manage": can_manage,
        "today": today,
    }


@login_required
def points_file(request, pk):
    stay = get_stay_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=stay.person_id)
    return render(request, "centres/points/file.html", _file_context(request, stay))


@login_required
@require_POST
def points_entry(request, pk):
    stay = get_stay_for_user(request.user, pk, perm="centres.manage_record")
    form = PointEntryForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_points(
                stay,
                on=d["on"],
                category=d["category"],
                kind=d["kind"],
                points=d["points"],
                reason=d["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已记分。"))
            return redirect("centres:points_file", pk=stay.pk)
    context = _file_context(request, stay, entry_form=form)
    return render(request, "centres/points/file.html", context, status=422)


def _month_action(request, pk, month_pk, run, done: str):
    stay = get_stay_for_user(request.user, pk)
    month = _month_for_user(request.user, stay, month_pk)
    try:
        run(month)
    except (ValidationError, PermissionDenied) as exc:
        errors = (
            exc.messages
            if isinstance(exc, ValidationError)
            else [str(exc) or _("您无权执行该操作。")]
        )
        for message in errors:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(next_url(request, reverse("centres:points_file", kwargs={"pk": stay.pk})))


@login_required
@require_POST
def points_submit(request, pk, month_pk):
    return _month_action(
        request,
        pk,
        month_pk,
        lambda m: services.submit_month(m, actor=request.user),
        _("已提交审批。"),
    )


@login_required
@require_POST
def points_decide(request, pk, month_pk):
    form = DecisionForm(request.POST)

    def run(month):
        if not form.is_valid():
            raise ValidationError(_("请选择审批意见。"))
        d = form.cleaned_data
        services.decide_step(
            month, decision=d["decision"], note=d["note"], step=d["step"], actor=request.user
        )

    done = (
        _("已退回。") if request.POST.get("decision") == ApprovalDecision.RETURN else _("已审批。")
    )
    return _month_action(request, pk, month_pk, run, done)


# --- Approval chain (administrators) -------------------------------------------------------------


def _chain_units(user):
    units = OrgUnit.objects.filter(is_active=True, kind__in=CHAIN_UNIT_KINDS)
    q = scope_q(user, "core.manage_rules", "path")
    return units.filter(q) if q is not None else units


@login_required
def approval_chain(request):
    user = request.user
    if not has_perm(user, "core.manage_rules"):
        raise PermissionDenied
    units = _chain_units(user).order_by("path")
    if request.method == "POST":
        form = ApprovalChainForm(request.POST, units=units)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.set_approval_chain(
                    d["org_unit"],
                    steps=form.parsed_steps(),
                    effective_from=d["effective_from"],
                    source=d["source"],
                    actor=user,
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已保存新版本。"))
                return redirect(f"{reverse('centres:approval_chain')}?unit={d['org_unit'].pk}")
    else:
        initial = {}
        unit_pk = query_id(request, "unit")
        chosen = units.filter(pk=unit_pk).first() if unit_pk is not None else None
        if chosen is not None:
            initial = {
                "org_unit": chosen,
                "steps": steps_as_text(services.resolve_chain(chosen).steps),
            }
        form = ApprovalChainForm(units=units, initial=initial)
    today = clock.today()
    facilities = [u for u in units if u.kind in FACILITY_KINDS]
    chains = services.resolve_chains(facilities, today)
    in_force = [(u, chains[u.pk]) for u in facilities]
    history = ApprovalChain.objects.select_related("org_unit").order_by(
        "org_unit__path", "-effective_from"
    )
    q = scope_q(user, "core.manage_rules", "org_unit__path")
    if q is not None:
        history = history.filter(q)
    return render(
        request,
        "centres/points/approval_chain.html",
        {
            "form": form,
            "in_force": in_force,
            "history": history,
            "default_chain": services.DEFAULT_CHAIN,
            "default_source": services.DEFAULT_CHAIN_SOURCE,
            "today": today,
        },
        status=422 if form.errors else 200,
    )


urlpatterns = [
    path("approval-chain/", approval_chain, name="approval_chain"),
    path("stays/<int:pk>/points/", points_file, name="points_file"),
    path("stays/<int:pk>/points/entry/", points_entry, name="points_entry"),
    path(
        "stays/<int:pk>/points/months/<int:month_pk>/submit/", points_submit, name="points_submit"
    ),
    path(
        "stays/<int:pk>/points/months/<int:month_pk>/decide/", points_decide, name="points_decide"
    ),
    path("<str:code>/points/", points_work, name="points_work"),
]
