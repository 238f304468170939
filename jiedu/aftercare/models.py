from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet

from .choices import (
    CloseReason,
    Employment,
    FamilySituation,
    HelpKind,
    PlanStatus,
    VisitMethod,
    VisitStatus,
    VisitTestResult,
)

# Who sees a follow-up plan: the unit responsible for it (township or guidance station) and the
# unit that manages the person (户籍地为主、居住地为辅).
PLAN_SCOPE = ("unit__path", "person__managing_unit__path")


class FollowUpPlan(AuditedModel):
    """后续照管计划: the follow-up of one person after a measure ends — release from 强制隔离戒毒
    or the end of 社区戒毒/社区康复 — with visits at the months of the unit's plan rule."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="followup_plans",
        verbose_name=_("人员"),
    )
    # The measure whose end started the follow-up; one plan per ended measure.
    measure = models.OneToOneField(
        "measures.Measure",
        on_delete=models.PROTECT,
        related_name="followup_plan",
        verbose_name=_("所结束的戒毒措施"),
    )
    unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("照管单位")
    )
    starts_on = models.DateField(_("起算日（解除日）"), db_index=True)
    # The visit months in force when the plan was made (rule `aftercare.visit_months`).
    visit_months = models.JSONField(_("回访月份"), default=list)
    plan_source = models.CharField(_("计划依据"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.OPEN
    )
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    close_reason = models.CharField(
        _("结束原因"), max_length=20, choices=CloseReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    scope_unit_path = PLAN_SCOPE
    scope_permission_noun = "followup"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("后续照管计划")
        verbose_name_plural = _("后续照管计划")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True)
                | models.Q(status="closed", closed_on__isnull=False),
                name="aftercare_plan_closed_has_day",
            )
        ]

    def __str__(self):
        return f"{self.person} {self.starts_on}"

    def audit_person_pk(self):
        return self.person_id


class FollowUpVisit(AuditedModel):
    """回访: one follow-up visit. Scheduled visits exist from the plan's start with `due_on` and
    no `visited_on`; recording the visit fills them in. Extra visits have no `due_on`."""

    plan = models.ForeignKey(
        FollowUpPlan, on_delete=models.PROTECT, related_name="visits", verbose_name=_("照管计划")
    )
    # Denormalised from the plan so one person's visits are one indexed query.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    month = models.PositiveSmallIntegerField(_("第几个月回访"), null=True, blank=True)
    due_on = models.DateField(_("应回访日期"), null=True, blank=True, db_index=True)
    visited_on = models.DateField(_("回访日期"), null=True, blank=True, db_index=True)
    method = models.CharField(_("方式"), max_length=12, choices=VisitMethod.choices, blank=True)
    contact_made = models.BooleanField(_("联系上本人"), default=False)
    status = models.CharField(_("现状"), max_length=15, choices=VisitStatus.choices, blank=True)
    test_result = models.CharField(
        _("检测结果"),
        max_length=12,
        choices=VisitTestResult.choices,
        default=VisitTestResult.NOT_TESTED,
    )
    employment = models.CharField(
        _("就业情况"), max_length=15, choices=Employment.choices, default=Employment.UNKNOWN
    )
    family_situation = models.CharField(
        _("家庭情况"),
        max_length=10,
        choices=FamilySituation.choices,
        default=FamilySituation.UNKNOWN,
    )
    note = models.TextField(_("情况说明"), blank=True)
    visitor = models.CharField(_("回访人"), max_length=150, blank=True)
    external_id = models.CharField(_("外部编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    scope_unit_path = tuple(f"plan__{p}" for p in PLAN_SCOPE)
    scope_permission_noun = "followup"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["due_on", "visited_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "month"],
                condition=models.Q(month__isnull=False),
                name="aftercare_visit_one_per_month",
            ),
            models.UniqueConstraint(
                fields=["plan", "external_id"],
                condition=~models.Q(external_id=""),
                name="aftercare_visit_external_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["person", "visited_on"], name="aftercare_visit_person")]

    def __str__(self):
        return f"{self.person} {self.visited_on or self.due_on}"

    def audit_person_pk(self):
        return self.person_id

    @property
    def is_done(self) -> bool:
        return self.visited_on is not None

    @property
    def detected_use(self) -> bool:
        """Whether this visit detected drug use (a relapse for the indicators)."""
        return self.status == VisitStatus.RELAPSED or self.test_result == VisitTestResult.POSITIVE


class HelpRecord(AuditedModel):
    """帮扶记录: help given to a person under follow-up (jobs, hardship, schooling, legal aid)."""

    plan = models.ForeignKey(
        FollowUpPlan, on_delete=models.PROTECT, related_name="help", verbose_name=_("照管计划")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    kind = models.CharField(_("帮扶类别"), max_length=25, choices=HelpKind.choices)
    given_on = models.DateField(_("帮扶日期"))
    provider = models.CharField(_("帮扶单位（人）"), max_length=100, blank=True)
    amount = models.DecimalField(
        _("金额（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    description = models.TextField(_("帮扶内容"), blank=True)
    recorded_by = models.CharField(_("记录人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    scope_unit_path = tuple(f"plan__{p}" for p in PLAN_SCOPE)
    scope_permission_noun = "followup"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶记录")
        verbose_name_plural = _("帮扶记录")
        ordering = ["-given_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.given_on}"

    def audit_person_pk(self):
        return self.person_id
