"""Forms of referrals to the police: shape only; the services refuse what is not allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput


class ReportReferralForm(forms.Form):
    on = forms.DateField(label=_("移交日期"), widget=DateInput, initial=clock.today)


class PoliceDecisionForm(forms.Form):
    """The police's answer that is recorded on the referral. Compulsory isolation is decided
    as a measure (the measures decision form), not here."""

    outcome = forms.ChoiceField(
        label=_("处理决定"),
        choices=[("returned", _("不予强制隔离戒毒，继续执行社区措施"))],
        initial="returned",
    )
    on = forms.DateField(label=_("决定日期"), widget=DateInput, initial=clock.today)
    note = forms.CharField(
        label=_("决定说明"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
