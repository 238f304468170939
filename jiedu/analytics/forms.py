from django import forms
from django.utils.translation import gettext_lazy as _

from .periods import parse_period


class PeriodForm(forms.Form):
    """The dashboards' period picker: a year, a quarter or a month."""

    period = forms.CharField(
        label=_("统计期"),
        required=False,
        max_length=10,
        help_text=_("年（2026）、季度（2026-Q3）或月份（2026-07）"),
        widget=forms.TextInput(attrs={"list": "period-choices", "size": 10}),
    )

    def clean_period(self):
        text = self.cleaned_data["period"]
        try:
            return parse_period(text)
        except ValueError:
            raise forms.ValidationError(
                _(
                    "统计期格式不正确：请填写年份（如 2026）、季度（如 2026-Q3）"
                    "或月份（如 2026-07）。"
                ),
                code="period",
            ) from None
