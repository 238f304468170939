"""Forms of the education-correction centre: shape only; the rules are in the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core.forms import DateInput

from ..choices import CourseCategory, ExamSubject
from ..models import Course


class CourseForm(forms.Form):
    title = forms.CharField(label=_("课程名称"), max_length=100)
    category = forms.ChoiceField(label=_("类别"), choices=CourseCategory.choices)


class SessionForm(forms.Form):
    """One class and who attended: a checkbox per current resident, with the hours each was
    present (blank = the class's hours)."""

    course = forms.ModelChoiceField(label=_("课程"), queryset=Course.objects.none())
    held_on = forms.DateField(label=_("上课日期"), widget=DateInput)
    hours = forms.DecimalField(
        label=_("课时（小时）"), max_digits=4, decimal_places=1, min_value=Decimal("0.1")
    )
    teacher = forms.CharField(label=_("授课人"), max_length=100)
    topic = forms.CharField(label=_("内容"), max_length=200, required=False)
    attendees = forms.MultipleChoiceField(
        label=_("出勤人员"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, facility, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.residents = list(residents)
        self._by_pk = {str(s.pk): s for s in self.residents}
        self.fields["course"].queryset = Course.objects.filter(facility=facility, is_active=True)
        self.fields["attendees"].choices = [(str(s.pk), s.person.name) for s in self.residents]
        for stay in self.residents:
            self.fields[f"hours_{stay.pk}"] = forms.DecimalField(
                label=_("出勤课时"),
                max_digits=4,
                decimal_places=1,
                min_value=Decimal("0"),
                required=False,
            )

    def resident_rows(self):
        """(stay, checked, hours field) for the attendance table."""
        chosen = set(self["attendees"].value() or [])
        return [(s, str(s.pk) in chosen, self[f"hours_{s.pk}"]) for s in self.residents]

    def visible_fields(self):
        # The per-person hours are rendered in the attendance table, not as separate fields.
        return [f for f in super().visible_fields() if not f.name.startswith("hours_")]

    def attendee_rows(self) -> list[tuple[object, Decimal | None]]:
        data = self.cleaned_data
        return [(self._by_pk[pk], data.get(f"hours_{pk}")) for pk in data["attendees"]]


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class CaseOfficerForm(forms.Form):
    officer = StaffChoiceField(label=_("分管民警"), queryset=None)
    since = forms.DateField(label=_("分管起始日"), widget=DateInput)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = staff


class TalkForm(forms.Form):
    officer = StaffChoiceField(label=_("谈话民警"), queryset=None)
    held_on = forms.DateField(label=_("谈话日期"), widget=DateInput)
    topic = forms.CharField(label=_("主题"), max_length=100)
    summary = forms.CharField(label=_("谈话内容摘要"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = staff


class ExamForm(forms.Form):
    subject = forms.ChoiceField(label=_("科目"), choices=ExamSubject.choices)
    taken_on = forms.DateField(label=_("考试日期"), widget=DateInput)
    score = forms.DecimalField(
        label=_("成绩"),
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
    )
