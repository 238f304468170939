from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import LeaveStatus
from .base import CaseRecord


class LeaveRequest(CaseRecord):
    """请假 (书面报告): leaving the county of execution for 3 days or more needs a written report
    and approval (戒毒条例 Art. 19; JX: a day ahead). Asked by the person (portal) or entered by
    the worker."""

    leave_on = models.DateField(_("离开日期"))
    return_on = models.DateField(_("预计返回日期"))
    destination = models.CharField(_("前往地点"), max_length=100)
    reason = models.CharField(_("事由"), max_length=300)
    requested_on = models.DateField(_("申请日期"))
    via_portal = models.BooleanField(_("本人线上申请"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    decided_by = models.CharField(_("审批人"), max_length=150, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    client_id = models.CharField(_("客户端编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("请假申请")
        verbose_name_plural = _("请假申请")
        ordering = ["-leave_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(return_on__gte=models.F("leave_on")), name="leave_returns_after"
            ),
            models.UniqueConstraint(
                fields=["case", "client_id"],
                condition=~Q(client_id=""),
                name="leave_unique_client_id",
            ),
        ]

    @property
    def days(self) -> int:
        return (self.return_on - self.leave_on).days + 1


class Absence(CaseRecord):
    """A time away from the county of execution. An unapproved one (擅自离开) counts toward a
    serious breach (戒毒条例 Art. 20): 3 or more of them, or more than 30 days in all. Days are
    counted inclusively: every calendar day from `left_on` to `returned_on` (today while open)."""

    measure = models.ForeignKey(
        "measures.Measure", on_delete=models.PROTECT, related_name="+", verbose_name=_("措施")
    )
    left_on = models.DateField(_("离开日期"))
    returned_on = models.DateField(_("返回日期"), null=True, blank=True)
    approved = models.BooleanField(_("经批准"), default=False)
    leave = models.ForeignKey(
        LeaveRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absences",
        verbose_name=_("请假申请"),
    )
    destination = models.CharField(_("去向"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    external_id = models.CharField(_("外部编号"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("离开执行地记录")
        verbose_name_plural = _("离开执行地记录")
        ordering = ["-left_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=models.F("left_on")),
                name="absence_returns_after",
            ),
            models.UniqueConstraint(
                fields=["case", "external_id"],
                condition=~Q(external_id=""),
                name="absence_unique_external_id",
            ),
        ]
