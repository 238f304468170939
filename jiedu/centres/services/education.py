"""教育矫正中心: courses and the attendance of each class, the officer in charge of each person and
their monthly talks, exams — and the education floors the law sets (司法部令第127号 Art. 44–51;
domain.md §3.10).

The query functions (`admission_education_status`, `return_education_status`, `overdue_talks`,
`latest_exam`, `education_hours`) are pure reads used by the work pages and by the evaluation
pre-fill; each has a bulk form for many stays in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, Min, OuterRef, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm
from jiedu.core.refusals import Refusal
from jiedu.facilities.models import Admission
from jiedu.facilities.services import FACILITY_KINDS
from jiedu.measures.clocks import add_months
from jiedu.measures.rules import Statute
from jiedu.orgs.models import OrgUnit

from ..choices import CourseCategory, ExamSubject
from ..models import Attendance, CaseOfficer, Course, CourseSession, Exam, Talk
from .common import check_day, record_fields, require

MANAGE = "centres.manage_record"
_MOJ127 = date(2013, 6, 1)  # 司法部令第127号 in force

# Statutory floors (domain.md §0.1: constants with their source, not literals in code).
ADMISSION_EDUCATION_MONTHS = Statute(
    "education.admission_min", 1, "months", "司法部令第127号 Art. 45", _MOJ127
)
RETURN_EDUCATION_DAYS = Statute(
    "education.return_min", 7, "days", "司法部令第127号 Art. 51", _MOJ127
)
TALK_INTERVAL_MONTHS = Statute(
    "education.talk_interval", 1, "months", "司法部令第127号 Art. 47", _MOJ127
)
SESSION_MAX_HOURS = Decimal("12")  # the model's check constraint: a class is one day at most
RETURN_WATCH_DAYS = 30  # the work page lists persons this close to their term end


def _require_at(actor, facility: OrgUnit) -> None:
    if not has_perm(actor, MANAGE, facility):
        raise PermissionDenied(_("您无权在该戒毒所录入此记录。"))


# --- Writes ------------------------------------------------------------------------------------


def add_course(facility: OrgUnit, *, title: str, category: str, actor) -> Course:
    """A course of the facility; adding the same course again returns it."""
    _require_at(actor, facility)
    if facility.kind not in FACILITY_KINDS:
        raise Refusal(_("只有强制隔离戒毒所可以开设课程。"), code="wrong_unit_kind")
    title = (title or "").strip()
    if not title:
        raise Refusal(_("请填写课程名称。"), code="required", field="title")
    if category not in CourseCategory.values:
        raise Refusal(_("请选择课程类别。"), code="invalid_category", field="category")
    with acting_as(actor), transaction.atomic():
        existing = Course.objects.filter(facility=facility, title=title).first()
        if existing is not None:
            if existing.category != category:
                raise Refusal(
                    _("本所已有同名课程（%(category)s）。"),
                    code="course_exists",
                    params={"category": existing.get_category_display()},
                    field="title",
                )
            return existing
        try:
            with transaction.atomic():
                return Course.objects.create(facility=facility, title=title, category=category)
        except IntegrityError:
            # The same course added by a concurrent request.
            return Course.objects.get(facility=facility, title=title)


def _hours(value, field: str) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise Refusal(_("课时须为数字。"), code="invalid_hours", field=field) from None
    return hours


def record_session(
    course: Course,
    *,
    held_on: date,
    hours,
    teacher: str,
    topic: str = "",
    attendees: Iterable[tuple[Admission, object]],
    actor,
) -> CourseSession:
    """One class of a course with the attendance of the persons present (each with the hours they
    were present, at most the class's length). A retried identical class returns the first."""
    facility = course.facility
    _require_at(actor, facility)
    if not course.is_active:
        raise Refusal(_("该课程已停开。"), code="course_inactive", field="course")
    hours = _hours(hours, "hours")
    if not Decimal("0") < hours <= SESSION_MAX_HOURS:
        raise Refusal(
            _("课时须大于0且不超过%(max)s小时。"),
            code="invalid_hours",
            params={"max": SESSION_MAX_HOURS},
            field="hours",
        )
    teacher = (teacher or "").strip()
    if not teacher:
        raise Refusal(_("请填写授课人。"), code="required", field="teacher")
    if held_on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field="held_on")
    rows: list[tuple[Admission, Decimal]] = []
    seen: set[int] = set()
    for stay, present in attendees:
        if stay.pk in seen:
            raise Refusal(
                _("%(name)s重复登记出勤。"),
                code="duplicate_attendee",
                params={"name": stay.person.name},
                field="attendees",
            )
        seen.add(stay.pk)
        if stay.facility_id != facility.pk:
            raise Refusal(
                _("%(name)s不在本所。"),
                code="wrong_facility",
                params={"name": stay.person.name},
                field="attendees",
            )
        present = hours if present is None or present == "" else _hours(present, "attendees")
        if not Decimal("0") <= present <= hours:
            raise Refusal(
                _("%(name)s的出勤课时须在0至%(max)s小时之间。"),
                code="invalid_attendance_hours",
                params={"name": stay.person.name, "max": hours},
                field="attendees",
            )
        if held_on < stay.admitted_on or (stay.left_on is not None and held_on > stay.left_on):
            raise Refusal(
                _("%(name)s上课当日不在所内。"),
                code="not_in_facility",
                params={"name": stay.person.name},
                field="attendees",
            )
        rows.append((stay, present))
    if not rows:
        raise Refusal(_("请选择出勤人员。"), code="no_attendees", field="attendees")
    with acting_as(actor), transaction.atomic():
        # Serialises two submissions of the same class (a double click): the second finds the first.
        Course.objects.select_for_update().filter(pk=course.pk).first()
        same = CourseSession.objects.filter(
            course=course, held_on=held_on, hours=hours, teacher=teacher, topic=topic.strip()
        ).first()
        if same is not None:
            return same
        session = CourseSession.objects.create(
            course=course, held_on=held_on, hours=hours, teacher=teacher, topic=topic.strip()
        )
        for stay, present in rows:
            Attendance.objects.create(session=session, hours=present, **record_fields(stay, actor))
    return session


def _is_facility_member(user, facility: OrgUnit) -> bool:
    """Whether `user` holds an active membership at the facility or a unit inside it."""
    from jiedu.accounts.models import Membership

    return Membership.objects.filter(
        user=user,
        is_active=True,
        org_unit__is_active=True,
        org_unit__path__startswith=facility.path,
    ).exists()


def facility_staff(facility: OrgUnit):
    """The users who may be put in charge of a person at the facility: its own staff."""
    from jiedu.accounts.models import User

    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__org_unit__is_active=True,
            memberships__org_unit__path__startswith=facility.path,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def assign_case_officer(stay: Admission, *, officer, since: date, actor) -> CaseOfficer:
    """分管民警: a person has one officer in charge at a time; a new assignment ends the current
    one the day before (司法部令第127号 Art. 47)."""
    require(actor, MANAGE, stay)
    check_day(stay, since, "since")
    if officer is None or not _is_facility_member(officer, stay.facility):
        raise Refusal(_("分管民警须为本所民警。"), code="not_facility_staff", field="officer")
    with acting_as(actor), transaction.atomic():
        # Two assignments at once would both see the same current one and both stay open.
        stay = Admission.objects.select_for_update().get(pk=stay.pk)
        if stay.left_on is not None:
            raise Refusal(_("该人员已出所。"), code="stay_closed")
        current = (
            CaseOfficer.objects.filter(admission=stay, until__isnull=True)
            .order_by("-since", "-id")
            .first()
        )
        if current is not None:
            if current.officer_id == officer.pk:
                if current.since == since:
                    return current  # a retried assignment
                raise Refusal(
                    _("该民警已是此人的分管民警（自%(day)s起）。"),
                    code="already_assigned",
                    params={"day": current.since.isoformat()},
                    field="officer",
                )
            if since <= current.since:
                raise Refusal(
                    _("新的分管起始日须晚于现分管民警的起始日（%(day)s）。"),
                    code="since_before_current",
                    params={"day": current.since.isoformat()},
                    field="since",
                )
            current.until = since - timedelta(days=1)
            current.save(update_fields=["until"])
        return CaseOfficer.objects.create(
            officer=officer, since=since, **record_fields(stay, actor)
        )


def current_case_officer(stay: Admission) -> CaseOfficer | None:
    return (
        CaseOfficer.objects.filter(admission=stay, until__isnull=True)
        .select_related("officer")
        .order_by("-since", "-id")
        .first()
    )


def record_talk(
    stay: Admission, *, officer, held_on: date, topic: str, summary: str, actor
) -> Talk:
    """个别谈话 (司法部令第127号 Art. 47); the same talk recorded twice is kept once."""
    require(actor, MANAGE, stay)
    check_day(stay, held_on, "held_on")
    if officer is None or not _is_facility_member(officer, stay.facility):
        raise Refusal(_("谈话民警须为本所民警。"), code="not_facility_staff", field="officer")
    topic, summary = (topic or "").strip(), (summary or "").strip()
    if not topic:
        raise Refusal(_("请填写谈话主题。"), code="required", field="topic")
    if not summary:
        raise Refusal(_("请填写谈话内容摘要。"), code="required", field="summary")
    with acting_as(actor), transaction.atomic():
        Admission.objects.select_for_update().filter(pk=stay.pk).first()
        same = Talk.objects.filter(
            admission=stay, officer=officer, held_on=held_on, topic=topic
        ).first()
        if same is not None:
            return same
        return Talk.objects.create(
            officer=officer,
            held_on=held_on,
            topic=topic,
            summary=summary,
            **record_fields(stay, actor),
        )


def record_exam(stay: Admission, *, subject: str, taken_on: date, score, actor) -> Exam:
    """An exam out of 100 (身心康复 item 5: the theory exam, ≥60 for full marks)."""
    require(actor, MANAGE, stay)
    if subject not in ExamSubject.values:
        raise Refusal(_("请选择考试科目。"), code="invalid_subject", field="subject")
    check_day(stay, taken_on, "taken_on")
    try:
        score = Decimal(str(score)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise Refusal(_("成绩须为数字。"), code="invalid_score", field="score") from None
    if not Decimal("0") <= score <= Decimal("100"):
        raise Refusal(_("成绩须在0至100分之间。"), code="invalid_score", field="score")
    with acting_as(actor), transaction.atomic():
        Admission.objects.select_for_update().filter(pk=stay.pk).first()
        same = Exam.objects.filter(admission=stay, subject=subject, taken_on=taken_on).first()
        if same is not None:
            if same.score == score:
                return same  # a retried entry
            raise Refusal(
                _("该科目当日已登记成绩（%(score)s分）。"),
                code="exam_exists",
                params={"score": same.score},
                field="score",
            )
        return Exam.objects.create(
            subject=subject, taken_on=taken_on, score=score, **record_fields(stay, actor)
        )


# --- Rules (pure reads) ------------------------------------------------------------------------


def _spans(stay_ids: Iterable[int], category: str) -> dict[int, dict]:
    """First and last attended day and total hours of one category, per stay, in one query.
    Only attendance with hours counts: a person marked present for 0 hours was not taught."""
    rows = (
        Attendance.objects.filter(
            admission_id__in=list(stay_ids), session__course__category=category, hours__gt=0
        )
        .values("admission_id")
        .annotate(first=Min("session__held_on"), last=Max("session__held_on"), hours=Sum("hours"))
    )
    return {r["admission_id"]: r for r in rows}


def _admission_status(stay: Admission, span: dict | None, today: date) -> dict:
    months = ADMISSION_EDUCATION_MONTHS.value
    started = span["first"] if span else None
    due_by = add_months(started or stay.admitted_on, months)
    # 司法部令第127号 Art. 45: 入所教育 lasts at least one month — complete once the first and the
    # latest class are a full calendar month apart (2024-03-01 … 2024-04-01).
    complete = bool(span) and add_months(span["first"], months) <= span["last"]
    return {
        "started_on": started,
        "last_on": span["last"] if span else None,
        "hours": span["hours"] if span else Decimal("0"),
        "complete": complete,
        "due_by": due_by,
        "overdue": not complete and today > due_by,
    }


def _return_status(stay: Admission, span: dict | None, today: date) -> dict:
    term_end = stay.measure.term_end
    started = span["first"] if span else None
    # 司法部令第127号 Art. 51: 回归社会教育 of at least one week before release — it must have
    # started by the seventh day before the term's last day.
    due_by = term_end - timedelta(days=RETURN_EDUCATION_DAYS.value) if term_end else None
    complete = started is not None and due_by is not None and started <= due_by
    return {
        "started_on": started,
        "last_on": span["last"] if span else None,
        "hours": span["hours"] if span else Decimal("0"),
        "complete": complete,
        "due_by": due_by,
        "term_end": term_end,
        "overdue": not complete and due_by is not None and today > due_by,
    }


def admission_education_status(stay: Admission, today: date) -> dict:
    """入所教育 of one stay: {started_on, hours, complete, due_by} (+ last_on, overdue)."""
    return _admission_status(stay, _spans([stay.pk], CourseCategory.ADMISSION).get(stay.pk), today)


def return_education_status(stay: Admission, today: date) -> dict:
    """回归社会教育 of one stay: {started_on, hours, complete, due_by} (+ term_end, overdue)."""
    span = _spans([stay.pk], CourseCategory.RETURN_TO_SOCIETY).get(stay.pk)
    return _return_status(stay, span, today)


def admission_education_statuses(stays: list[Admission], today: date) -> dict[int, dict]:
    spans = _spans([s.pk for s in stays], CourseCategory.ADMISSION)
    return {s.pk: _admission_status(s, spans.get(s.pk), today) for s in stays}


def return_education_statuses(stays: list[Admission], today: date) -> dict[int, dict]:
    spans = _spans([s.pk for s in stays], CourseCategory.RETURN_TO_SOCIETY)
    return {s.pk: _return_status(s, spans.get(s.pk), today) for s in stays}


@dataclass(frozen=True)
class OverdueTalk:
    stay: Admission
    officer: object
    last_talk_on: date | None
    due_on: date

    def days_overdue(self, today: date) -> int:
        return (today - self.due_on).days


def overdue_talks(facility: OrgUnit, today: date) -> list[OverdueTalk]:
    """Open assignments at the facility whose officer has not talked with the person for more
    than a month (司法部令第127号 Art. 47: at least monthly): due = the last talk since the
    assignment (or its start) + 1 calendar month; overdue when today is past it. One query."""
    last_talk = (
        Talk.objects.filter(
            admission=OuterRef("admission"),
            officer=OuterRef("officer"),
            held_on__gte=OuterRef("since"),
        )
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    rows = (
        CaseOfficer.objects.filter(
            admission__facility=facility, admission__left_on__isnull=True, until__isnull=True
        )
        .annotate(last_talk_on=Subquery(last_talk))
        .select_related("admission__person", "admission__measure", "officer")
        .order_by("officer__display_name", "officer__username", "admission__person__name", "id")
    )
    out = []
    for row in rows:
        due = add_months(row.last_talk_on or row.since, TALK_INTERVAL_MONTHS.value)
        if today > due:
            out.append(OverdueTalk(row.admission, row.officer, row.last_talk_on, due))
    return out


def latest_exam(stay: Admission, subject: str | None = None) -> Exam | None:
    qs = Exam.objects.filter(admission=stay)
    if subject is not None:
        qs = qs.filter(subject=subject)
    return qs.order_by("-taken_on", "-id").first()


def education_hours(stay: Admission) -> dict[str, Decimal]:
    """Attended hours by course category (only categories with attendance)."""
    rows = (
        Attendance.objects.filter(admission=stay)
        .values("session__course__category")
        .annotate(total=Sum("hours"))
        .order_by("session__course__category")
    )
    return {r["session__course__category"]: r["total"] for r in rows}


def stays_without_case_officer(facility: OrgUnit):
    """Current residents nobody is in charge of: no one owes them the monthly talk (司法部令第127号
    Art. 47), so they would never show as overdue. One query."""
    assigned = CaseOfficer.objects.filter(admission=OuterRef("pk"), until__isnull=True)
    return open_stays(facility).exclude(Exists(assigned))


def open_stays(facility: OrgUnit):
    """The facility's current residents (open stays)."""
    return (
        Admission.objects.filter(facility=facility, left_on__isnull=True)
        .select_related("person", "measure")
        .order_by("person__name", "id")
    )


__all__ = [
    "ADMISSION_EDUCATION_MONTHS",
    "RETURN_EDUCATION_DAYS",
    "TALK_INTERVAL_MONTHS",
    "OverdueTalk",
    "add_course",
    "admission_education_status",
    "admission_education_statuses",
    "assign_case_officer",
    "current_case_officer",
    "education_hours",
    "facility_staff",
    "latest_exam",
    "open_stays",
    "overdue_talks",
    "record_exam",
    "record_session",
    "record_talk",
    "return_education_status",
    "return_education_statuses",
    "stays_without_case_officer",
]
