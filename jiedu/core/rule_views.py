"""Rules configuration pages: each configurable rule, its value at the administrator's units,
every version with its source, and a form to add a new version."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedu.orgs.forms import UnitChoiceField
from jiedu.orgs.models import OrgUnit

from . import clock, rules
from .forms import DateInput
from .models import RuleValue
from .permissions import has_perm, scope_q
from .views import apply_validation_error


class RuleValueForm(forms.Form):
    key = forms.ChoiceField(label=gettext_lazy("规则"))
    org_unit = UnitChoiceField(label=gettext_lazy("适用单位"), queryset=OrgUnit.objects.none())
    value = forms.IntegerField(label=gettext_lazy("取值"))
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=DateInput)
    source = forms.CharField(label=gettext_lazy("依据（文件名称和条款）"), max_length=200)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(s.key, f"{s.label}（{s.key}）") for s in rules.all_specs()]
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()
        self.fields["effective_from"].initial = clock.today()


def _managed_units(user):
    q = scope_q(user, "core.manage_rules", "path")
    units = OrgUnit.objects.filter(
        is_active=True, kind__in=["province", "city", "county", "township"]
    )
    return units.filter(q) if q is not None else units


@login_required
def rule_list(request):
    if not has_perm(request.user, "core.manage_rules"):
        raise PermissionDenied
    units = _managed_units(request.user).order_by("path")
    if request.method == "POST":
        form = RuleValueForm(request.POST, units=units)
        if form.is_valid():
            d = form.cleaned_data
            try:
                rules.set_rule_value(
                    d["key"],
                    d["org_unit"],
                    value=d["value"],
                    effective_from=d["effective_from"],
                    source=d["source"],
                    note=d["note"],
                    actor=request.user,
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已保存新版本。"))
                return redirect("core:rules")
    else:
        form = RuleValueForm(units=units, initial={"key": request.GET.get("key", "")})
    tops = [u for u in units if not any(u.path.startswith(o.path) and u != o for o in units)]
    today = clock.today()
    rows = []
    for spec in rules.all_specs():
        current = [(u, rules.resolve(spec.key, u, today)) for u in tops]
        history = RuleValue.objects.filter(key=spec.key).select_related("org_unit")
        q = scope_q(request.user, "core.manage_rules", "org_unit__path")
        if q is not None:
            history = history.filter(q)
        rows.append(
            {
                "spec": spec,
                "unit": rules.UNIT_LABELS.get(spec.unit, spec.unit),
                "current": current,
                "history": history.order_by("-effective_from"),
            }
        )
    return render(
        request,
        "core/rules.html",
        {"rows": rows, "form": form, "unit_labels": rules.UNIT_LABELS, "today": today},
    )
