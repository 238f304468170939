from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet

from ..choices import (
    AlertKind,
    CaseState,
    CreditTier,
    RiskClass,
    TeamRole,
    TransferStatus,
)
from .base import CASE_SCOPE, CaseRecord


class CommunityCase(AuditedModel):
    """社区戒毒/社区康复个案: the township's file on one community measure — who works it, the
    agreement, the schedule, and the facts that decide a serious breach. One per measure."""

    measure = models.OneToOneField(
        "measures.Measure",
        on_delete=models.PROTECT,
        related_name="community_case",
        verbose_name=_("戒毒措施"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="community_cases",
        verbose_name=_("人员"),
    )
    # The township executing the case now; follows the measure's executing unit.
    unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("执行地")
    )
    transferred_from = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("原执行地"),
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="community_cases",
        verbose_name=_("责任专干（社工）"),
    )
    state = models.CharField(
        _("个案状态"), max_length=20, choices=CaseState.choices, default=CaseState.AWAITING_REPORT
    )
    # Kept current by the services (credit and risk recomputed on every fact that moves them).
    credit_score = models.SmallIntegerField(_("信用积分"), null=True, blank=True)
    credit_tier = models.CharField(
        _("信用等级"), max_length=10, choices=CreditTier.choices, blank=True
    )
    risk_class = models.CharField(
        _("风险等级"), max_length=10, choices=RiskClass.choices, blank=True, db_index=True
    )
    risk_reasons = models.JSONField(_("风险依据"), default=list, blank=True)
    serious_breach_since = models.DateField(_("构成严重违反协议日期"), null=True, blank=True)
    # Facts the worker records about the person that the risk criteria read (RISK 2016).
    self_harm_tendency = models.BooleanField(_("有自杀自伤倾向"), default=False)
    psychiatric_abnormality = models.BooleanField(_("精神异常"), default=False)
    loss_of_control = models.BooleanField(_("失控（下落不明）"), default=False)
    severe_illness = models.BooleanField(_("严重残疾或疾病不宜收押"), default=False)
    opened_on = models.DateField(_("建档日期"))
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    scope_unit_path = CASE_SCOPE
    scope_permission_noun = "case"
    # A psychiatric finding is health information (design: a separate permission): the change
    # log records that it changed, never its value.
    audit_redact = ("psychiatric_abnormality",)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区个案")
        verbose_name_plural = _("社区个案")
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "state"], name="case_unit_state"),
            models.Index(fields=["worker", "state"], name="case_worker_state"),
        ]

    def __str__(self):
        return f"{self.person} · {self.measure.get_kind_display()}"

    def audit_person_pk(self):
        return self.person_id

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.CLOSED


class TeamMember(CaseRecord):
    """A member of the 社区戒毒工作小组 (戒毒条例 Art. 17): worker, community police officer,
    community doctor, family members, volunteers. A member who leaves keeps the row with an end
    day, so the team on any past day can be read."""

    role = models.CharField(_("角色"), max_length=20, choices=TeamRole.choices)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("系统用户"),
    )
    started_on = models.DateField(_("加入日期"))
    ended_on = models.DateField(_("退出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作小组成员")
        verbose_name_plural = _("工作小组成员")
        ordering = ["ended_on", "role", "id"]

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"


class Agreement(CaseRecord):
    """社区戒毒协议/社区康复协议 (戒毒条例 Art. 16, 38): signed after reporting in, and again after
    a change of place (Art. 22). `contents` holds the sections the law requires — measures, rules
    to obey, liability for breach — plus the rights and help and the work team's duties that
    Zhejiang, Shandong and Chongqing add; the text is frozen when signed."""

    unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("签订单位")
    )
    number = models.CharField(_("协议编号"), max_length=60)
    signed_on = models.DateField(_("签订日期"))
    contents = models.JSONField(_("协议内容"), default=dict)
    superseded_on = models.DateField(_("失效日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("社区戒毒（康复）协议")
        verbose_name_plural = _("社区戒毒（康复）协议")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "number"], name="agreement_unique_number_per_case"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(superseded_on__isnull=True),
                name="agreement_one_in_force",
            ),
        ]

    def __str__(self):
        return self.number


class CaseTransfer(CaseRecord):
    """变更执行地 (戒毒条例 Art. 22): the file moves to another township; the person reports there
    within 15 days; the term runs on; a new agreement is signed there."""

    from_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("原执行地")
    )
    to_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("新执行地")
    )
    moved_on = models.DateField(_("变更日期"))
    reason = models.CharField(_("变更原因"), max_length=200)
    report_due_by = models.DateField(_("新执行地报到截止日"))
    reported_on = models.DateField(_("新执行地报到日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=TransferStatus.choices, default=TransferStatus.MOVED
    )

    # Both townships see the handover (neither loses history).
    scope_unit_path = (
        *CaseRecord.scope_unit_path,
        "from_unit__path",
        "to_unit__path",
    )

    class Meta:
        verbose_name = _("变更执行地")
        verbose_name_plural = _("变更执行地")
        ordering = ["-moved_on", "-id"]

    def __str__(self):
        return f"{self.from_unit} → {self.to_unit}"


class CaseAlert(CaseRecord):
    """Something the worker must see: a positive test, a breach, a check-in whose face needs
    review, a transfer coming in. Raised by services; the worker marks it seen. One open alert per
    (case, kind, source) so a retried write never raises it twice."""

    kind = models.CharField(_("提醒类型"), max_length=30, choices=AlertKind.choices)
    raised_on = models.DateField(_("日期"))
    detail = models.CharField(_("内容"), max_length=300, blank=True)
    source = models.CharField(_("来源记录"), max_length=60, blank=True)
    seen_at = models.DateTimeField(_("已阅时间"), null=True, blank=True)
    seen_by = models.CharField(_("阅知人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("个案提醒")
        verbose_name_plural = _("个案提醒")
        ordering = ["-raised_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "source"], name="alert_once_per_source")
        ]

    def __str__(self):
        return self.get_kind_display()
