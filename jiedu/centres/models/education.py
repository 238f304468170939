"""教育矫正中心: courses and attendance, individual talks by the officer in charge, exams
(司法部令第127号 Art. 44–51; domain.md §3.10)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet

from ..choices import CourseCategory, ExamSubject
from .base import CentreRecord


class Course(AuditedModel):
    """A course the facility runs (入所教育, 法制教育, 回归社会教育 …)."""

    facility = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("戒毒所")
    )
    title = models.CharField(_("课程名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=30, choices=CourseCategory.choices)
    is_active = models.BooleanField(_("开设中"), default=True)

    scope_unit_path = ("facility__path",)
    scope_permission_noun = "record"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["category", "title"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "title"], name="course_unique_title")
        ]

    def __str__(self):
        return self.title


class CourseSession(AuditedModel):
    """One class of a course on one day, with its length in hours."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField(_("上课日期"))
    hours = models.DecimalField(_("课时（小时）"), max_digits=4, decimal_places=1)
    teacher = models.CharField(_("授课人"), max_length=100)
    topic = models.CharField(_("内容"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    scope_unit_path = ("course__facility__path",)
    scope_permission_noun = "record"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("授课记录")
        verbose_name_plural = _("授课记录")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=12), name="session_hours_in_range"
            )
        ]

    def __str__(self):
        return f"{self.course} {self.held_on}"


class Attendance(CentreRecord):
    """A person's attendance at one session: the hours they were present."""

    session = models.ForeignKey(CourseSession, on_delete=models.PROTECT, related_name="attendance")
    hours = models.DecimalField(_("出勤课时"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        ordering = ["-session__held_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_once"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="attendance_hours_positive"),
        ]

    def __str__(self):
        return f"{self.session} {self.hours}"


class CaseOfficer(CentreRecord):
    """分管民警: the officer in charge of a person, who must talk with them individually at least
    monthly (司法部令第127号 Art. 47)."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("民警")
    )
    since = models.DateField(_("分管起始日"))
    until = models.DateField(_("分管截止日"), null=True, blank=True)

    class Meta:
        verbose_name = _("分管民警")
        verbose_name_plural = _("分管民警")
        ordering = ["-since", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["admission", "officer"],
                condition=Q(until__isnull=True),
                name="case_officer_once",
            )
        ]

    def __str__(self):
        return str(self.officer)


class Talk(CentreRecord):
    """个别谈话: an officer's individual talk with a person (司法部令第127号 Art. 47)."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("民警")
    )
    held_on = models.DateField(_("谈话日期"))
    topic = models.CharField(_("主题"), max_length=100)
    summary = models.TextField(_("谈话内容摘要"))

    class Meta:
        verbose_name = _("个别谈话")
        verbose_name_plural = _("个别谈话")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.held_on} {self.topic}"


class Exam(CentreRecord):
    """考试: a theory or skills exam with its score out of 100 (身心康复 item 5: ≥60 → full
    marks)."""

    subject = models.CharField(_("科目"), max_length=30, choices=ExamSubject.choices)
    taken_on = models.DateField(_("考试日期"))
    score = models.DecimalField(_("成绩"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("考试")
        verbose_name_plural = _("考试")
        ordering = ["-taken_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="exam_score_0_100"
            )
        ]

    def __str__(self):
        return f"{self.get_subject_display()} {self.score}"
