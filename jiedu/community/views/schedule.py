"""The worker's daily list, a township's schedule, a case's full schedule with its random-draw
audit, contacts (talks, visits, self-reports) and the administrators' plan page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm, has_perm_any, scope_q
from jiedu.core.views import apply_validation_error, next_url, paginate, query_id
from jiedu.orgs.choices import DIVISION_KINDS
from jiedu.orgs.models import OrgUnit

from .. import plans
from ..access import get_case_for_user, get_unit_for_user
from ..choices import CaseState, DueKind, DueStatus
from ..forms.schedule import ContactForm, PlanForm
from ..models import CaseAlert, CommunityCase, Contact, DueItem, RandomDraw, SchedulePlan
from ..services import schedule as services
from ..services.common import case_units

VIEW = "community.view_case"
MANAGE = "community.manage_case"
SECTION_ROWS = 5
LIST_ROWS = 200  # a daily-list section longer than this shows its count and the first rows
NEXT_DAYS = 7


# --- The daily list ------------------------------------------------------------------------------


def _rows(queryset, today) -> tuple[int, list]:
    total = queryset.count()
    rows = list(queryset[:LIST_ROWS])
    for item in rows:
        item.days_overdue = max((today - item.due_on).days, 0)
    return total, rows


def day_sections(user, cases, today) -> list[dict]:
    """今日应办, 已逾期, 未来7日 and 新提醒 for `cases` (a queryset): two queries each, whatever
    the number of cases."""

    def visible(items):
        return services.hide_upcoming_random(items, user, today)

    cases = services.case_ids(cases)  # read once: a plain id list keeps the plans simple
    out = []
    for key, title, items in (
        ("due_today", _("今日应办"), services.due_today(cases, today)),
        ("overdue", _("已逾期"), services.overdue(cases, today)),
        ("next_days", _("未来7日"), services.due_within(cases, today, NEXT_DAYS)),
    ):
        total, rows = _rows(visible(items), today)
        out.append({"key": key, "title": title, "total": total, "rows": rows, "alerts": False})
    alerts = (
        CaseAlert.objects.filter(case_id__in=cases, seen_at__isnull=True)
        .select_related("person", "case", "case__measure", "case__unit")
        .order_by("-raised_on", "-id")
    )
    total = alerts.count()
    out.append(
        {
            "key": "alerts",
            "title": _("新提醒"),
            "total": total,
            "rows": list(alerts[:LIST_ROWS]),
            "alerts": True,
        }
    )
    return out


def _open(cases):
    return cases.exclude(state=CaseState.CLOSED)


@login_required
def my_day(request):
    """The worker's own open cases (`?all=1`: every open case the user may see)."""
    user = request.user
    if not has_perm(user, VIEW):
        raise PermissionDenied
    show_all = request.GET.get("all") == "1"
    cases = _open(CommunityCase.objects.restrict(user, "view"))
    if not show_all:
        cases = cases.filter(worker=user)
    today = clock.today()
    sections = day_sections(user, cases, today)
    log_access(
        AccessAction.SEARCH_PERSON,
        user=user,
        query="community:my_day:all" if show_all else "community:my_day",
        result_count=sum(s["total"] for s in sections),
    )
    return render(
        request,
        "community/schedule/day.html",
        {
            "sections": sections,
            "today": today,
            "show_all": show_all,
            "unit": None,
            "can_manage": has_perm(user, MANAGE),
        },
    )


@login_required
def unit_schedule(request, code):
    """The same sections for every open case executed at a township (or below a county)."""
    user = request.user
    unit = get_unit_for_user(user, code)
    cases = _open(CommunityCase.objects.restrict(user, "view")).filter(
        unit__path__startswith=unit.path
    )
    today = clock.today()
    sections = day_sections(user, cases, today)
    log_access(
        AccessAction.SEARCH_PERSON,
        user=user,
        query=f"community:schedule:{unit.code}",
        result_count=sum(s["total"] for s in sections),
    )
    return render(
        request,
        "community/schedule/day.html",
        {
            "sections": sections,
            "today": today,
            "show_all": True,
            "unit": unit,
            "can_manage": has_perm(user, MANAGE, unit),
        },
    )


# --- One case ------------------------------------------------------------------------------------


def _can_manage(user, case) -> bool:
    return has_perm_any(user, MANAGE, case_units(case))


def _contact_form(user, case, data=None):
    if case.state == CaseState.CLOSED or not _can_manage(user, case):
        return None
    return ContactForm(data, prefix="contact")


def case_section(request, case) -> str:
    """The case page's 应办事项 section: the next items, the overdue count, the last contacts,
    the contact form and the link to the full schedule."""
    user, today = request.user, clock.today()
    items = services.hide_upcoming_random(DueItem.objects.filter(case=case), user, today)
    open_items = items.filter(status=DueStatus.OPEN)
    context = {
        "case": case,
        "today": today,
        "next_items": list(open_items.filter(due_on__gte=today).order_by("due_on", "id")[:5]),
        "overdue_count": open_items.filter(due_on__lt=today).count(),
        "contacts": list(Contact.objects.filter(case=case).order_by("-on", "-id")[:SECTION_ROWS]),
        "contact_form": _contact_form(user, case),
    }
    return render_to_string("community/schedule/_section.html", context, request=request)


def _status_filter(request) -> str:
    value = request.GET.get("status", "")
    return value if value in DueStatus.values else ""


def _kind_filter(request) -> str:
    value = request.GET.get("kind", "")
    return value if value in DueKind.values else ""


def _render_case(request, case, form=None, status=200):
    user, today = request.user, clock.today()
    can_manage = _can_manage(user, case)
    items = services.hide_upcoming_random(
        DueItem.objects.filter(case=case).select_related("draw"), user, today
    ).order_by("due_on", "kind", "id")
    chosen_status, chosen_kind = _status_filter(request), _kind_filter(request)
    if chosen_status:
        items = items.filter(status=chosen_status)
    if chosen_kind:
        items = items.filter(kind=chosen_kind)
    items = list(items)
    for item in items:
        item.is_overdue = item.status == DueStatus.OPEN and item.due_on < today
    plan = None
    if case.measure.term_start is not None:
        plan = plans.resolve_plan(case.unit, case.measure.kind, today)
    context = {
        "case": case,
        "measure": case.measure,
        "person": case.person,
        "today": today,
        "items": items,
        "statuses": DueStatus.choices,
        "kinds": DueKind.choices,
        "chosen_status": chosen_status,
        "chosen_kind": chosen_kind,
        "draws": list(RandomDraw.objects.filter(case=case).order_by("year_index", "drawn_at")),
        "contacts": list(Contact.objects.filter(case=case).order_by("-on", "-id")),
        "can_manage": can_manage,
        "contact_form": form if form is not None else _contact_form(user, case),
        "plan": plan,
        "plan_rows": describe_rows(plan.rows) if plan else [],
    }
    return render(request, "community/schedule/case.html", context, status=status)


@login_required
def case_schedule(request, pk):
    """Every item of the case's term with its status, the contacts and the random-draw audit
    (the drawn days only for those who manage the case)."""
    case = get_case_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=case.person_id)
    return _render_case(request, case)


@login_required
@require_POST
def contact_create(request, pk):
    case = get_case_for_user(request.user, pk, MANAGE)
    form = ContactForm(request.POST, prefix="contact")
    if form.is_valid():
        d = form.cleaned_data
        try:
            contact = services.record_contact(
                case,
                kind=d["kind"],
                on=d["on"],
                attended=d["attended"],
                place=d["place"],
                summary=d["summary"],
                actor=request.user,
                external_id=d["external_id"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("已登记%(kind)s（%(on)s）。")
                % {"kind": contact.get_kind_display(), "on": contact.on.isoformat()},
            )
            return redirect(next_url(request, reverse("community:dueitem_list", args=[case.pk])))
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=case.person_id)
    return _render_case(request, case, form, status=422)


# --- Plans (administrators) ----------------------------------------------------------------------


def describe_rows(rows) -> list[dict]:
    """A plan's rows for display, with how many items each gives over a full term."""
    return [
        {
            "kind": DueKind(r["kind"]).label,
            "from_month": r["from_month"],
            "to_month": r["to_month"],
            "interval_months": r["interval_months"],
            "count": len(plans.periods(r, plans.MAX_MONTH)),
        }
        for r in rows
    ]


def _plan_units(user):
    units = OrgUnit.objects.filter(is_active=True, kind__in=DIVISION_KINDS)
    q = scope_q(user, "core.manage_rules", "path")
    return units.filter(q) if q is not None else units


def _kind_label(kind: str) -> str:
    from jiedu.measures.choices import MeasureKind

    return MeasureKind(kind).label


@login_required
def plan_list(request):
    """Plans in force per measure at each unit the administrator manages, the shipped defaults,
    every version, and the form for a new version (versions are never edited)."""
    user = request.user
    if not has_perm(user, "core.manage_rules"):
        raise PermissionDenied
    units = _plan_units(user).order_by("path")
    if request.method == "POST":
        form = PlanForm(request.POST, units=units)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.set_schedule_plan(
                    d["org_unit"],
                    d["measure_kind"],
                    rows=form.rows(),
                    random_tests_per_year=d["random_tests_per_year"],
                    effective_from=d["effective_from"],
                    source=d["source"],
                    note=d["note"],
                    actor=user,
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已保存新版本。"))
                return redirect(f"{reverse('community:plan_list')}?unit={d['org_unit'].pk}")
    else:
        initial = {}
        unit_pk = query_id(request, "unit")
        chosen = units.filter(pk=unit_pk).first() if unit_pk is not None else None
        kind = request.GET.get("kind", "")
        if kind not in plans.DEFAULT_PLANS:
            kind = str(next(iter(plans.DEFAULT_PLANS)))
        if chosen is not None:
            in_force = plans.resolve_plan(chosen, kind)
            initial = {
                "org_unit": chosen,
                "measure_kind": kind,
                "random_tests_per_year": in_force.random_tests_per_year,
                **PlanForm.initial_rows(in_force.rows),
            }
        form = PlanForm(units=units, initial=initial)
    today = clock.today()
    page = paginate(request, units)
    resolved = plans.resolve_plans(page.object_list, today)
    in_force = [
        {
            "unit": u,
            "plans": [
                {"kind": _kind_label(k), "kind_code": str(k), "plan": resolved[(u.pk, str(k))]}
                for k in plans.DEFAULT_PLANS
            ],
        }
        for u in page.object_list
    ]
    history = SchedulePlan.objects.select_related("org_unit").order_by(
        "org_unit__path", "measure_kind", "-effective_from"
    )
    q = scope_q(user, "core.manage_rules", "org_unit__path")
    if q is not None:
        history = history.filter(q)
    history = [{"plan": h, "rows": describe_rows(h.rows)} for h in history]
    defaults = [
        {
            "kind": _kind_label(k),
            "plan": plans.default_plan(k),
            "rows": describe_rows(plans.default_plan(k).rows),
        }
        for k in plans.DEFAULT_PLANS
    ]
    return render(
        request,
        "community/schedule/plans.html",
        {
            "form": form,
            "page": page,
            "in_force": in_force,
            "history": history,
            "defaults": defaults,
            "today": today,
        },
        status=422 if form.errors else 200,
    )


urlpatterns = [
    path("my/", my_day, name="my_day"),
    path("plans/", plan_list, name="plan_list"),
    path("cases/<int:pk>/schedule/", case_schedule, name="dueitem_list"),
    path("cases/<int:pk>/contacts/", contact_create, name="contact_create"),
    path("<str:code>/schedule/", unit_schedule, name="unit_schedule"),
]
