"""Credit points and risk classes: the case page's section (score with its explanation, risk class
with its reasons, the worker-recorded risk facts), the case's full points history, and the form
that records the risk facts."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm_any
from jiedu.core.views import apply_validation_error, next_url, paginate

from .. import credit_rules as cr
from ..access import get_case_for_user
from ..choices import CreditTier
from ..models import CommunityCase, CreditEntry
from ..services import credit as services
from ..services.common import case_units

MANAGE = "community.manage_case"
SECTION_ROWS = 10
FACT_FIELDS = ("self_harm_tendency", "psychiatric_abnormality", "loss_of_control", "severe_illness")


class RiskFactsForm(forms.Form):
    """The facts the worker records that the high-risk criteria read (RISK 2016). The
    psychiatric field exists only for users who may see health information."""

    self_harm_tendency = forms.BooleanField(
        label=CommunityCase._meta.get_field("self_harm_tendency").verbose_name, required=False
    )
    psychiatric_abnormality = forms.BooleanField(
        label=CommunityCase._meta.get_field("psychiatric_abnormality").verbose_name,
        required=False,
    )
    loss_of_control = forms.BooleanField(
        label=CommunityCase._meta.get_field("loss_of_control").verbose_name, required=False
    )
    severe_illness = forms.BooleanField(
        label=CommunityCase._meta.get_field("severe_illness").verbose_name, required=False
    )

    def __init__(self, *args, health: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not health:
            # Absent, not blank: without people.view_health the value is neither shown nor sent.
            del self.fields["psychiatric_abnormality"]


def _facts_form(case, health: bool, data=None) -> RiskFactsForm:
    initial = {f: getattr(case, f) for f in FACT_FIELDS}
    return RiskFactsForm(data, initial=initial, health=health, prefix="risk")


def _context(request, case, form=None) -> dict:
    user = request.user
    today = clock.today()
    values = rule_config.values(cr.ALL_KEYS, case.unit, today)
    health = services.may_see_health(user, case)
    can_manage = case.is_open and has_perm_any(user, MANAGE, case_units(case))
    if can_manage and form is None:
        form = _facts_form(case, health)
    result = services.score(case, today, values=values)
    return {
        "case": case,
        "person": case.person,
        "score": result,
        "tier_label": CreditTier(result.tier).label if result.tier else "",
        "enabled": bool(values[cr.CREDIT_ENABLED]),
        "window_days": values[cr.CREDIT_WINDOW_DAYS],
        "reasons": services.risk_reasons(case, user, values),
        "health": health,
        "facts": [
            (case._meta.get_field(f).verbose_name, getattr(case, f))
            for f in FACT_FIELDS
            if health or f != "psychiatric_abnormality"
        ],
        # A form sent back with its errors is shown even where no new one would be.
        "form": form if can_manage or (form is not None and form.is_bound) else None,
        "today": today,
    }


def _labelled(entries) -> list[CreditEntry]:
    """Entries with the event's name in the reader's language (the stored sentence is Chinese)."""
    entries = list(entries)
    for e in entries:
        event = cr.EVENTS.get(e.code)
        e.label = event.label if event is not None else ""
    return entries


def case_section(request, case) -> str:
    """The case page's 信用积分与风险等级 section. Opening the page is one of the moments a miss
    (an overdue item, a day without a check-in) is recognised: the case is refreshed first."""
    services.refresh_case(case)
    context = _context(request, case)
    history = CreditEntry.objects.restrict(request.user, "view").filter(case=case)
    context["recent"] = _labelled(history.order_by("-on", "-id")[:SECTION_ROWS])
    context["total"] = history.count()
    return render_to_string("community/credit/_section.html", context, request=request)


@login_required
def credit_list(request, pk):
    case = get_case_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=case.person_id)
    services.refresh_case(case)
    return _render_list(request, case)


def _render_list(request, case, form=None, status=200):
    context = _context(request, case, form)
    entries = CreditEntry.objects.restrict(request.user, "view").filter(case=case)
    page = paginate(request, entries.order_by("-on", "-id"))
    page.object_list = _labelled(page.object_list)
    context["page"] = page
    return render(request, "community/credit/list.html", context, status=status)


@login_required
@require_POST
def risk_facts_update(request, pk):
    case = get_case_for_user(request.user, pk, MANAGE)
    health = services.may_see_health(request.user, case)
    form = _facts_form(case, health, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.set_risk_facts(
                case,
                self_harm_tendency=d["self_harm_tendency"],
                psychiatric_abnormality=d.get("psychiatric_abnormality"),
                loss_of_control=d["loss_of_control"],
                severe_illness=d["severe_illness"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您无权执行该操作。"))
        else:
            messages.success(
                request,
                _("已更新风险情况，当前风险等级：%(cls)s。")
                % {"cls": case.get_risk_class_display() or "—"},
            )
            target = next_url(request, reverse("community:case_detail", args=[case.pk]))
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Location"] = target
                return response
            return redirect(target)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=case.person_id)
    return _render_list(request, case, form, status=422)


urlpatterns = [
    path("cases/<int:pk>/credit/", credit_list, name="credit_list"),
    path("cases/<int:pk>/risk-facts/", risk_facts_update, name="risk_facts_update"),
]
