"""Legal measures (戒毒措施), their pauses, early-release blockers, required notices, and methadone
maintenance treatment records.

A measure's clock columns (`term_end`, `report_due_by`, …) are computed by `measures.clocks` and
written only by the services (`services.refresh_clocks`), so that every work list is a plain
indexed query and always agrees with the clocks module.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet

from .choices import (
    ACTIVE_STATUSES,
    BlockerCode,
    EndReason,
    IsolationGround,
    MeasureKind,
    MeasureStatus,
    MethadoneStatus,
    NoticeKind,
    PauseKind,
)

# Who sees a measure: the unit executing it, the organ that decided it, and the person's managing
# unit (the township that follows the person through every measure).
MEASURE_SCOPE = (
    "executing_unit__path",
    "deciding_organ__path",
    "person__managing_unit__path",
)


class MeasureQuerySet(RestrictedQuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)


class Measure(AuditedModel):
    """戒毒措施: one decision (社区戒毒, 强制隔离戒毒, 社区康复, 自愿戒毒) and its execution."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="measures", verbose_name=_("人员")
    )
    kind = models.CharField(_("措施"), max_length=30, choices=MeasureKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.ORDERED
    )
    deciding_organ = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_measures",
        verbose_name=_("决定机关"),
    )
    decision_number = models.CharField(_("决定书文号"), max_length=60, blank=True)
    decided_on = models.DateField(_("决定日期"))
    served_on = models.DateField(_("送达日期"))
    executing_unit = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        related_name="executed_measures",
        verbose_name=_("执行单位"),
    )
    ground = models.CharField(
        _("决定理由"), max_length=30, choices=IsolationGround.choices, blank=True
    )
    term_months = models.PositiveSmallIntegerField(_("期限（月）"), default=0)
    extension_months = models.PositiveSmallIntegerField(_("延长期限（月）"), default=0)
    # The release day the deciding organ approved on a 提前解除 proposal (禁毒法 Art. 47; 戒毒条例
    # Art. 33); the term then ends that day.
    approved_release_on = models.DateField(_("批准提前解除日期"), null=True, blank=True)
    minor_under_16 = models.BooleanField(_("未满十六周岁"), default=False)
    minor_reason = models.TextField(_("未满十六周岁仍决定的理由"), blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="following",
        verbose_name=_("前一措施"),
    )
    # Event dates.
    reported_on = models.DateField(_("报到日期"), null=True, blank=True)
    admitted_on = models.DateField(_("入所（开始执行）日期"), null=True, blank=True)
    transferred_on = models.DateField(_("转至司法行政戒毒所日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("结束原因"), max_length=30, choices=EndReason.choices, blank=True
    )
    late_report_reason = models.TextField(_("逾期报到的正当理由"), blank=True)
    note = models.TextField(_("备注"), blank=True)
    # Clock columns, computed by measures.clocks (services.refresh_clocks); never typed in.
    term_start = models.DateField(_("期限起算日"), null=True, blank=True)
    term_end = models.DateField(_("期限届满日"), null=True, blank=True, db_index=True)
    early_release_from = models.DateField(_("可提前解除日"), null=True, blank=True)
    latest_end_with_extension = models.DateField(_("延长后最迟届满日"), null=True, blank=True)
    transfer_due_from = models.DateField(_("移送司法行政戒毒所起始日"), null=True, blank=True)
    transfer_due_by = models.DateField(_("移送司法行政戒毒所截止日"), null=True, blank=True)
    police_stage_limit = models.DateField(_("公安戒毒所执行最长期限"), null=True, blank=True)
    report_due_by = models.DateField(_("报到截止日"), null=True, blank=True, db_index=True)
    paused_days = models.PositiveIntegerField(_("不计入期限天数"), default=0)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_path = MEASURE_SCOPE

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("戒毒措施")
        verbose_name_plural = _("戒毒措施")
        ordering = ["-decided_on", "-id"]
        constraints = [
            # A retried decision (same document) never makes a second measure.
            models.UniqueConstraint(
                fields=["person", "kind", "decision_number"],
                condition=~Q(decision_number=""),
                name="measure_unique_decision",
            ),
            models.CheckConstraint(
                condition=Q(served_on__gte=models.F("decided_on")),
                name="measure_served_after_decision",
            ),
            models.CheckConstraint(
                condition=Q(extension_months__lte=12), name="measure_extension_at_most_1_year"
            ),
        ]
        indexes = [
            models.Index(fields=["executing_unit", "status"], name="measure_unit_status"),
            models.Index(fields=["person", "status"], name="measure_person_status"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.decision_number}".strip()

    def audit_person_pk(self):
        return self.person_id

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_community(self) -> bool:
        return self.kind in (MeasureKind.COMMUNITY_DRUG_REHAB, MeasureKind.COMMUNITY_REHABILITATION)

    @property
    def is_isolation(self) -> bool:
        return self.kind == MeasureKind.COMPULSORY_ISOLATION


class MeasurePause(AuditedModel):
    """A time not counted toward the term: an escape (脱逃, 戒毒条例 Art. 32) or a suspension
    (中止, detained or arrested, 戒毒条例 Art. 24). `ended_on` is the day it ended (recapture,
    release from detention); an open pause has none."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="pauses")
    kind = models.CharField(_("类型"), max_length=20, choices=PauseKind.choices)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    scope_unit_path = tuple(f"measure__{p}" for p in MEASURE_SCOPE)
    scope_permission_noun = "measure"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("期限中断")
        verbose_name_plural = _("期限中断")
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="pause_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_on}"

    def audit_person_pk(self):
        return self.measure.person_id


class EarlyReleaseBlocker(AuditedModel):
    """A fact that bars proposing early release for this measure (domain.md §4.6)."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="blockers")
    code = models.CharField(_("原因"), max_length=40, choices=BlockerCode.choices)
    since = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_unit_path = tuple(f"measure__{p}" for p in MEASURE_SCOPE)
    scope_permission_noun = "measure"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("不得提前解除的情形")
        verbose_name_plural = _("不得提前解除的情形")
        constraints = [
            models.UniqueConstraint(fields=["measure", "code"], name="blocker_once_per_measure")
        ]

    def __str__(self):
        return self.get_code_display()

    def audit_person_pk(self):
        return self.measure.person_id


# Notices owed once per organ decision rather than once per measure.
DECISION_NOTICE_KINDS = (NoticeKind.EARLY_RELEASE_DECISION, NoticeKind.EXTENSION_DECISION)


class Notice(AuditedModel):
    """A notice the law requires, due by a day (domain.md §6.5); sent when `sent_on` is set."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("通知"), max_length=30, choices=NoticeKind.choices)
    recipient = models.CharField(_("通知对象"), max_length=200)
    # The unit that owes the notice: it shows on that unit's work list.
    owed_by = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("通知单位")
    )
    due_on = models.DateField(_("应通知日期"), db_index=True)
    source = models.CharField(_("依据"), max_length=120)
    sent_on = models.DateField(_("通知日期"), null=True, blank=True)
    method = models.CharField(_("通知方式"), max_length=100, blank=True)
    sent_by = models.CharField(_("经办人"), max_length=150, blank=True)
    # The decision document a notice is about, where one measure may see several (each
    # extension or early-release decision is notified on its own, 戒毒条例 Art. 33).
    document = models.CharField(_("文书编号"), max_length=60, blank=True)

    scope_unit_path = (
        "owed_by__path",
        *(f"measure__{p}" for p in MEASURE_SCOPE),
    )
    scope_permission_noun = "measure"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("法定通知")
        verbose_name_plural = _("法定通知")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "kind"],
                condition=~Q(kind__in=DECISION_NOTICE_KINDS),
                name="notice_once_per_measure",
            ),
            models.UniqueConstraint(
                fields=["measure", "kind", "document"],
                condition=Q(kind__in=DECISION_NOTICE_KINDS),
                name="notice_once_per_decision",
            ),
        ]

    def __str__(self):
        return self.get_kind_display()

    def audit_person_pk(self):
        return self.measure.person_id


class MethadoneTreatment(AuditedModel):
    """戒毒药物维持治疗 (methadone maintenance, 禁毒法 Art. 51; 戒毒条例 Art. 12): a treatment
    record at a clinic, filed with the police; not a legal measure and runs beside one."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="methadone_treatments"
    )
    clinic = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("维持治疗门诊")
    )
    clinic_number = models.CharField(_("门诊登记号"), max_length=60, blank=True)
    started_on = models.DateField(_("入组日期"))
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=MethadoneStatus.choices,
        default=MethadoneStatus.IN_TREATMENT,
    )
    ended_on = models.DateField(_("退出日期"), null=True, blank=True)
    daily_dose_mg = models.PositiveSmallIntegerField(_("当前日剂量（毫克）"), null=True, blank=True)
    filed_with_police_on = models.DateField(_("向公安机关备案日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    scope_unit_path = ("clinic__path", "person__managing_unit__path")
    scope_permission_noun = "measure"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("维持治疗")
        verbose_name_plural = _("维持治疗")
        ordering = ["-started_on", "-id"]

    def __str__(self):
        return f"{self.clinic} {self.started_on}"

    def audit_person_pk(self):
        return self.person_id
