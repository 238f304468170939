"""Forms of the evaluation pages. They check shape only; the services decide what the rules
allow (which opinion, whether an override needs a reason, the proposal's dates)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput
from jiedu.orgs.forms import UnitChoiceField
from jiedu.orgs.models import OrgUnit

from .choices import DIMENSION_ORDER, Dimension, EvaluationKind
from .models import Evaluation
from .stages import OPINIONS_FOR_KIND

# The opinions each comprehensive evaluation can form (诊断评估办法 Art. 3); the service checks
# the same list, this only keeps the other choices out of the select.


def _plain(points):
    """20.0 shown as 20, 12.5 as 12.5."""
    return None if points is None else format(points.normalize(), "f")


def _today(form, *names):
    for name in names:
        form.fields[name].initial = clock.today()


class HandbookForm(forms.Form):
    opened_on = forms.DateField(label=_("建册日期"), widget=DateInput)
    number = forms.CharField(
        label=_("手册编号"), max_length=40, required=False, help_text=_("留空自动编号")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _today(self, "opened_on")


class StartForm(forms.Form):
    kind = forms.ChoiceField(label=_("评估类型"), choices=EvaluationKind.choices)
    evaluated_on = forms.DateField(label=_("评估日期"), widget=DateInput)

    def __init__(self, *args, suggested_kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        _today(self, "evaluated_on")
        if suggested_kind:
            self.fields["kind"].initial = suggested_kind


class ScoreForm(forms.Form):
    """One points and one reason input per item of the evaluation (`points_<code>`,
    `reason_<code>`, the names the service's refusals point at), and for completion the opinion
    fields of the comprehensive evaluations."""

    summary = forms.CharField(
        label=_("评估结论"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, evaluation: Evaluation, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.evaluation = evaluation
        self.items = list(items)
        for item in self.items:
            self.fields[f"points_{item.code}"] = forms.DecimalField(
                label=item.label,
                required=False,
                min_value=0,
                max_digits=5,
                decimal_places=1,
                initial=_plain(item.points),
                widget=forms.NumberInput(attrs={"step": "any", "class": "points"}),
            )
            self.fields[f"reason_{item.code}"] = forms.CharField(
                label=_("调整理由"),
                required=False,
                max_length=300,
                initial=item.override_reason,
            )
        allowed = OPINIONS_FOR_KIND.get(evaluation.kind)
        if allowed:
            self.fields["opinion"] = forms.ChoiceField(
                label=_("评估意见"),
                required=False,
                choices=[("", "—"), *[(o.value, o.label) for o in allowed]],
            )
            self.fields["proposed_release_on"] = forms.DateField(
                label=_("建议解除日期"), required=False, widget=DateInput
            )
            self.fields["extension_months"] = forms.IntegerField(
                label=_("建议延长期限（月）"), required=False, min_value=1, max_value=12
            )
            self.fields["community_rehab_years"] = forms.IntegerField(
                label=_("建议社区康复期限（年）"), required=False, min_value=1, max_value=3
            )
        self.fields["summary"].initial = evaluation.summary
        self.order_fields(
            [
                "opinion",
                "proposed_release_on",
                "extension_months",
                "community_rehab_years",
                "summary",
            ]
        )

    @property
    def has_opinion(self) -> bool:
        return "opinion" in self.fields

    def dimensions(self) -> list[dict]:
        """The items grouped by dimension in sheet order, each with its two bound fields."""
        groups = []
        for dim in DIMENSION_ORDER:
            if dim.value not in self.evaluation.dimensions:
                continue
            rows = [
                {"item": i, "points": self[f"points_{i.code}"], "reason": self[f"reason_{i.code}"]}
                for i in self.items
                if i.dimension == dim.value
            ]
            sheet = self.evaluation.sheets.get(dim.value, {})
            groups.append({"dimension": dim, "sheet": sheet, "rows": rows})
        return groups

    def completion_fields(self):
        names = ["opinion", "proposed_release_on", "extension_months", "community_rehab_years"]
        return [self[n] for n in [*names, "summary"] if n in self.fields]

    def scores(self) -> dict[str, tuple]:
        d = self.cleaned_data
        return {i.code: (d[f"points_{i.code}"], d[f"reason_{i.code}"]) for i in self.items}

    def completion(self) -> dict:
        d = self.cleaned_data
        return {
            "opinion": d.get("opinion") or "",
            "summary": d.get("summary") or "",
            "proposed_release_on": d.get("proposed_release_on"),
            "extension_months": d.get("extension_months"),
            "community_rehab_years": d.get("community_rehab_years"),
        }


class CommitteeForm(forms.Form):
    """所务会: the facility committee sends the proposal on or stops it."""

    decision = forms.ChoiceField(
        choices=[("approve", _("同意报送决定机关")), ("reject", _("不同意"))],
        widget=forms.HiddenInput,
    )
    on = forms.DateField(label=_("所务会审议日期"), widget=DateInput)
    note = forms.CharField(
        label=_("所务会意见"), max_length=300, required=False, help_text=_("不同意的须写明理由")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _today(self, "on")


class DecisionForm(forms.Form):
    """The deciding organ's decision on a proposal (戒毒条例 Art. 33)."""

    decision = forms.ChoiceField(
        choices=[("approve", _("批准")), ("reject", _("不批准"))], widget=forms.HiddenInput
    )
    decided_on = forms.DateField(label=_("决定日期"), widget=DateInput)
    decision_number = forms.CharField(label=_("决定书文号"), max_length=60, required=False)
    release_on = forms.DateField(
        label=_("批准解除日期"),
        required=False,
        widget=DateInput,
        help_text=_("留空按建议解除日期"),
    )
    months = forms.IntegerField(
        label=_("批准延长期限（月）"),
        required=False,
        min_value=1,
        max_value=12,
        help_text=_("留空按建议延长期限"),
    )
    note = forms.CharField(
        label=_("决定意见"), max_length=300, required=False, help_text=_("不批准的须写明理由")
    )

    def __init__(self, *args, proposal=None, **kwargs):
        super().__init__(*args, **kwargs)
        _today(self, "decided_on")
        if proposal is not None:
            if proposal.kind == "early_release":
                del self.fields["months"]
                self.fields["release_on"].initial = proposal.proposed_release_on
            else:
                del self.fields["release_on"]
                self.fields["months"].initial = proposal.proposed_extension_months


class ScoringSheetForm(forms.Form):
    """A new version of one dimension's sheet for a province, city or facility, as JSON."""

    dimension = forms.ChoiceField(label=_("评估内容"), choices=Dimension.choices)
    org_unit = UnitChoiceField(label=_("适用单位"), queryset=OrgUnit.objects.none())
    effective_from = forms.DateField(label=_("生效日期"), widget=DateInput)
    definition = forms.CharField(
        label=_("评分表（JSON）"),
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
        help_text=_("格式与系统默认评分表相同（见左侧），各项目可指定系统预填来源。"),
    )
    source = forms.CharField(label=_("依据（文件名称和条款）"), max_length=200)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()
        self.fields["effective_from"].initial = clock.today()

    def clean_definition(self):
        import json

        try:
            return json.loads(self.cleaned_data["definition"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("不是有效的JSON：%(error)s"), params={"error": exc}, code="invalid_json"
            ) from exc
