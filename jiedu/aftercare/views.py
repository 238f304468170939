"""The follow-up pages: the units a user may see, a unit's list of plans (overdue visits first),
and the plan page with its visits, help, the person's dynamic-control state and the forms."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import grants_for, has_perm
from jiedu.core.views import apply_validation_error, paginate, render_list
from jiedu.orgs.models import OrgUnit
from jiedu.people.querysets import mask_query, search_by_person

from . import queries, rules, services
from .access import get_plan_for_user, get_unit_for_user
from .choices import PlanStatus
from .control import person_control
from .forms import CloseForm, HelpForm, PlanFilterForm, VisitForm
from .models import FollowUpPlan, FollowUpVisit, HelpRecord
from .services import MANAGE, VIEW


def _soon(unit, today):
    return today + timedelta(days=rule_config.value(rules.DUE_SOON_DAYS, unit, today))


# --- Index and a unit's list -------------------------------------------------------------------


@login_required
def index(request):
    """The units with follow-up plans the user sees, with counts; straight to the only one."""
    user = request.user
    if not has_perm(user, VIEW):
        raise Http404
    today = clock.today()
    counts = queries.counts_by_unit(
        FollowUpPlan.objects.restrict(user, "view"), today, _soon(None, today)
    )
    # The user's own posts are listed even without open plans (their closed ones are there).
    own = grants_for(user).paths(VIEW) or []
    units = [
        u
        for u in OrgUnit.objects.filter(is_active=True)
        .filter(Q(pk__in=list(counts)) | Q(path__in=own))
        .order_by("path")
        if has_perm(user, VIEW, u)  # a plan seen through the person's unit, listed elsewhere
    ]
    if len(units) == 1:
        return redirect("aftercare:plan_list", code=units[0].code)
    rows = [(u, counts.get(u.pk, {})) for u in units]
    return render(request, "aftercare/index.html", {"rows": rows})


def _plan_rows(user, unit, filters, today, soon):
    plans = (
        FollowUpPlan.objects.restrict(user, "view")
        .filter(unit__path__startswith=unit.path)
        .select_related("person", "unit", "measure")
    )
    data = filters.cleaned_data if filters.is_valid() else {}
    status = data.get("status") or PlanStatus.OPEN
    if status != "all":
        plans = plans.filter(status=status)
    plans = search_by_person(plans, data.get("q") or "")
    plans = queries.with_next_visit(plans, today)
    if data.get("due") == "overdue":
        plans = plans.filter(next_due__lt=today)
    elif data.get("due") == "soon":
        plans = plans.filter(next_due__gte=today, next_due__lte=soon)
    return plans.order_by("urgency", F("next_due").asc(nulls_last=True), "person__name", "id")


@login_required
def plan_list(request, code):
    unit = get_unit_for_user(request.user, code)
    today = clock.today()
    soon = _soon(unit, today)
    filters = PlanFilterForm(request.GET or None)
    page = paginate(request, _plan_rows(request.user, unit, filters, today, soon))
    q = filters.cleaned_data.get("q", "") if filters.is_bound and filters.is_valid() else ""
    log_access(
        AccessAction.SEARCH_PERSON,
        user=request.user,
        query=f"aftercare:{unit.code} {mask_query(q)}".strip(),
        result_count=page.paginator.count,
    )
    context = {
        "unit": unit,
        "page": page,
        "filters": filters,
        "today": today,
        "soon": soon,
    }
    return render_list(request, "aftercare/plan_list.html", "aftercare/_plan_rows.html", context)


# --- The plan page -----------------------------------------------------------------------------


def _detail_context(request, plan, **bound) -> dict:
    user, today = request.user, clock.today()
    soon = _soon(plan.unit, today)
    visits = list(
        FollowUpVisit.objects.filter(plan=plan).order_by(
            F("due_on").asc(nulls_last=True), "visited_on", "id"
        )
    )
    # The timeline reads in the order things happen: extra visits where they took place.
    visits.sort(key=lambda v: (v.due_on or v.visited_on, v.id))
    for v in visits:
        v.state = queries.visit_state(v, plan, today, soon)
    open_visits = [v for v in visits if v.due_on is not None and v.visited_on is None]
    is_open = plan.status == PlanStatus.OPEN
    manage = is_open and services.can_manage(user, plan)
    early = rule_config.value(rules.EARLY_FILL_DAYS, plan.unit, today)
    default = next((v for v in open_visits if v.due_on <= today + timedelta(days=early)), None)
    forms_ = {
        "visit_form": VisitForm(prefix="visit", open_visits=open_visits, default_visit=default)
        if manage
        else None,
        "help_form": HelpForm(prefix="help") if manage else None,
        "close_form": CloseForm(prefix="close") if manage else None,
    }
    forms_.update(bound)
    return {
        "plan": plan,
        "person": plan.person,
        "measure": plan.measure,
        "today": today,
        "visits": visits,
        "next_visit": open_visits[0] if open_visits and is_open else None,
        "help": list(HelpRecord.objects.filter(plan=plan)),
        "control": person_control(plan.person, today),
        "can_manage": manage,
        **forms_,
    }


@login_required
def plan_detail(request, pk):
    plan = get_plan_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=plan.person_id)
    return render(request, "aftercare/plan_detail.html", _detail_context(request, plan))


def _run(request, plan, form_name, form, call, message):
    """Validate `form`, run the service `call(cleaned_data)`; show a refusal at its field."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, message)
            return redirect(reverse("aftercare:plan_detail", args=[plan.pk]))
    plan = get_plan_for_user(request.user, plan.pk)
    context = _detail_context(request, plan, **{form_name: form})
    return render(request, "aftercare/plan_detail.html", context, status=422)


@login_required
@require_POST
def visit_record(request, pk):
    plan = get_plan_for_user(request.user, pk, MANAGE)
    # Every scheduled visit is a valid choice here, done ones too: a double submission finds its
    # visit recorded and the service answers with it.
    scheduled = list(
        FollowUpVisit.objects.filter(plan=plan, due_on__isnull=False).order_by("due_on", "id")
    )
    for v in scheduled:
        v.plan = plan  # read with its units by the access check
    form = VisitForm(request.POST, prefix="visit", open_visits=scheduled)

    def call(data):
        chosen = form.chosen_visit_id()
        target = next((v for v in scheduled if v.pk == chosen), plan)
        return services.record_visit(
            target,
            visited_on=data["visited_on"],
            method=data["method"],
            contact_made=data["contact_made"],
            status=data["status"],
            test_result=data["test_result"],
            employment=data["employment"],
            family_situation=data["family_situation"],
            note=data["note"],
            actor=request.user,
            extra=chosen is None,
        )

    return _run(request, plan, "visit_form", form, call, _("已登记回访。"))


@login_required
@require_POST
def help_record(request, pk):
    plan = get_plan_for_user(request.user, pk, MANAGE)
    form = HelpForm(request.POST, prefix="help")

    def call(data):
        return services.record_help(
            plan,
            kind=data["kind"],
            given_on=data["given_on"],
            provider=data["provider"],
            amount=data["amount"],
            description=data["description"],
            actor=request.user,
        )

    return _run(request, plan, "help_form", form, call, _("已登记帮扶。"))


@login_required
@require_POST
def plan_close(request, pk):
    plan = get_plan_for_user(request.user, pk, MANAGE)
    form = CloseForm(request.POST, prefix="close")

    def call(data):
        return services.close_plan(plan, on=data["on"], reason=data["reason"], actor=request.user)

    return _run(request, plan, "close_form", form, call, _("后续照管已结束。"))


urlpatterns = [
    path("", index, name="index"),
    path("plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("plans/<int:pk>/visits/", visit_record, name="visit_record"),
    path("plans/<int:pk>/help/", help_record, name="help_record"),
    path("plans/<int:pk>/close/", plan_close, name="plan_close"),
    # Last: one path segment, the unit code.
    path("<str:code>/", plan_list, name="plan_list"),
]
