"""Forms of the measures pages: they validate shape; the services decide what the law allows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.forms import UnitChoiceField
from jiedu.orgs.models import OrgUnit

from .choices import EndReason, IsolationGround, MeasureKind
from .services import DECIDING_KINDS, EXECUTING_KINDS, TERMINATION_REASONS


def _units(kinds):
    return OrgUnit.objects.filter(kind__in=kinds, is_active=True).order_by("path")


class DecideForm(forms.Form):
    kind = forms.ChoiceField(label=_("措施"), choices=MeasureKind.choices)
    deciding_organ = UnitChoiceField(
        label=_("决定机关"),
        queryset=_units({k for ks in DECIDING_KINDS.values() for k in ks}),
        required=False,
    )
    decision_number = forms.CharField(label=_("决定书文号"), max_length=60, required=False)
    decided_on = forms.DateField(label=_("决定日期"), widget=DateInput)
    served_on = forms.DateField(label=_("送达日期"), widget=DateInput)
    executing_unit = UnitChoiceField(
        label=_("执行单位"),
        queryset=_units({k for ks in EXECUTING_KINDS.values() for k in ks}),
        help_text=_(
            "强制隔离戒毒：戒毒所；社区戒毒、社区康复：乡镇（街道）；自愿戒毒：戒毒医疗机构"
        ),
    )
    ground = forms.ChoiceField(
        label=_("决定理由（强制隔离戒毒，禁毒法第三十八条）"),
        choices=[("", "—"), *IsolationGround.choices],
        required=False,
    )
    term_months = forms.IntegerField(
        label=_("期限（月）"),
        min_value=0,
        max_value=60,
        required=False,
        help_text=_(
            "社区康复不超过36个月；自愿戒毒按协议。社区戒毒3年、强制隔离戒毒2年由法律规定。"
        ),
    )
    pregnant = forms.BooleanField(label=_("怀孕"), required=False)
    breastfeeding = forms.BooleanField(label=_("正在哺乳自己不满一周岁的婴儿"), required=False)
    minor_reason = forms.CharField(
        label=_("未满十六周岁仍决定强制隔离戒毒的理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)


class OnForm(forms.Form):
    """An action that happened on a day (by default today)."""

    on = forms.DateField(label=_("日期"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = clock.today()


class ReportForm(OnForm):
    late_reason = forms.CharField(label=_("逾期报到的正当理由"), required=False, max_length=500)


class SuspendForm(OnForm):
    reason = forms.CharField(label=_("中止原因（如被拘留、逮捕）"), max_length=200)


class EscapeForm(OnForm):
    reason = forms.CharField(label=_("情况说明"), required=False, max_length=200)


class ReleaseForm(OnForm):
    pass


class TerminateForm(OnForm):
    reason = forms.ChoiceField(label=_("终止原因"), choices=EndReason.choices)

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kind:
            allowed = TERMINATION_REASONS[kind]
            self.fields["reason"].choices = [(r.value, r.label) for r in allowed]


class NoticeSentForm(OnForm):
    method = forms.CharField(
        label=_("通知方式（电话、书面、当面等）"), max_length=100, required=False
    )


class MethadoneForm(forms.Form):
    clinic = UnitChoiceField(
        label=_("维持治疗门诊"), queryset=_units([UnitKind.REHAB_MEDICAL_INSTITUTION])
    )
    started_on = forms.DateField(label=_("入组日期"), widget=DateInput)
    clinic_number = forms.CharField(label=_("门诊登记号"), max_length=60, required=False)
    daily_dose_mg = forms.IntegerField(
        label=_("当前日剂量（毫克）"), min_value=1, max_value=500, required=False
    )
