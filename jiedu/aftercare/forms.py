"""Forms of the follow-up pages: the list's filters, a visit, help given, the end of the plan.
They check shape only; the services check the rules and their refusals land on these fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput

from .choices import (
    CloseReason,
    Employment,
    FamilySituation,
    HelpKind,
    PlanStatus,
    VisitMethod,
    VisitStatus,
    VisitTestResult,
)

DATE = DateInput()
EXTRA = "extra"


def _today():
    return clock.today()


CHOOSE = _("请选择")


def _blank(choices):
    return [("", CHOOSE), *choices]


class PlanFilterForm(forms.Form):
    """GET filters of a unit's follow-up list."""

    DUE_CHOICES = [
        ("", _("全部")),
        ("overdue", _("回访已逾期")),
        ("soon", _("即将到期")),
    ]

    q = forms.CharField(label=_("姓名或证件号码"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("照管状态"),
        required=False,
        choices=[*PlanStatus.choices, ("all", _("全部"))],
    )
    due = forms.ChoiceField(label=_("回访"), required=False, choices=DUE_CHOICES)


class VisitForm(forms.Form):
    """登记回访: which scheduled visit (or an extra one) and what it found."""

    visit = forms.ChoiceField(label=_("回访次序"))
    visited_on = forms.DateField(label=_("回访日期"), widget=DATE, initial=_today)
    method = forms.ChoiceField(label=_("方式"), choices=_blank(VisitMethod.choices))
    contact_made = forms.BooleanField(label=_("联系上本人"), required=False, initial=True)
    status = forms.ChoiceField(label=_("现状"), choices=_blank(VisitStatus.choices))
    test_result = forms.ChoiceField(
        label=_("检测结果"), choices=VisitTestResult.choices, initial=VisitTestResult.NOT_TESTED
    )
    employment = forms.ChoiceField(
        label=_("就业情况"), choices=Employment.choices, initial=Employment.UNKNOWN
    )
    family_situation = forms.ChoiceField(
        label=_("家庭情况"), choices=FamilySituation.choices, initial=FamilySituation.UNKNOWN
    )
    note = forms.CharField(
        label=_("情况说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, open_visits=(), default_visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (
                str(v.pk),
                _("第%(month)s个月（应于%(day)s）")
                % {"month": v.month, "day": v.due_on.isoformat()},
            )
            for v in open_visits
        ]
        self.fields["visit"].choices = [*choices, (EXTRA, _("计划外回访"))]
        self.fields["visit"].initial = str(default_visit.pk) if default_visit else EXTRA
        self.fields["status"].error_messages["required"] = _("请选择回访时的现状。")
        self.fields["method"].error_messages["required"] = _("请选择回访方式。")
        self.fields["visited_on"].error_messages["required"] = _("请填写回访日期。")

    def chosen_visit_id(self) -> int | None:
        value = self.cleaned_data["visit"]
        return None if value == EXTRA else int(value)


class HelpForm(forms.Form):
    """登记帮扶."""

    kind = forms.ChoiceField(label=_("帮扶类别"), choices=_blank(HelpKind.choices))
    given_on = forms.DateField(label=_("帮扶日期"), widget=DATE, initial=_today)
    provider = forms.CharField(label=_("帮扶单位（人）"), required=False, max_length=100)
    amount = forms.DecimalField(
        label=_("金额（元）"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages={"min_value": _("金额不能为负数。"), "invalid": _("请填写有效的金额。")},
    )
    description = forms.CharField(
        label=_("帮扶内容"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages["required"] = _("请选择帮扶类别。")


# Reasons a worker records; "new measure" follows the measures by itself.
MANUAL_CLOSE_REASONS = [c for c in CloseReason.choices if c[0] != CloseReason.NEW_MEASURE]


class CloseForm(forms.Form):
    """结束后续照管."""

    on = forms.DateField(label=_("结束日期"), widget=DATE, initial=_today)
    reason = forms.ChoiceField(label=_("结束原因"), choices=_blank(MANUAL_CLOSE_REASONS))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("请选择结束原因。")
