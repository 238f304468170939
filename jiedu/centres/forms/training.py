"""Forms of the rehabilitation-training centre's pages: shape only; the services grade and
refuse. Field names are the services' keyword arguments."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput

from ..choices import TrainingKind

SMALLINT_MAX = 32767  # PositiveSmallIntegerField


def _count(label):
    return forms.IntegerField(label=label, min_value=0, max_value=SMALLINT_MAX, required=False)


class FitnessTestForm(forms.Form):
    tested_on = forms.DateField(label=_("测试日期"), widget=DateInput, initial=clock.today)
    calisthenics_fluent = forms.NullBooleanField(
        label=_("广播体操动作流畅协调"),
        widget=forms.Select(
            choices=[("unknown", _("未测")), ("true", _("是")), ("false", _("否"))]
        ),
    )
    chest_expander_pulls = _count(_("拉力器（次/分钟）"))
    push_ups = _count(_("俯卧撑（次/分钟）"))
    sit_ups = _count(_("仰卧起坐（次/分钟）"))
    sit_and_reach_cm = forms.DecimalField(
        label=_("坐位体前屈（厘米）"), max_digits=4, decimal_places=1, required=False
    )
    step_index = forms.DecimalField(
        label=_("台阶试验指数"), max_digits=5, decimal_places=1, required=False
    )
    tester = forms.CharField(label=_("测试人"), max_length=100)


class TrainingSessionForm(forms.Form):
    held_on = forms.DateField(label=_("训练日期"), widget=DateInput, initial=clock.today)
    kind = forms.ChoiceField(label=_("项目"), choices=TrainingKind.choices)
    minutes = forms.IntegerField(label=_("时长（分钟）"), min_value=0, max_value=SMALLINT_MAX)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
