"""Leave requests and absences: the case page's section (where the person is now, leave waiting
for approval, the last absences, the forms), the case's full history, and the POSTs that record
an absence, a return, a leave request and its decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm_any
from jiedu.core.views import apply_validation_error, next_url, paginate

from ..access import get_case_for_user, get_record_for_user
from ..choices import LeaveStatus
from ..forms import absences as forms
from ..models import Absence, LeaveRequest
from ..services import absences as services
from ..services import violations
from ..services.common import case_units

VIEW = "community.view_case"
MANAGE = "community.manage_case"
APPROVE = "community.approve_leave"
SECTION_ROWS = 5


def _absences(user, case):
    return Absence.objects.restrict(user, "view").filter(case=case).order_by("-left_on", "-id")


def _leaves(user, case):
    return (
        LeaveRequest.objects.restrict(user, "view").filter(case=case).order_by("-leave_on", "-id")
    )


def _rows(absences, today) -> list[dict]:
    return [
        {"absence": a, "days": ((a.returned_on or today) - a.left_on).days + 1} for a in absences
    ]


def _context(request, case, *, absences, leaves, failed=None) -> dict:
    """What the section and the history page share. `failed`: (form name, bound form)."""
    user = request.user
    units = case_units(case)
    can_manage = has_perm_any(user, MANAGE, units)
    can_approve = has_perm_any(user, APPROVE, units)
    today = clock.today()

    def form(name, cls, **kw):
        if failed and failed[0] == name:
            return failed[1]
        return cls(prefix=name, **kw)

    rows = _rows(absences, today)
    open_rows = [r for r in rows if r["absence"].returned_on is None]
    for r in open_rows:
        r["return_form"] = form(f"return{r['absence'].pk}", forms.ReturnForm)
    pending = [lv for lv in leaves if lv.status == LeaveStatus.PENDING]
    decision_forms = {lv.pk: form(f"decide{lv.pk}", forms.LeaveDecisionForm) for lv in pending}
    return {
        "case": case,
        "person": case.person,
        "rows": rows,
        "open_rows": open_rows,
        "leave_rows": [
            {
                "leave": lv,
                "form": decision_forms.get(lv.pk) if can_approve else None,
                "cancellable": can_manage
                and (
                    lv.status == LeaveStatus.PENDING
                    or (lv.status == LeaveStatus.APPROVED and lv.leave_on >= today)
                ),
            }
            for lv in leaves
        ],
        "pending": pending,
        "can_manage": can_manage and case.is_open,
        "can_approve": can_approve,
        "absence_form": form("absence", forms.AbsenceForm) if can_manage else None,
        "leave_form": form("leave", forms.LeaveForm) if can_manage else None,
        "written_days": services.written_report_days(case, today),
        "today": today,
    }


def case_section(request, case) -> str:
    """The case page's 请假与离开 section."""
    user = request.user
    absences = list(_absences(user, case)[: SECTION_ROWS + 1])
    # Open absences are shown whatever their age (a long one is the one that matters).
    shown = {a.pk for a in absences}
    open_extra = [
        a for a in _absences(user, case).filter(returned_on__isnull=True) if a.pk not in shown
    ]
    # Every pending request, and the last few of any status.
    recent = _leaves(user, case).values("pk")[:SECTION_ROWS]
    leaves = list(_leaves(user, case).filter(Q(status=LeaveStatus.PENDING) | Q(pk__in=recent)))
    context = _context(request, case, absences=open_extra + absences[:SECTION_ROWS], leaves=leaves)
    context["more"] = len(absences) > SECTION_ROWS
    context["section"] = True
    return render_to_string("community/absences/_section.html", context, request=request)


@login_required
def absence_list(request, pk):
    case = get_case_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=case.person_id)
    return _render_list(request, case)


def _render_list(request, case, failed=None, status=200):
    page = paginate(request, _absences(request.user, case))
    context = _context(
        request,
        case,
        absences=list(page.object_list),
        leaves=list(_leaves(request.user, case)),
        failed=failed,
    )
    context["page"] = page
    context["facts"] = violations.breach_facts(case)
    return render(request, "community/absences/list.html", context, status=status)


def _done(request, case, message):
    messages.success(request, message)
    return redirect(next_url(request, reverse("community:absence_list", args=[case.pk])))


def _failed(request, case, name, form):
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=case.person_id)
    return _render_list(request, case, failed=(name, form), status=422)


@login_required
@require_POST
def absence_create(request, pk):
    case = get_case_for_user(request.user, pk, MANAGE)
    form = forms.AbsenceForm(request.POST, prefix="absence")
    if form.is_valid():
        try:
            rows = services.record_absence(case, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            _warn_unapproved(request, case, rows)
            return _done(request, case, _("已登记离开执行地记录。"))
    return _failed(request, case, "absence", form)


def _warn_unapproved(request, case, rows) -> None:
    if any(not r.approved for r in rows):
        messages.warning(
            request, _("未经批准离开执行地，计入严重违反协议情形（戒毒条例第二十条）。")
        )
    case.refresh_from_db(fields=["serious_breach_since"])
    if case.serious_breach_since is not None and any(not r.approved for r in rows):
        messages.warning(
            request, _("已构成严重违反社区戒毒（康复）协议（戒毒条例第二十条），请移交公安。")
        )


@login_required
@require_POST
def absence_return(request, pk):
    absence = get_record_for_user(Absence, request.user, pk, MANAGE)
    case = absence.case
    name = f"return{absence.pk}"
    form = forms.ReturnForm(request.POST, prefix=name)
    if form.is_valid():
        try:
            rows = services.record_return(absence, on=form.cleaned_data["on"], actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            _warn_unapproved(request, case, rows)
            return _done(request, case, _("已登记返回。"))
    return _failed(request, case, name, form)


@login_required
@require_POST
def leaverequest_create(request, pk):
    case = get_case_for_user(request.user, pk, MANAGE)
    form = forms.LeaveForm(request.POST, prefix="leave")
    if form.is_valid():
        try:
            leave = services.request_leave(case, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if leave.status == LeaveStatus.PENDING:
                return _done(request, case, _("已登记请假申请，待审批。"))
            return _done(request, case, _("离开不足规定天数，无需书面请假，已登记备查。"))
    return _failed(request, case, "leave", form)


@login_required
@require_POST
def leaverequest_decide(request, pk):
    leave = get_record_for_user(LeaveRequest, request.user, pk, APPROVE)
    case = leave.case
    name = f"decide{leave.pk}"
    form = forms.LeaveDecisionForm(request.POST, prefix=name)
    if form.is_valid():
        try:
            services.decide_leave(leave, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            approved = form.cleaned_data["approve"]
            return _done(request, case, _("已批准请假。") if approved else _("已不予批准请假。"))
    return _failed(request, case, name, form)


@login_required
@require_POST
def leaverequest_cancel(request, pk):
    leave = get_record_for_user(LeaveRequest, request.user, pk, MANAGE)
    case = leave.case
    try:
        services.cancel_leave(leave, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(next_url(request, reverse("community:absence_list", args=[case.pk])))
    return _done(request, case, _("已撤回请假。"))


urlpatterns = [
    path("cases/<int:pk>/absences/", absence_list, name="absence_list"),
    path("cases/<int:pk>/absences/new/", absence_create, name="absence_create"),
    path("absences/<int:pk>/return/", absence_return, name="absence_return"),
    path("cases/<int:pk>/leave/new/", leaverequest_create, name="leaverequest_create"),
    path("leave/<int:pk>/decide/", leaverequest_decide, name="leaverequest_decide"),
    path("leave/<int:pk>/cancel/", leaverequest_cancel, name="leaverequest_cancel"),
]
