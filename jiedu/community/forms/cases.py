"""Forms of the case list and the case page: filters, report-in and refusal, the work team, the
agreement, the worker and the change of place."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit

from ..choices import CaseState, RiskClass, TeamRole

DATE = DateInput()


def _today():
    return clock.today()


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class CaseFilterForm(forms.Form):
    """GET filters of the township's case list."""

    state = forms.ChoiceField(
        label=_("个案状态"),
        required=False,
        choices=[("", _("全部未结案")), *[c for c in CaseState.choices if c[0] != "closed"]],
    )
    worker = forms.TypedChoiceField(
        label=_("责任专干"), required=False, coerce=int, empty_value=None
    )
    unassigned = forms.BooleanField(label=_("仅未指派专干"), required=False)
    risk = forms.ChoiceField(label=_("风险等级"), required=False, choices=[("", _("全部"))])
    q = forms.CharField(label=_("姓名或证件号码"), required=False, max_length=100)

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].choices = [("", _("全部"))] + [(w.pk, str(w)) for w in workers]
        self.fields["risk"].choices = [("", _("全部")), *RiskClass.choices]


class ReportInForm(forms.Form):
    """登记报到 (戒毒条例 Art. 14, 38); after the deadline only with a good reason."""

    on = forms.DateField(label=_("报到日期"), widget=DATE, initial=_today)
    late_reason = forms.CharField(
        label=_("逾期报到的正当理由"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("报到截止日后报到的，须填写正当理由（戒毒条例第十四条）。"),
    )


class RefuseForm(forms.Form):
    """登记拒绝报到 (戒毒条例 Art. 14): only after the reporting window has closed."""

    on = forms.DateField(label=_("认定日期"), widget=DATE, initial=_today)


class TeamMemberForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=TeamRole.choices)
    name = forms.CharField(
        label=_("姓名"), max_length=50, required=False, help_text=_("选择系统用户时可不填")
    )
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    user = UserChoiceField(label=_("系统用户"), queryset=None, required=False)
    started_on = forms.DateField(label=_("加入日期"), widget=DATE, initial=_today)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        from jiedu.accounts.models import User

        self.fields["user"].queryset = User.objects.filter(pk__in=[u.pk for u in users])


class EndMemberForm(forms.Form):
    on = forms.DateField(label=_("退出日期"), widget=DATE, initial=_today)


class AgreementForm(forms.Form):
    signed_on = forms.DateField(label=_("签订日期"), widget=DATE, initial=_today)
    number = forms.CharField(
        label=_("协议编号"),
        max_length=60,
        required=False,
        help_text=_("不填则自动编号（单位代码-年份-序号）"),
    )


class AssignWorkerForm(forms.Form):
    worker = UserChoiceField(label=_("责任专干（社工）"), queryset=None)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        from jiedu.accounts.models import User

        self.fields["worker"].queryset = User.objects.filter(pk__in=[u.pk for u in users]).order_by(
            "username"
        )


class TransferForm(forms.Form):
    """变更执行地 (戒毒条例 Art. 22)."""

    to_unit = forms.ModelChoiceField(label=_("新执行地"), queryset=None)
    moved_on = forms.DateField(label=_("变更日期"), widget=DATE, initial=_today)
    reason = forms.CharField(label=_("变更原因"), max_length=200)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        townships = OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP, is_active=True)
        if case is not None:
            townships = townships.exclude(pk=case.unit_id)
        self.fields["to_unit"].queryset = townships.order_by("path")


class TransferReportForm(forms.Form):
    on = forms.DateField(label=_("新执行地报到日期"), widget=DATE, initial=_today)
