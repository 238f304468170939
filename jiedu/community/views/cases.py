"""The township's case list, the case page, worker, team, agreement, change of place."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.export import Column, export_response
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm, has_perm_any, scope_q
from jiedu.core.views import apply_validation_error, next_url, paginate, query_param, render_list
from jiedu.measures import services as measures
from jiedu.measures.choices import MeasureStatus
from jiedu.measures.services.transitions import can_execute
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.people.querysets import mask_query, search_by_person

from ..access import VIEW, get_case_for_user, get_record_for_user, get_unit_for_user
from ..choices import CaseState, TransferStatus
from ..forms import cases as forms
from ..models import Agreement, CaseAlert, CaseTransfer, CommunityCase, TeamMember
from ..models.base import CASE_SCOPE
from ..sections import render_sections
from ..services import cases as case_services
from ..services import team
from ..services.common import case_units

MANAGE = "community.manage_case"
APPROVE = "community.approve_leave"


def _open_cases(user):
    return CommunityCase.objects.restrict(user, "view").exclude(state=CaseState.CLOSED)


# --- Index and the township's list --------------------------------------------------------------


@login_required
def index(request):
    """The townships whose cases the user sees, with counts; straight to the only one."""
    if not has_perm(request.user, VIEW):
        raise Http404
    q = scope_q(request.user, VIEW, "path")
    units = OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP, is_active=True)
    if q is not None:
        units = units.filter(q)
    units = list(units.order_by("path"))
    if len(units) == 1:
        return redirect("community:case_list", code=units[0].code)
    today = clock.today()
    counts = {
        row["unit"]: row
        for row in _open_cases(request.user)
        .values("unit")
        .annotate(
            open=Count("id"),
            awaiting=Count("id", filter=Q(state=CaseState.AWAITING_REPORT)),
            overdue=Count(
                "id",
                filter=Q(measure__status=MeasureStatus.ORDERED, measure__report_due_by__lt=today),
            ),
            unassigned=Count("id", filter=Q(worker__isnull=True)),
        )
    }
    rows = [(u, counts.get(u.pk, {})) for u in units]
    return render(request, "community/cases/index.html", {"rows": rows})


def _case_rows(request, unit, filters):
    today = clock.today()
    cases = (
        _open_cases(request.user)
        .filter(unit__path__startswith=unit.path)
        .select_related("person", "measure", "worker", "unit")
    )
    data = filters.cleaned_data if filters.is_valid() else {}
    if data.get("state"):
        cases = cases.filter(state=data["state"])
    if data.get("worker"):
        cases = cases.filter(worker_id=data["worker"])
    if data.get("unassigned"):
        cases = cases.filter(worker__isnull=True)
    if data.get("risk"):
        cases = cases.filter(risk_class=data["risk"])
    q = data.get("q") or ""
    cases = search_by_person(cases, q)
    moved_in = CaseTransfer.objects.filter(case=OuterRef("pk"), status=TransferStatus.MOVED)
    # Overdue report-ins (first or at a new place after a change of place, 戒毒条例 Art. 14, 22)
    # first, then the others awaiting report, then by risk and name.
    cases = (
        cases.annotate(
            transfer_pending=Exists(moved_in),
            transfer_overdue=Exists(moved_in.filter(report_due_by__lt=today)),
        )
        .annotate(
            overdue=Case(
                When(
                    measure__status=MeasureStatus.ORDERED,
                    measure__report_due_by__lt=today,
                    then=Value(0),
                ),
                When(transfer_overdue=True, then=Value(0)),
                When(state=CaseState.AWAITING_REPORT, then=Value(1)),
                When(transfer_pending=True, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            risk_order=Case(
                When(risk_class="high", then=Value(0)),
                When(risk_class="medium", then=Value(1)),
                When(risk_class="low", then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            ),
        )
        .order_by("overdue", "risk_order", "person__name", "id")
    )
    return cases, q


@login_required
def case_list(request, code):
    unit = get_unit_for_user(request.user, code)
    workers = case_services.workers_at(unit)
    filters = forms.CaseFilterForm(request.GET or None, workers=workers)
    cases, q = _case_rows(request, unit, filters)
    page = paginate(request, cases)
    if q:
        log_access(
            AccessAction.SEARCH_PERSON,
            user=request.user,
            query=mask_query(q),
            result_count=page.paginator.count,
        )
    context = {
        "unit": unit,
        "page": page,
        "filters": filters,
        "q": query_param(request),
        "today": clock.today(),
        "can_export": has_perm(request.user, "people.export_person"),
        "caseloads": case_services.caseloads(workers, unit),
        # Cases moved away keep their history here (戒毒条例 Art. 22).
        "moved_out": CaseTransfer.objects.restrict(request.user, "view")
        .filter(from_unit__path__startswith=unit.path)
        .exclude(to_unit__path__startswith=unit.path)
        .select_related("person", "to_unit")
        .order_by("-moved_on", "-id")[:10],
    }
    return render_list(
        request, "community/cases/case_list.html", "community/cases/_case_rows.html", context
    )


CASE_EXPORT_COLUMNS = [
    Column(gettext_lazy("姓名"), "person.name"),
    Column(gettext_lazy("证件号码"), "person.id_number_masked", width=22),
    Column(gettext_lazy("措施"), lambda c: c.measure.get_kind_display(), width=12),
    Column(gettext_lazy("决定书文号"), "measure.decision_number", width=26),
    Column(gettext_lazy("执行地"), "unit.name", width=20),
    Column(gettext_lazy("个案状态"), lambda c: c.get_state_display(), width=12),
    Column(gettext_lazy("逾期未报到"), lambda c: c.overdue == 0, width=10),
    Column(gettext_lazy("报到截止日"), "measure.report_due_by", width=12),
    Column(gettext_lazy("报到日期"), "measure.reported_on", width=12),
    Column(gettext_lazy("期限届满日"), "measure.term_end", width=12),
    Column(gettext_lazy("责任专干"), lambda c: str(c.worker) if c.worker else "", width=14),
    Column(gettext_lazy("信用等级"), lambda c: c.get_credit_tier_display(), width=10),
    Column(gettext_lazy("风险等级"), lambda c: c.get_risk_class_display(), width=10),
]


@login_required
def case_export(request, code, fmt="xlsx"):
    """The township's list as filtered, as a spreadsheet: the open cases the user sees on the
    page that lie within the scope of their export permission (people.export_person)."""
    unit = get_unit_for_user(request.user, code)
    if not has_perm(request.user, "people.export_person"):
        raise Http404("no export permission")
    filters = forms.CaseFilterForm(request.GET or None, workers=case_services.workers_at(unit))
    cases, q = _case_rows(request, unit, filters)
    export_scope = scope_q(request.user, "people.export_person", CASE_SCOPE)
    if export_scope is not None:
        cases = cases.filter(export_scope)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    query = " ".join(
        [
            f"community {unit.code}",
            *(f"{k}={v}" for k, v in data.items() if v and k != "q"),
            *([f"q={mask_query(q)}"] if q else []),
        ]
    )
    return export_response(
        request,
        cases,
        CASE_EXPORT_COLUMNS,
        name=_("社区戒毒（康复）个案"),
        fmt=fmt,
        query=query,
    )


# --- The case page ------------------------------------------------------------------------------


def _detail_context(request, case, **bound) -> dict:
    user, today = request.user, clock.today()
    measure = case.measure
    can_manage = has_perm_any(user, MANAGE, case_units(case))
    can_approve = has_perm_any(user, APPROVE, case_units(case))
    is_open = case.state != CaseState.CLOSED
    awaiting = measure.status == MeasureStatus.ORDERED
    report_overdue = awaiting and measure.report_due_by and measure.report_due_by < today
    can_report = awaiting and can_execute(user, measure)
    members = list(TeamMember.objects.filter(case=case).select_related("user"))
    agreements = list(Agreement.objects.filter(case=case).select_related("unit"))
    transfers = list(CaseTransfer.objects.filter(case=case).select_related("from_unit", "to_unit"))
    pending = next((t for t in transfers if t.status == TransferStatus.MOVED), None)
    in_force = next((a for a in agreements if a.superseded_on is None), None)
    alerts = list(
        CaseAlert.objects.filter(case=case).order_by(
            F("seen_at").asc(nulls_first=True), "-raised_on", "-id"
        )[:20]
    )
    forms_ = {
        "report_form": forms.ReportInForm(prefix="report") if can_report else None,
        "refuse_form": forms.RefuseForm(prefix="refuse") if can_report and report_overdue else None,
        "member_form": None,
        "end_form": None,
        "agreement_form": None,
        "assign_form": None,
        "transfer_form": None,
        "transfer_report_form": None,
    }
    if is_open and can_manage:
        forms_["member_form"] = forms.TeamMemberForm(
            prefix="member", users=case_services.workers_at(case.unit, covering=True)
        )
        forms_["end_form"] = forms.EndMemberForm(prefix="end", auto_id=False)
        if case.state == CaseState.ACTIVE and pending is None:
            forms_["agreement_form"] = forms.AgreementForm(prefix="agreement")
        if pending is not None:
            forms_["transfer_report_form"] = forms.TransferReportForm(prefix="transfer_report")
    if is_open and can_approve:
        forms_["assign_form"] = forms.AssignWorkerForm(
            prefix="assign",
            users=case_services.workers_at(case.unit, covering=True),
            initial={"worker": case.worker_id},
        )
        if measure.status in (MeasureStatus.ORDERED, MeasureStatus.IN_PROGRESS):
            forms_["transfer_form"] = forms.TransferForm(prefix="transfer", case=case)
    for name, form in bound.items():
        forms_[name] = form
    return {
        "case": case,
        "measure": measure,
        "person": case.person,
        "today": today,
        "report_overdue": report_overdue,
        "members": members,
        "agreements": agreements,
        "agreement_in_force": in_force,
        "agreement_due": case.state == CaseState.ACTIVE and pending is None and in_force is None,
        "transfers": transfers,
        "pending_transfer": pending,
        "transfer_overdue": pending is not None and pending.report_due_by < today,
        "alerts": alerts,
        "can_manage": can_manage,
        "can_approve": can_approve,
        "sections": render_sections(request, case),
        **forms_,
    }


@login_required
def case_detail(request, pk):
    case = get_case_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=case.person_id)
    return render(request, "community/cases/case_detail.html", _detail_context(request, case))


def _invalid(request, case, **bound):
    case = get_case_for_user(request.user, case.pk)
    context = _detail_context(request, case, **bound)
    return render(request, "community/cases/case_detail.html", context, status=422)


def _done(request, case, message):
    messages.success(request, message)
    return redirect(next_url(request, reverse("community:case_detail", args=[case.pk])))


def _run(request, case, form_name, form, call, message):
    """Validate `form`, run the service `call(cleaned_data)`; show a refusal at its field."""
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return _done(request, case, message(result) if callable(message) else message)
    return _invalid(request, case, **{form_name: form})


@login_required
@require_POST
def case_report_in(request, pk):
    case = get_case_for_user(request.user, pk)
    if not can_execute(request.user, case.measure):
        raise PermissionDenied
    form = forms.ReportInForm(request.POST, prefix="report")

    def call(data):
        return measures.report_in(
            case.measure, on=data["on"], actor=request.user, late_reason=data["late_reason"]
        )

    return _run(request, case, "report_form", form, call, _("已登记报到，个案开始执行。"))


@login_required
@require_POST
def case_refuse(request, pk):
    """逾期未报到视为拒绝 (戒毒条例 Art. 14): the measure is refused; the violations module
    takes the case to the police."""
    case = get_case_for_user(request.user, pk)
    if not can_execute(request.user, case.measure):
        raise PermissionDenied
    form = forms.RefuseForm(request.POST, prefix="refuse")

    def call(data):
        return measures.refuse(case.measure, on=data["on"], actor=request.user)

    return _run(
        request, case, "refuse_form", form, call, _("已登记拒绝报到，个案已移交公安机关处理。")
    )


@login_required
@require_POST
def teammember_add(request, pk):
    case = get_case_for_user(request.user, pk, MANAGE)
    users = case_services.workers_at(case.unit, covering=True)
    form = forms.TeamMemberForm(request.POST, prefix="member", users=users)

    def call(data):
        return team.add_member(
            case,
            role=data["role"],
            name=data["name"],
            phone=data["phone"],
            user=data["user"],
            started_on=data["started_on"],
            actor=request.user,
        )

    return _run(request, case, "member_form", form, call, _("已加入工作小组。"))


@login_required
@require_POST
def teammember_end(request, pk):
    member = get_record_for_user(TeamMember, request.user, pk, MANAGE)
    case = member.case
    form = forms.EndMemberForm(request.POST, prefix="end")

    def call(data):
        return team.end_member(member, on=data["on"], actor=request.user)

    return _run(request, case, "end_form", form, call, _("该成员已退出工作小组。"))


@login_required
@require_POST
def agreement_sign(request, pk):
    case = get_case_for_user(request.user, pk, MANAGE)
    form = forms.AgreementForm(request.POST, prefix="agreement")

    def call(data):
        return team.sign_agreement(
            case, on=data["signed_on"], number=data["number"], actor=request.user
        )

    return _run(
        request,
        case,
        "agreement_form",
        form,
        call,
        lambda a: _("已签订协议（编号%(number)s）。") % {"number": a.number},
    )


@login_required
def agreement_pdf(request, pk):
    """社区戒毒（康复）协议 (PDF)."""
    agreement = get_record_for_user(Agreement, request.user, pk)
    case = agreement.case
    from ..documents import render_agreement

    log_access(AccessAction.EXPORT, user=request.user, person_pk=case.person_id)
    response = HttpResponse(render_agreement(agreement), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{agreement.pk}.pdf"'
    return response


@login_required
@require_POST
def case_assign(request, pk):
    case = get_case_for_user(request.user, pk, APPROVE)
    users = case_services.workers_at(case.unit, covering=True)
    form = forms.AssignWorkerForm(request.POST, prefix="assign", users=users)
    if form.is_valid():
        try:
            case, warning = case_services.assign_worker(
                case, form.cleaned_data["worker"], actor=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if warning:
                messages.warning(request, warning)
            return _done(request, case, _("已指派责任专干。"))
    return _invalid(request, case, assign_form=form)


@login_required
@require_POST
def casetransfer_create(request, pk):
    """变更执行地 (戒毒条例 Art. 22)."""
    case = get_case_for_user(request.user, pk, APPROVE)
    form = forms.TransferForm(request.POST, prefix="transfer", case=case)

    def call(data):
        return team.transfer_case(
            case,
            to_unit=data["to_unit"],
            on=data["moved_on"],
            reason=data["reason"],
            actor=request.user,
        )

    return _run(
        request,
        case,
        "transfer_form",
        form,
        call,
        lambda t: (
            _("已变更执行地至%(unit)s，应于%(day)s前报到。")
            % {"unit": t.to_unit, "day": t.report_due_by.isoformat()}
        ),
    )


@login_required
@require_POST
def casetransfer_report(request, pk):
    transfer = get_record_for_user(CaseTransfer, request.user, pk, MANAGE)
    case = transfer.case
    form = forms.TransferReportForm(request.POST, prefix="transfer_report")

    def call(data):
        return team.record_transfer_report(transfer, on=data["on"], actor=request.user)

    return _run(
        request,
        case,
        "transfer_report_form",
        form,
        call,
        _("已登记在新执行地报到，请签订新的协议。"),
    )


@login_required
@require_POST
def casealert_seen(request, pk):
    alert = get_record_for_user(CaseAlert, request.user, pk, MANAGE)
    case = alert.case
    case_services.mark_alert_seen(alert, actor=request.user)
    return redirect(next_url(request, reverse("community:case_detail", args=[case.pk])))


urlpatterns = [
    path("", index, name="index"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/report-in/", case_report_in, name="case_report_in"),
    path("cases/<int:pk>/refuse/", case_refuse, name="case_refuse"),
    path("cases/<int:pk>/worker/", case_assign, name="case_assign"),
    path("cases/<int:pk>/team/", teammember_add, name="teammember_add"),
    path("team/<int:pk>/end/", teammember_end, name="teammember_end"),
    path("cases/<int:pk>/agreements/", agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/pdf/", agreement_pdf, name="agreement_pdf"),
    path("cases/<int:pk>/transfer/", casetransfer_create, name="casetransfer_create"),
    path("transfers/<int:pk>/report/", casetransfer_report, name="casetransfer_report"),
    path("alerts/<int:pk>/seen/", casealert_seen, name="casealert_seen"),
    path("<str:code>/export.xlsx", case_export, {"fmt": "xlsx"}, name="case_export"),
    path("<str:code>/export.csv", case_export, {"fmt": "csv"}, name="case_export_csv"),
    # Last: one path segment, the unit code.
    path("<str:code>/", case_list, name="case_list"),
]
