"""Forms of the medical centre's pages: they validate shape; the services decide the rest. Field
names are the services' keyword arguments, so a refusal lands on the field it names."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput

from ..choices import (
    PROTRACTED_SYMPTOMS,
    ConditionKind,
    ConditionSeverity,
    Disease,
    MedicationPurpose,
    PsychiatricState,
    SampleType,
    ScreeningResult,
    Severity,
    TestOccasion,
    TestResult,
)

SMALLINT_MAX = 32767  # PositiveSmallIntegerField


def _date(label):
    return forms.DateField(label=label, widget=DateInput, initial=clock.today)


def _count(label, required=True):
    return forms.IntegerField(label=label, min_value=0, max_value=SMALLINT_MAX, required=required)


class MedicationForm(forms.Form):
    drug = forms.CharField(label=_("药品"), max_length=100)
    purpose = forms.ChoiceField(label=_("用途"), choices=MedicationPurpose.choices)
    dose = forms.CharField(label=_("剂量与用法"), max_length=100, required=False)
    started_on = _date(_("开始日期"))
    prescriber = forms.CharField(
        label=_("处方医师"),
        max_length=100,
        help_text=_("麻醉药品、精神药品由具有资质的执业医师开具（禁毒法第四十五条）"),
    )


class StopMedicationForm(forms.Form):
    on = _date(_("停药日期"))


class WithdrawalCheckForm(forms.Form):
    checked_on = _date(_("检查日期"))
    acute_symptoms = forms.ChoiceField(label=_("急性戒断症状"), choices=Severity.choices)
    protracted_symptoms = forms.MultipleChoiceField(
        label=_("明显的稽延性戒断症状"),
        choices=PROTRACTED_SYMPTOMS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    psychiatric_state = forms.ChoiceField(label=_("精神症状"), choices=PsychiatricState.choices)
    examiner = forms.CharField(label=_("检查医师"), max_length=100)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class VitalSignsForm(forms.Form):
    measured_on = _date(_("测量日期"))
    height_cm = forms.DecimalField(
        label=_("身高（厘米）"), min_value=0, max_digits=5, decimal_places=1
    )
    weight_kg = forms.DecimalField(
        label=_("体重（千克）"), min_value=0, max_digits=5, decimal_places=1
    )
    respiration = _count(_("呼吸（次/分）"))
    heart_rate = _count(_("心率（次/分）"))
    systolic = _count(_("收缩压（mmHg）"))
    diastolic = _count(_("舒张压（mmHg）"))
    alt = _count(_("谷丙转氨酶ALT（U/L）"), required=False)
    ast = _count(_("谷草转氨酶AST（U/L）"), required=False)


class DrugTestForm(forms.Form):
    tested_on = _date(_("检测日期"))
    occasion = forms.ChoiceField(label=_("检测类型"), choices=TestOccasion.choices)
    sample = forms.ChoiceField(label=_("样本"), choices=SampleType.choices)
    substances = forms.CharField(label=_("检测项目"), max_length=100, required=False)
    result = forms.ChoiceField(
        label=_("结果"),
        choices=TestResult.choices,
        help_text=_(
            "入所后检测阳性或拒绝检测，视为所内吸食毒品：不得提前解除，并可作为延长期限的依据"
            "（司法部令第127号第二十九条）"
        ),
    )
    tester = forms.CharField(label=_("检测人"), max_length=100)


class ScreeningForm(forms.Form):
    screened_on = _date(_("筛查日期"))
    disease = forms.ChoiceField(label=_("病种"), choices=Disease.choices)
    result = forms.ChoiceField(label=_("结果"), choices=ScreeningResult.choices)
    method = forms.CharField(label=_("检测方法"), max_length=100, required=False)


class ConditionForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ConditionKind.choices)
    description = forms.CharField(label=_("诊断"), max_length=200)
    severity = forms.ChoiceField(label=_("程度"), choices=ConditionSeverity.choices)
    since = _date(_("确诊日期"))


class ResolveConditionForm(forms.Form):
    on = _date(_("痊愈或解除日期"))
