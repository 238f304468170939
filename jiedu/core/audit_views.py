"""Auditor screens: everything a user did in a period."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import log_access
from jiedu.core.clock import today
from jiedu.core.models import AccessAction, AccessLogEntry, ChangeLogEntry
from jiedu.core.permissions import grants_for, scope_q
from jiedu.core.views import paginate

# Dates far enough from date.min/date.max that the period's datetimes (± a day and the time
# zone) cannot overflow.
_DATE_RANGE = [MinValueValidator(date(1900, 1, 1)), MaxValueValidator(date(9000, 12, 31))]


class UserActivityForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    date_from = forms.DateField(
        label=_("起始日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=_DATE_RANGE,
    )
    date_to = forms.DateField(
        label=_("截止日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=_DATE_RANGE,
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data


def auditable_users(user):
    """Users whose activity `user` may audit: those holding a post inside the auditor's units."""
    from jiedu.accounts.models import User

    q = scope_q(user, "core.view_audit", "memberships__org_unit__path")
    return User.objects.all() if q is None else User.objects.filter(q).distinct()


def auditable_person_pks(user):
    """Files (any status) whose changes `user` may read in the audit: view and audit granted."""
    from jiedu.people.models import Person

    persons = Person.objects.restrict(user, "view")
    q = scope_q(user, "core.view_audit", "managing_unit__path")
    if q is not None:
        persons = persons.filter(q)
    return persons.values("pk")


@login_required
def user_activity(request):
    if not grants_for(request.user).has_anywhere("core.view_audit"):
        raise Http404
    initial = {"date_from": today() - timedelta(days=30), "date_to": today()}
    form = UserActivityForm(request.GET or None, initial=initial)
    changes = accesses = None
    subject = None
    if request.GET and form.is_valid():
        subject = (
            auditable_users(request.user).filter(username=form.cleaned_data["username"]).first()
        )
        if subject is None:
            form.add_error("username", _("找不到该用户，或该用户不在您的审计范围内。"))
        else:
            tz = timezone.get_current_timezone()
            start = datetime.combine(form.cleaned_data["date_from"], time.min, tzinfo=tz)
            end = datetime.combine(
                form.cleaned_data["date_to"] + timedelta(days=1), time.min, tzinfo=tz
            )
            period = {"user_id": subject.pk, "time__gte": start, "time__lt": end}
            # Changes to people's files only where the auditor may see the person: the subject
            # may also hold posts outside the auditor's units.
            changes = paginate(
                request,
                ChangeLogEntry.objects.filter(**period).filter(
                    Q(person_pk__isnull=True) | Q(person_pk__in=auditable_person_pks(request.user))
                ),
            )
            accesses = AccessLogEntry.objects.filter(**period)[:500]
            log_access(
                AccessAction.VIEW_AUDIT,
                user=request.user,
                query=f"{subject.username} {form.cleaned_data['date_from']}"
                f"–{form.cleaned_data['date_to']}",
            )
    return render(
        request,
        "core/user_activity.html",
        {"form": form, "changes": changes, "accesses": accesses, "subject": subject},
    )
