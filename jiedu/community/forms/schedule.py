"""Forms of the schedule pages: a contact (talk, visit, self-report), and a new version of a
unit's plan edited as a small table. The services decide what the rules allow."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput
from jiedu.measures.choices import MeasureKind
from jiedu.orgs.forms import UnitChoiceField
from jiedu.orgs.models import OrgUnit

from ..choices import PLANNED_KINDS, ContactKind

PLAN_ROWS = 12  # lines of the plan table; a plan needs at most a few per kind


def _today():
    return clock.today()


class ContactForm(forms.Form):
    """谈话教育, 走访, 本人汇报, 帮扶 (domain.md §2.10)."""

    kind = forms.ChoiceField(label=_("类型"), choices=ContactKind.choices)
    on = forms.DateField(label=_("日期"), widget=DateInput, initial=_today)
    attended = forms.BooleanField(label=_("本人到场（配合）"), required=False, initial=True)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    summary = forms.CharField(
        label=_("内容摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Made when the form is shown: a form sent twice (a double click, a retry) records once.
    external_id = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=100, initial=lambda: uuid.uuid4().hex
    )


class PlanForm(forms.Form):
    """A new version of a unit's schedule plan. The rows are a table of `PLAN_ROWS` lines
    (kind, from month, to month, interval); a line without a kind is ignored."""

    org_unit = UnitChoiceField(label=_("适用单位"), queryset=OrgUnit.objects.none())
    measure_kind = forms.ChoiceField(
        label=_("措施"),
        choices=[
            (MeasureKind.COMMUNITY_DRUG_REHAB, MeasureKind.COMMUNITY_DRUG_REHAB.label),
            (MeasureKind.COMMUNITY_REHABILITATION, MeasureKind.COMMUNITY_REHABILITATION.label),
        ],
    )
    effective_from = forms.DateField(label=_("生效日期"), widget=DateInput, initial=_today)
    random_tests_per_year = forms.IntegerField(
        label=_("每年随机抽检次数（不少于）"), min_value=0, max_value=99, initial=3
    )
    source = forms.CharField(label=_("依据（文件名称和条款）"), max_length=200)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()
        kinds = [("", "—"), *[(str(k), k.label) for k in PLANNED_KINDS]]
        for i in range(PLAN_ROWS):
            self.fields[f"kind_{i}"] = forms.ChoiceField(
                label=_("事项"), choices=kinds, required=False
            )
            for name, label in (
                ("from", _("起始月")),
                ("to", _("截止月")),
                ("interval", _("间隔月数")),
            ):
                self.fields[f"{name}_{i}"] = forms.IntegerField(
                    label=label,
                    required=False,
                    min_value=0,
                    max_value=99,
                    widget=forms.NumberInput(attrs={"class": "narrow"}),
                )

    @staticmethod
    def initial_rows(rows) -> dict:
        """The form's initial values from a plan's rows."""
        initial = {}
        for i, row in enumerate(rows[:PLAN_ROWS]):
            initial[f"kind_{i}"] = row["kind"]
            initial[f"from_{i}"] = row["from_month"]
            initial[f"to_{i}"] = row["to_month"]
            initial[f"interval_{i}"] = row["interval_months"]
        return initial

    def row_fields(self):
        """(kind, from, to, interval) bound fields per line, for the template's table."""
        return [
            (self[f"kind_{i}"], self[f"from_{i}"], self[f"to_{i}"], self[f"interval_{i}"])
            for i in range(PLAN_ROWS)
        ]

    def main_fields(self):
        return [self[name] for name in ("org_unit", "measure_kind", "effective_from")] + [
            self[name] for name in ("random_tests_per_year", "source", "note")
        ]

    def rows(self) -> list[dict]:
        """The lines that name a kind, as the service's rows (it validates the numbers)."""
        out = []
        for i in range(PLAN_ROWS):
            kind = self.cleaned_data.get(f"kind_{i}")
            if not kind:
                continue
            out.append(
                {
                    "kind": kind,
                    "from_month": self.cleaned_data.get(f"from_{i}"),
                    "to_month": self.cleaned_data.get(f"to_{i}"),
                    "interval_months": self.cleaned_data.get(f"interval_{i}"),
                }
            )
        return out
