"""Forms of the drug-test pages: they validate shape; the service decides the rest (two staff,
A/B bottles, hair segment, re-test institution). Field names are the service's keyword
arguments, so a refusal lands on the field it names.

The test form makes the common case one click: today, urine, on-site, negative, the usual
three-class kit ticked, and the worker as the first staff member."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput

from ..choices import NON_COMPLIANT_RESULTS, SampleType, TestResult, TestTier
from ..models import CommunityDrugTest
from ..services.drug_tests import DRUG_CLASSES

# The classes of the usual on-site urine kit (methamphetamine, morphine, ketamine).
USUAL_KIT = ("methamphetamine", "morphine", "ketamine")
CLASS_CHOICES = list(DRUG_CLASSES.items())


def _text(label, field: str, required=False, **kwargs):
    max_length = CommunityDrugTest._meta.get_field(field).max_length
    return forms.CharField(label=label, max_length=max_length, required=required, **kwargs)


class CheckedTestField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.taken_on:%Y-%m-%d} {obj.get_tier_display()} {obj.get_result_display()}"


class DrugTestForm(forms.Form):
    taken_on = forms.DateField(label=_("检测日期"), widget=DateInput, initial=clock.today)
    result = forms.ChoiceField(
        label=_("结果"),
        choices=TestResult.choices,
        initial=TestResult.NEGATIVE,
        widget=forms.RadioSelect,
        help_text=_(
            "阳性将提示专干并生成移交公安的待办（疑似社区戒毒期间吸毒）；拒绝或逃避检测计入严重"
            "违反协议的次数（戒毒条例第二十条）。"
        ),
    )
    sample = forms.ChoiceField(
        label=_("样本"), choices=SampleType.choices, initial=SampleType.URINE
    )
    tier = forms.ChoiceField(label=_("检测类别"), choices=TestTier.choices, initial=TestTier.ONSITE)
    classes_tested = forms.MultipleChoiceField(
        label=_("检测项目"),
        choices=CLASS_CHOICES,
        initial=list(USUAL_KIT),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    classes_positive = forms.MultipleChoiceField(
        label=_("阳性项目"),
        choices=CLASS_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("结果为阳性时，勾选呈阳性的类别。"),
    )
    staff_1 = _text(_("检测人员一"), "staff_1")
    staff_2 = _text(
        _("检测人员二"),
        "staff_2",
        help_text=_(
            "采集、送检、检测样本应有两名以上工作人员；女性的尿样由女性工作人员采集"
            "（吸毒检测程序规定第八条）。"
        ),
    )
    kit = _text(_("试剂（批号）"), "kit")
    cutoff = _text(_("阳性判定值"), "cutoff")
    institution = _text(_("检测机构"), "institution")
    bottle_a = _text(
        _("A瓶编号"),
        "bottle_a",
        help_text=_("现场检测阳性的尿液、唾液、血液样本应分装A、B两瓶，保存不少于6个月。"),
    )
    bottle_b = _text(_("B瓶编号"), "bottle_b")
    hair_segment_cm = forms.IntegerField(
        label=_("毛发截取长度（距发根厘米）"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("毛发样本：距发根3厘米以内阳性，表示采样前6个月内吸毒。"),
    )
    checks = CheckedTestField(
        label=_("复核的检测"),
        queryset=CommunityDrugTest.objects.none(),
        required=False,
        help_text=_("实验室检测复核现场检测；实验室复检复核实验室检测，须由另一机构进行。"),
    )
    note = _text(_("备注"), "note", help_text=_("拒绝或逃避检测时写明经过。"))

    def __init__(self, *args, worker_name: str = "", checkable=None, **kwargs):
        super().__init__(*args, **kwargs)
        if worker_name and not self.is_bound:
            self.fields["staff_1"].initial = worker_name
        if checkable is not None:
            self.fields["checks"].queryset = checkable

    def clean(self):
        data = super().clean()
        tested = data.pop("classes_tested", None) or []
        positive = data.pop("classes_positive", None) or []
        results = {code: TestResult.NEGATIVE.value for code in tested}
        results.update({code: TestResult.POSITIVE.value for code in positive})
        if data.get("result") in NON_COMPLIANT_RESULTS:
            results = {}  # no sample: the kit's classes were never read
        data["results"] = results
        return data

    # Fields shown folded ("more"); the fold opens when one of them has an error.
    DETAIL_FIELDS = ("kit", "cutoff", "institution", "hair_segment_cm", "checks")

    @property
    def details_have_errors(self) -> bool:
        return any(name in self.errors for name in self.DETAIL_FIELDS)

    def show_refusal_at(self, field: str | None) -> str | None:
        """The form field that shows a refusal about service field `field`."""
        if field == "results":
            return "classes_positive"
        return field if field in self.fields else None


class DayForm(forms.Form):
    """One day: the objection, the disposal of the bottles."""

    on = forms.DateField(label=_("日期"), widget=DateInput, initial=clock.today)
