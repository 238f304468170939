"""行为考核: daily points by category, the monthly approval chain each province configures, and
the management grade (分级管理) that follows (司法部令第127号 Art. 16; domain.md §4.5)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet

from ..choices import POSITIVE_KINDS, ApprovalDecision, Grade, MonthStatus, PointCategory, PointKind
from .base import CentreRecord


class PointEntry(CentreRecord):
    """One day's entry: a reward or deduction in one category, with its reason."""

    on = models.DateField(_("日期"))
    category = models.CharField(_("类别"), max_length=20, choices=PointCategory.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=PointKind.choices)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    reason = models.CharField(_("事由"), max_length=200)
    month = models.ForeignKey(
        "PointMonth", on_delete=models.PROTECT, related_name="entries", verbose_name=_("月度考核")
    )

    class Meta:
        verbose_name = _("行为考核记分")
        verbose_name_plural = _("行为考核记分")
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gt=0) & Q(points__lte=100), name="point_entry_positive"
            )
        ]

    def __str__(self):
        return f"{self.on} {self.get_kind_display()} {self.points}"

    @property
    def signed_points(self):
        return self.points if self.kind in POSITIVE_KINDS else -self.points


class PointMonth(CentreRecord):
    """月度考核: one person's month — its total, where it stands in the approval chain, and the
    grade it gives once approved. The chain in force when the month was submitted is kept."""

    month = models.DateField(_("月份"))  # first day of the month
    status = models.CharField(
        _("状态"), max_length=20, choices=MonthStatus.choices, default=MonthStatus.OPEN
    )
    total = models.DecimalField(_("月度得分"), max_digits=6, decimal_places=1, default=0)
    serious_violations = models.PositiveSmallIntegerField(_("严重违纪次数"), default=0)
    chain = models.JSONField(_("审批流程"), default=list, blank=True)
    next_step = models.PositiveSmallIntegerField(_("待审批环节"), default=0)
    grade = models.CharField(_("管理等级"), max_length=10, choices=Grade.choices, blank=True)
    approved_on = models.DateField(_("审批完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("月度考核")
        verbose_name_plural = _("月度考核")
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["admission", "month"], name="point_month_once")
        ]

    def __str__(self):
        return self.month.strftime("%Y-%m")

    @property
    def step_label(self) -> str:
        if self.status != MonthStatus.IN_APPROVAL or self.next_step >= len(self.chain):
            return ""
        return self.chain[self.next_step]["label"]


class PointApproval(AuditedModel):
    """One step of the monthly chain: approved, or returned for correction."""

    month = models.ForeignKey(PointMonth, on_delete=models.PROTECT, related_name="approvals")
    step = models.PositiveSmallIntegerField(_("环节序号"))
    step_label = models.CharField(_("环节"), max_length=60)
    decision = models.CharField(_("意见"), max_length=10, choices=ApprovalDecision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now, editable=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_unit_path = ("month__admission__facility__path",)
    scope_permission_noun = "record"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核审批")
        verbose_name_plural = _("考核审批")
        ordering = ["month", "decided_at", "id"]

    def __str__(self):
        return f"{self.step_label} {self.get_decision_display()}"

    def audit_person_pk(self):
        return self.month.person_id


class ApprovalChain(AuditedModel):
    """The monthly behaviour approval chain a province (or a facility) configures, versioned by
    `effective_from`; rows are never edited. Steps: [{"label": "中队审批", "leader": false}, …];
    a `leader` step needs the facility leader's permission."""

    org_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(_("生效日期"))
    steps = models.JSONField(_("审批环节"))
    source = models.CharField(_("依据"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("考核审批流程")
        verbose_name_plural = _("考核审批流程")
        ordering = ["org_unit", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "effective_from"], name="approval_chain_once_per_day"
            )
        ]

    def __str__(self):
        return " → ".join(step["label"] for step in self.steps)
