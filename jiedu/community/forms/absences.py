"""Forms of leave requests and absences: shape only; the services decide what the law allows
(戒毒条例 Art. 19, 20). Field names are the services' keyword arguments."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput

# How the worker states whether an absence was approved: derived from the approved leave
# (the days outside it are split off as unapproved), or said outright.
APPROVAL_CHOICES = [
    ("", _("按已批准的请假认定（超出部分为擅自离开）")),
    ("no", _("未经批准（擅自离开）")),
    ("yes", _("经批准")),
]


class AbsenceForm(forms.Form):
    left_on = forms.DateField(label=_("离开日期"), widget=DateInput, initial=clock.today)
    returned_on = forms.DateField(
        label=_("返回日期"),
        widget=DateInput,
        required=False,
        help_text=_("尚未返回的不填；天数含离开和返回当日。"),
    )
    approved = forms.TypedChoiceField(
        label=_("是否经批准"),
        choices=APPROVAL_CHOICES,
        required=False,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
    )
    destination = forms.CharField(label=_("去向"), max_length=100, required=False)
    note = forms.CharField(label=_("说明"), max_length=150, required=False)
    # Made when the form is shown: a form sent twice (a double click, a retry) records once.
    external_id = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=100, initial=lambda: uuid.uuid4().hex
    )


class ReturnForm(forms.Form):
    on = forms.DateField(label=_("返回日期"), widget=DateInput, initial=clock.today)


class LeaveForm(forms.Form):
    leave_on = forms.DateField(label=_("离开日期"), widget=DateInput, initial=clock.today)
    return_on = forms.DateField(label=_("预计返回日期"), widget=DateInput)
    destination = forms.CharField(label=_("前往地点"), max_length=100)
    reason = forms.CharField(label=_("事由"), max_length=300, required=False)


class LeaveDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批意见"),
        choices=[("yes", _("批准")), ("no", _("不予批准"))],
        coerce=lambda v: v == "yes",
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    on = forms.DateField(label=_("审批日期"), widget=DateInput, initial=clock.today)
