"""教育矫正中心 pages: the facility's work page (overdue talks, education floors, classes and
attendance) and one person's education file (hours, officer in charge, talks, exams)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm
from jiedu.core.views import apply_validation_error

from ..access import get_facility_for_user, get_stay_for_user
from ..choices import CourseCategory
from ..forms import education as forms
from ..models import Attendance, CaseOfficer, Course, CourseSession, Exam, Talk
from ..services import education as services

VIEW = "centres.view_record"
MANAGE = "centres.manage_record"
RECENT_DAYS = 30


# --- Work page ---------------------------------------------------------------------------------


def _talks_by_officer(rows, user) -> list[tuple[object, list]]:
    groups: dict[int, tuple[object, list]] = {}
    for row in rows:
        groups.setdefault(row.officer.pk, (row.officer, []))[1].append(row)
    # The logged-in officer's own people first: those are the talks they can hold today.
    return sorted(groups.values(), key=lambda g: (g[0].pk != user.pk, str(g[0])))


def _work_context(request, facility, *, course_form=None, session_form=None) -> dict:
    today = clock.today()
    residents = list(services.open_stays(facility))
    can_manage = has_perm(request.user, MANAGE, facility)
    admission = services.admission_education_statuses(residents, today)
    horizon = today + timedelta(days=RECENT_DAYS)
    near_end = [s for s in residents if s.measure.term_end and s.measure.term_end <= horizon]
    returning = services.return_education_statuses(near_end, today)
    sessions = (
        CourseSession.objects.restrict(request.user, "view")
        .filter(course__facility=facility, held_on__gte=today - timedelta(days=RECENT_DAYS))
        .select_related("course")
        .annotate(n_attendees=Count("attendance"))
        .order_by("-held_on", "-id")[:50]
    )
    courses = (
        Course.objects.restrict(request.user, "view")
        .filter(facility=facility)
        .annotate(last_held_on=Max("sessions__held_on"), n_sessions=Count("sessions"))
        .order_by("category", "title")
    )
    if can_manage:
        course_form = course_form or forms.CourseForm(prefix="course")
        session_form = session_form or forms.SessionForm(
            prefix="session", facility=facility, residents=residents
        )
    return {
        "facility": facility,
        "today": today,
        "talk_groups": _talks_by_officer(services.overdue_talks(facility, today), request.user),
        "unassigned": services.stays_without_case_officer(facility),
        "admission_pending": [
            (s, admission[s.pk]) for s in residents if not admission[s.pk]["complete"]
        ],
        "return_pending": [
            (s, returning[s.pk]) for s in near_end if not returning[s.pk]["complete"]
        ],
        "sessions": sessions,
        "courses": courses,
        "can_manage": can_manage,
        "course_form": course_form if can_manage else None,
        "session_form": session_form if can_manage else None,
    }


@login_required
def education_work(request, code):
    facility = get_facility_for_user(request.user, code)
    return render(request, "centres/education/work.html", _work_context(request, facility))


@login_required
@require_POST
def course_add(request, code):
    facility = get_facility_for_user(request.user, code)
    form = forms.CourseForm(request.POST, prefix="course")
    if form.is_valid():
        try:
            services.add_course(facility, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已添加课程。"))
            return redirect("centres:education_work", code=facility.code)
    context = _work_context(request, facility, course_form=form)
    return render(request, "centres/education/work.html", context, status=422)


@login_required
@require_POST
def session_add(request, code):
    facility = get_facility_for_user(request.user, code)
    form = forms.SessionForm(
        request.POST,
        prefix="session",
        facility=facility,
        residents=services.open_stays(facility),
    )
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_session(
                d["course"],
                held_on=d["held_on"],
                hours=d["hours"],
                teacher=d["teacher"],
                topic=d["topic"],
                attendees=form.attendee_rows(),
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记授课和出勤。"))
            return redirect("centres:education_work", code=facility.code)
    context = _work_context(request, facility, session_form=form)
    return render(request, "centres/education/work.html", context, status=422)


# --- A person's education file -----------------------------------------------------------------

RECORD_FORMS = {
    "officer": (forms.CaseOfficerForm, gettext_lazy("指定分管民警")),
    "talk": (forms.TalkForm, gettext_lazy("登记个别谈话")),
    "exam": (forms.ExamForm, gettext_lazy("登记考试成绩")),
}


def _make_form(name, stay, data=None, user=None):
    cls = RECORD_FORMS[name][0]
    if cls is forms.ExamForm:
        return cls(data, prefix=name)
    staff = services.facility_staff(stay.facility)
    initial = {"officer": user.pk} if (cls is forms.TalkForm and user is not None) else None
    return cls(data, prefix=name, staff=staff, initial=initial)


def _file_context(request, stay, failed=None) -> dict:
    today = clock.today()
    user = request.user
    labels = dict(CourseCategory.choices)
    hours = services.education_hours(stay)
    can_manage = has_perm(user, MANAGE, stay.facility)
    record_forms = []
    if can_manage and stay.left_on is None:
        for name, (_cls, label) in RECORD_FORMS.items():
            form = failed[1] if failed and failed[0] == name else _make_form(name, stay, user=user)
            record_forms.append((name, label, form))
    return {
        "stay": stay,
        "person": stay.person,
        "today": today,
        "hours": [(labels.get(c, c), h) for c, h in hours.items()],
        "total_hours": sum(hours.values()),
        "admission_status": services.admission_education_status(stay, today),
        "return_status": services.return_education_status(stay, today),
        "attendance": Attendance.objects.restrict(user, "view")
        .filter(admission=stay)
        .select_related("session__course"),
        "officers": CaseOfficer.objects.restrict(user, "view")
        .filter(admission=stay)
        .select_related("officer"),
        "talks": Talk.objects.restrict(user, "view")
        .filter(admission=stay)
        .select_related("officer"),
        "exams": Exam.objects.restrict(user, "view").filter(admission=stay),
        "record_forms": record_forms,
        "can_manage": can_manage,
    }


@login_required
def education_file(request, pk):
    stay = get_stay_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=stay.person_id)
    return render(request, "centres/education/file.html", _file_context(request, stay))


def _run(name, stay, form, actor):
    d = form.cleaned_data
    if name == "officer":
        return services.assign_case_officer(
            stay, officer=d["officer"], since=d["since"], actor=actor
        )
    if name == "talk":
        return services.record_talk(
            stay,
            officer=d["officer"],
            held_on=d["held_on"],
            topic=d["topic"],
            summary=d["summary"],
            actor=actor,
        )
    return services.record_exam(
        stay, subject=d["subject"], taken_on=d["taken_on"], score=d["score"], actor=actor
    )


@login_required
@require_POST
def education_record(request, pk, record):
    if record not in RECORD_FORMS:
        raise Http404("unknown record")
    stay = get_stay_for_user(request.user, pk)
    form = _make_form(record, stay, request.POST)
    if form.is_valid():
        try:
            _run(record, stay, form, request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记：%(a)s。") % {"a": RECORD_FORMS[record][1]})
            return redirect("centres:education_file", pk=stay.pk)
    context = _file_context(request, stay, failed=(record, form))
    return render(request, "centres/education/file.html", context, status=422)


urlpatterns = [
    path("<str:code>/education/", education_work, name="education_work"),
    path("<str:code>/education/course/", course_add, name="education_course_add"),
    path("<str:code>/education/session/", session_add, name="education_session_add"),
    path("stays/<int:pk>/education/", education_file, name="education_file"),
    path("stays/<int:pk>/education/<slug:record>/", education_record, name="education_record"),
]
