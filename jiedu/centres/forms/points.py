"""Forms of the behaviour-points pages; the services decide what the rules allow."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput
from jiedu.facilities.models import Admission
from jiedu.orgs.forms import UnitChoiceField
from jiedu.orgs.models import OrgUnit

from ..choices import ApprovalDecision, PointCategory, PointKind

LEADER_MARKS = ("*", "＊")


class ResidentChoiceField(forms.ModelChoiceField):
    """A resident picker: name, zone and bed, so two people of the same name can be told apart."""

    def label_from_instance(self, obj):
        where = " ".join(
            x for x in (obj.zone.name if obj.zone else "", obj.bed.code if obj.bed else "") if x
        )
        return f"{obj.person.name}（{where}）" if where else obj.person.name


class PointEntryForm(forms.Form):
    stay = ResidentChoiceField(label=_("戒毒人员"), queryset=Admission.objects.none())
    on = forms.DateField(label=_("日期"), widget=DateInput)
    category = forms.ChoiceField(label=_("类别"), choices=PointCategory.choices)
    kind = forms.ChoiceField(label=_("类型"), choices=PointKind.choices)
    points = forms.DecimalField(
        label=_("分值"),
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    reason = forms.CharField(label=_("事由"), max_length=200)

    def __init__(self, *args, residents=None, **kwargs):
        """`residents`: the facility's current stays for the work page's picker; without it
        (a person's file) the form has no picker."""
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = clock.today()
        if residents is None:
            del self.fields["stay"]
        else:
            self.fields["stay"].queryset = residents


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("审批意见"), choices=ApprovalDecision.choices)
    note = forms.CharField(label=_("说明（退回时必填）"), max_length=200, required=False)
    step = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class ApprovalChainForm(forms.Form):
    org_unit = UnitChoiceField(label=_("适用单位"), queryset=OrgUnit.objects.none())
    effective_from = forms.DateField(label=_("生效日期"), widget=DateInput)
    steps = forms.CharField(
        label=_("审批环节"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "每行一个环节，按审批顺序填写；行末加“*”表示须由所领导审批（最后一个环节必须加“*”）。"
        ),
    )
    source = forms.CharField(label=_("依据（文件名称和条款）"), max_length=200)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()
        self.fields["effective_from"].initial = clock.today()

    def parsed_steps(self) -> list[dict]:
        """The textarea's lines as steps; a trailing "*" marks a leader step."""
        steps = []
        for line in self.cleaned_data.get("steps", "").splitlines():
            line = line.strip()
            if not line:
                continue
            leader = line.endswith(LEADER_MARKS)
            label = line.rstrip("".join(LEADER_MARKS)).strip() if leader else line
            steps.append({"label": label, "leader": leader})
        return steps


def steps_as_text(steps: list[dict]) -> str:
    return "\n".join(s["label"] + ("*" if s.get("leader") else "") for s in steps)
