from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.measures.choices import MeasureKind

from ..choices import ContactKind, DueKind, DueStatus
from .base import CaseRecord


class SchedulePlan(AuditedModel):
    """A province's (city's, county's, township's) plan of tests, talks, visits and self-reports
    for one community measure (domain.md §2.9–2.10: nationally only "periodically", 禁毒法 Art. 35;
    戒毒条例 Art. 19). Versioned like the rules: a new row with a later `effective_from` replaces
    it; the most specific unit wins; with none, the shipped default (JX) applies.

    `rows`: [{"kind": "scheduled_test", "from_month": 1, "to_month": 12, "interval_months": 1},
    …] — months of the term, 1-based, inclusive.
    """

    org_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("适用单位")
    )
    measure_kind = models.CharField(
        _("措施"),
        max_length=30,
        choices=[
            (MeasureKind.COMMUNITY_DRUG_REHAB, MeasureKind.COMMUNITY_DRUG_REHAB.label),
            (MeasureKind.COMMUNITY_REHABILITATION, MeasureKind.COMMUNITY_REHABILITATION.label),
        ],
    )
    effective_from = models.DateField(_("生效日期"))
    rows = models.JSONField(_("计划"), default=list)
    random_tests_per_year = models.PositiveSmallIntegerField(_("每年随机抽检次数（不少于）"))
    source = models.CharField(_("依据"), max_length=200)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("社区检测与走访计划")
        verbose_name_plural = _("社区检测与走访计划")
        ordering = ["org_unit", "measure_kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "measure_kind", "effective_from"],
                name="schedule_plan_once_per_day",
            )
        ]

    def __str__(self):
        return f"{self.org_unit} {self.get_measure_kind_display()} {self.effective_from}"


class RandomDraw(CaseRecord):
    """One draw of random test days for one year of a case (domain.md §2.9: ≥3 surprise tests a
    year). Days come from the operating system's cryptographic generator (`secrets`), so nobody
    can predict them; the row and its change-log entry are the audit of who drew what, when.
    Never edited: a redraw (after a transfer) is a new row and cancels the old days."""

    year_index = models.PositiveSmallIntegerField(_("执行第几年"))
    window_start = models.DateField(_("抽取区间起"))
    window_end = models.DateField(_("抽取区间止"))
    count = models.PositiveSmallIntegerField(_("抽取次数"))
    days = models.JSONField(_("抽中日期"), default=list)
    method = models.CharField(_("方法"), max_length=60, default="secrets.SystemRandom")
    drawn_at = models.DateTimeField(_("抽取时间"), default=timezone.now)
    drawn_by = models.CharField(_("抽取人"), max_length=150, blank=True)
    plan_source = models.CharField(_("计划依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("随机抽检抽签")
        verbose_name_plural = _("随机抽检抽签")
        ordering = ["case", "year_index", "-drawn_at"]


class DueItem(CaseRecord):
    """One thing owed on one day: a scheduled or random test, a talk, a home visit, a self-report.
    Generated from the plan over the whole term; done when a record satisfies it. Overdue is a
    query (open and `due_on` past), never a job."""

    kind = models.CharField(_("事项"), max_length=20, choices=DueKind.choices)
    due_on = models.DateField(_("应完成日期"), db_index=True)
    # The period the item covers: a monthly test is done by any test from window_start to due_on.
    window_start = models.DateField(_("区间起"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DueStatus.choices, default=DueStatus.OPEN
    )
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    # What satisfied it ("communitydrugtest:12", "contact:7") — the evidence of completion.
    done_by_record = models.CharField(_("完成依据"), max_length=60, blank=True)
    draw = models.ForeignKey(
        RandomDraw,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("抽签"),
    )
    plan_source = models.CharField(_("计划依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("应办事项")
        verbose_name_plural = _("应办事项")
        ordering = ["due_on", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "due_on"], name="due_item_once_per_day")
        ]
        indexes = [models.Index(fields=["case", "status", "due_on"], name="due_case_status")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due_on}"


class Contact(CaseRecord):
    """谈话教育, 走访, 本人汇报, 帮扶: a contact with the person (domain.md §2.10, PLAN16 §11
    谈话教育记录). A talk or visit the person missed is recorded too (`attended` false)."""

    kind = models.CharField(_("类型"), max_length=20, choices=ContactKind.choices)
    on = models.DateField(_("日期"))
    attended = models.BooleanField(_("本人到场（配合）"), default=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    summary = models.TextField(_("内容摘要"), blank=True)
    external_id = models.CharField(_("外部编号"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("谈话走访记录")
        verbose_name_plural = _("谈话走访记录")
        ordering = ["-on", "-id"]
