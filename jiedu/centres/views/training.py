"""康复训练中心 pages: the facility's work page (who has no fitness test yet, whose last test
failed) and one stay's training file with each item's results over time."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Subquery, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm
from jiedu.core.views import apply_validation_error, paginate
from jiedu.facilities.models import Admission
from jiedu.measures.services import age_on

from .. import fitness, rules
from ..access import get_facility_for_user, get_stay_for_user
from ..forms import training as forms
from ..models import FitnessTest, TrainingSession
from ..services import training as services

RECENT_DAYS = 30  # the window of "training in the last days" on both pages

RECORDS = {
    "fitness": (forms.FitnessTestForm, _("体能测试"), services.record_fitness_test),
    "session": (forms.TrainingSessionForm, _("康复训练"), services.record_training),
}


def _latest_test(field: str):
    return Subquery(
        FitnessTest.objects.filter(admission=OuterRef("pk"))
        .order_by("-tested_on", "-id")
        .values(field)[:1]
    )


def _recent_sessions(since, aggregate):
    return Subquery(
        TrainingSession.objects.filter(admission=OuterRef("pk"), held_on__gte=since)
        .values("admission")
        .annotate(v=aggregate)
        .values("v")[:1]
    )


@login_required
def training_work(request, code):
    facility = get_facility_for_user(request.user, code)
    user = request.user
    today = clock.today()
    since = today - timedelta(days=RECENT_DAYS - 1)
    present = Admission.objects.restrict(user, "view").filter(
        facility=facility, left_on__isnull=True
    )
    stays = paginate(
        request,
        present.select_related("person", "zone")
        .annotate(
            last_tested_on=_latest_test("tested_on"),
            last_passed=_latest_test("passed"),
            sessions=_recent_sessions(since, Count("id")),
            minutes=_recent_sessions(since, Sum("minutes")),
        )
        .order_by("zone__kind", "bed__code", "person__name", "id"),
    )
    untested = (
        present.annotate(tested=Exists(FitnessTest.objects.filter(admission=OuterRef("pk"))))
        .filter(tested=False)
        .select_related("person", "zone")
        .order_by("admitted_on", "id")
    )
    failed = (
        present.annotate(
            last_passed=_latest_test("passed"), last_tested_on=_latest_test("tested_on")
        )
        .filter(last_passed=False)
        .select_related("person", "zone")
        .order_by("last_tested_on", "id")
    )
    return render(
        request,
        "centres/training/work.html",
        {
            "facility": facility,
            "stays": stays,
            "untested": untested,
            "failed": failed,
            "recent_days": RECENT_DAYS,
            "chest_pass": rule_config.value(rules.CHEST_EXPANDER_PASS, facility, today),
        },
    )


# --- File of one stay --------------------------------------------------------------------------

# The items of the history tables: (key, label, unit, how to read the value from a test).
ITEMS = (
    ("calisthenics", _("广播体操"), "", "calisthenics_fluent"),
    ("chest_expander", _("拉力器"), _("次/分钟"), "chest_expander_pulls"),
    *((i.field, i.label, i.unit, i.field) for i in fitness.GRADED_ITEMS),
)


def _history(tests) -> list[dict]:
    """One small table per item, newest first, only the tests that measured it."""
    tables = []
    for key, label, unit, field in ITEMS:
        rows = [
            (t.tested_on, getattr(t, field), t.grades.get(key))
            for t in tests
            if getattr(t, field) is not None
        ]
        if rows:
            tables.append({"key": key, "label": label, "unit": unit, "rows": rows})
    return tables


def _thresholds(stay, facility, today) -> list[tuple]:
    """The standards that apply to the person today, for the page's note."""
    person = stay.person
    age = age_on(person.birth_date, today)
    chest = rule_config.value(rules.CHEST_EXPANDER_PASS, facility, today)
    rows = [(_("拉力器"), chest, _("次/分钟"))]
    for item in fitness.GRADED_ITEMS:
        limit = fitness.threshold(item.field, person.gender, age)
        if limit is not None:
            rows.append((item.label, limit, item.unit))
    return rows


def _file_context(request, stay, failed=None) -> dict:
    user = request.user
    facility = stay.facility
    today = clock.today()
    tests = list(FitnessTest.objects.restrict(user, "view").filter(admission=stay))
    sessions = TrainingSession.objects.restrict(user, "view").filter(admission=stay)
    entry_forms = []
    if has_perm(user, "centres.manage_record", facility):
        for name, (form_class, label, _run) in RECORDS.items():
            form = failed[1] if failed and failed[0] == name else form_class(prefix=name)
            entry_forms.append((name, label, form))
    since = today - timedelta(days=RECENT_DAYS - 1)
    return {
        "stay": stay,
        "person": stay.person,
        "tests": tests,
        "history": _history(tests),
        "thresholds": _thresholds(stay, facility, today),
        "standards_source": fitness.SOURCE,
        "sessions": sessions,
        "recent_minutes": sum(s.minutes for s in sessions if s.held_on >= since),
        "recent_days": RECENT_DAYS,
        "entry_forms": entry_forms,
    }


@login_required
def training_file(request, pk):
    stay = get_stay_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=stay.person_id)
    return render(request, "centres/training/file.html", _file_context(request, stay))


@login_required
@require_POST
def training_record(request, pk, record):
    if record not in RECORDS:
        raise Http404("unknown record")
    form_class, label, run = RECORDS[record]
    stay = get_stay_for_user(request.user, pk)
    form = form_class(request.POST, prefix=record)
    if form.is_valid():
        try:
            run(stay, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记：%(r)s。") % {"r": label})
            return redirect("centres:training_file", pk=stay.pk)
    context = _file_context(request, stay, failed=(record, form))
    return render(request, "centres/training/file.html", context, status=422)


urlpatterns = [
    path("<str:code>/training/", training_work, name="training_work"),
    path("stays/<int:pk>/training/", training_file, name="training_file"),
    path("stays/<int:pk>/training/<slug:record>/", training_record, name="training_record"),
]
