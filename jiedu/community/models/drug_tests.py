from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import SampleType, TestResult, TestTier
from .base import CaseRecord


class CommunityDrugTest(CaseRecord):
    """吸毒检测 during a community measure (吸毒检测程序规定; domain.md §5). Refused and evaded
    tests are results too (戒毒条例 Art. 20). A lab test or re-test points at the test it checks.

    `results`: {"methamphetamine": "negative", "morphine": "positive", …} per drug class on the kit
    or in the lab report; `result` is the overall one (positive if any class is)."""

    measure = models.ForeignKey(
        "measures.Measure", on_delete=models.PROTECT, related_name="+", verbose_name=_("措施")
    )
    taken_on = models.DateField(_("检测日期"), db_index=True)
    sample = models.CharField(_("样本"), max_length=10, choices=SampleType.choices)
    tier = models.CharField(_("检测类别"), max_length=12, choices=TestTier.choices)
    result = models.CharField(_("结果"), max_length=10, choices=TestResult.choices)
    results = models.JSONField(_("分项结果"), default=dict, blank=True)
    kit = models.CharField(_("试剂（批号）"), max_length=100, blank=True)
    cutoff = models.CharField(_("阳性判定值"), max_length=100, blank=True)
    institution = models.CharField(_("检测机构"), max_length=100, blank=True)
    # 吸毒检测程序规定 Art. 8: at least two staff collect, send and test.
    staff_1 = models.CharField(_("检测人员一"), max_length=50, blank=True)
    staff_2 = models.CharField(_("检测人员二"), max_length=50, blank=True)
    # A positive sample is split into numbered A and B bottles, kept ≥6 months (Art. 8).
    bottle_a = models.CharField(_("A瓶编号"), max_length=40, blank=True)
    bottle_b = models.CharField(_("B瓶编号"), max_length=40, blank=True)
    retain_until = models.DateField(_("样本保存至"), null=True, blank=True)
    bottles_disposed_on = models.DateField(_("样本销毁日期"), null=True, blank=True)
    # Hair (HAIR Art. 10): the segment tested and the window of use a positive result covers.
    hair_segment_cm = models.PositiveSmallIntegerField(
        _("毛发截取长度（厘米）"), null=True, blank=True
    )
    use_window_from = models.DateField(_("吸毒时间窗起"), null=True, blank=True)
    # 吸毒检测程序规定 Art. 12, 15: the person may object within 3 days.
    objection_due_by = models.DateField(_("异议期限"), null=True, blank=True)
    objection_on = models.DateField(_("提出异议日期"), null=True, blank=True)
    checks = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checked_by",
        verbose_name=_("复核的检测"),
    )
    due_item = models.ForeignKey(
        "community.DueItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("对应应检事项"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # Devices and other systems retry; the same external id never records a second test.
    external_id = models.CharField(_("外部编号"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("社区吸毒检测")
        verbose_name_plural = _("社区吸毒检测")
        ordering = ["-taken_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "external_id"],
                condition=~Q(external_id=""),
                name="community_test_unique_external_id",
            )
        ]

    def __str__(self):
        return f"{self.taken_on} {self.get_sample_display()} {self.get_result_display()}"
