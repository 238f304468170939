"""诊断评估: the evaluation handbook, evaluations with their scored items, the scoring sheets in
force, and the proposals an evaluation leads to (强制隔离戒毒诊断评估办法; 禁毒法 Art. 47;
戒毒条例 Art. 33; domain.md §4).

An evaluation keeps a copy of the sheets it was scored with, so a later change of a province's
sheet never rewrites a past result.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet

from .choices import (
    Dimension,
    DimensionResult,
    EvaluationKind,
    EvaluationStatus,
    Opinion,
    ProposalKind,
    ProposalStatus,
)

# Evaluations belong to the facility's archive (司法部令第127号 Art. 63).
FACILITY_SCOPE = ("admission__facility__path",)


class Handbook(AuditedModel):
    """诊断评估手册, opened within 7 days of admission (粤戒毒〔2015〕37号, domain.md §3.1)."""

    admission = models.OneToOneField(
        "facilities.Admission", on_delete=models.PROTECT, related_name="evaluation_handbook"
    )
    number = models.CharField(_("手册编号"), max_length=40)
    opened_on = models.DateField(_("建册日期"))
    opened_by = models.CharField(_("建册人"), max_length=150)

    scope_unit_path = FACILITY_SCOPE
    scope_permission_noun = "evaluation"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("诊断评估手册")
        verbose_name_plural = _("诊断评估手册")

    def __str__(self):
        return self.number

    def audit_person_pk(self):
        return self.admission.person_id


class ScoringSheet(AuditedModel):
    """A province's (or facility's) own scoring sheet for one dimension, replacing the shipped
    default from `effective_from`. Never edited: a new row is a new version."""

    dimension = models.CharField(_("评估内容"), max_length=20, choices=Dimension.choices)
    org_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(_("生效日期"))
    definition = models.JSONField(_("评分表"))
    source = models.CharField(_("依据"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        ordering = ["dimension", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "org_unit", "effective_from"], name="sheet_once_per_day"
            )
        ]

    def __str__(self):
        return f"{self.get_dimension_display()} {self.effective_from}"


class Evaluation(AuditedModel):
    """One evaluation of one person: its kind, the dimensions it scored, and — for the
    comprehensive ones — the opinion it forms (诊断评估办法 Art. 3, 6)."""

    admission = models.ForeignKey(
        "facilities.Admission", on_delete=models.PROTECT, related_name="evaluations"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey("measures.Measure", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("评估类型"), max_length=30, choices=EvaluationKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=EvaluationStatus.choices, default="draft"
    )
    evaluated_on = models.DateField(_("评估日期"))
    evaluator = models.CharField(_("评估人"), max_length=150)
    dimensions = models.JSONField(_("评估内容"), default=list)  # Dimension codes scored
    sheets = models.JSONField(_("所用评分表"), default=dict)  # dimension -> sheet snapshot
    detox_result = models.CharField(
        _("生理脱毒"), max_length=10, choices=DimensionResult.choices, blank=True
    )
    recovery_result = models.CharField(
        _("身心康复"), max_length=10, choices=DimensionResult.choices, blank=True
    )
    behaviour_result = models.CharField(
        _("行为表现"), max_length=10, choices=DimensionResult.choices, blank=True
    )
    social_result = models.CharField(
        _("社会环境与适应能力"), max_length=10, choices=DimensionResult.choices, blank=True
    )
    scores = models.JSONField(_("各项得分"), default=dict)  # dimension -> total points
    passed = models.BooleanField(_("阶段评估合格"), null=True, blank=True)
    opinion = models.CharField(_("评估意见"), max_length=20, choices=Opinion.choices, blank=True)
    community_rehab_recommended = models.BooleanField(_("建议责令社区康复"), default=False)
    community_rehab_years = models.PositiveSmallIntegerField(
        _("建议社区康复期限（年）"), null=True, blank=True
    )
    summary = models.TextField(_("评估结论"), blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    scope_unit_path = FACILITY_SCOPE
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("诊断评估")
        verbose_name_plural = _("诊断评估")
        ordering = ["-evaluated_on", "-id"]
        constraints = [
            # Two officers pressing "start" at once get the same draft.
            models.UniqueConstraint(
                fields=["admission", "kind"],
                condition=Q(status="draft"),
                name="evaluation_one_draft_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(community_rehab_years__isnull=True) | Q(community_rehab_years__lte=3),
                name="evaluation_community_rehab_at_most_3_years",
            ),
        ]
        indexes = [models.Index(fields=["admission", "kind", "status"], name="evaluation_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.evaluated_on}"

    def audit_person_pk(self):
        return self.person_id

    def result_for(self, dimension: str) -> str:
        return getattr(self, f"{dimension}_result")

    @property
    def is_completed(self) -> bool:
        return self.status == EvaluationStatus.COMPLETED


class EvaluationItem(AuditedModel):
    """One item of a dimension's sheet: what the centres' records suggest (`suggested_points`,
    with the record it rests on) and what the evaluator confirmed; a different figure needs a
    reason."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="items")
    dimension = models.CharField(_("评估内容"), max_length=20, choices=Dimension.choices)
    code = models.CharField(_("项目代码"), max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("评估项目"), max_length=200)
    max_points = models.DecimalField(_("满分"), max_digits=5, decimal_places=1)
    suggested_points = models.DecimalField(
        _("系统预填分"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    basis = models.CharField(_("预填依据"), max_length=300, blank=True)
    points = models.DecimalField(_("评定分"), max_digits=5, decimal_places=1, null=True, blank=True)
    override_reason = models.CharField(_("调整理由"), max_length=300, blank=True)

    scope_unit_path = tuple(f"evaluation__{p}" for p in FACILITY_SCOPE)
    scope_permission_noun = "evaluation"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评估项目")
        verbose_name_plural = _("评估项目")
        ordering = ["evaluation", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "code"], name="evaluation_item_once")
        ]

    def __str__(self):
        return self.label

    def audit_person_pk(self):
        return self.evaluation.person_id

    @property
    def is_overridden(self) -> bool:
        return (
            self.points is not None
            and self.suggested_points is not None
            and self.points != self.suggested_points
        )


class Proposal(AuditedModel):
    """提前解除 or 延长 proposal: the facility committee decides to send it, the deciding organ
    decides within 7 days of receipt (戒毒条例 Art. 33), and an approval moves the measure's
    term."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="proposal")
    measure = models.ForeignKey("measures.Measure", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("建议"), max_length=20, choices=ProposalKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProposalStatus.choices, default="drafted"
    )
    proposed_release_on = models.DateField(_("建议解除日期"), null=True, blank=True)
    proposed_extension_months = models.PositiveSmallIntegerField(
        _("建议延长期限（月）"), null=True, blank=True
    )
    reasons = models.TextField(_("理由"))
    committee_on = models.DateField(_("所务会审议日期"), null=True, blank=True)
    committee_by = models.CharField(_("所务会审议人"), max_length=150, blank=True)
    committee_note = models.CharField(_("所务会意见"), max_length=300, blank=True)
    submitted_on = models.DateField(_("决定机关收到日期"), null=True, blank=True)
    decision_due_by = models.DateField(_("应作出决定日期"), null=True, blank=True, db_index=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_number = models.CharField(_("决定书文号"), max_length=60, blank=True)
    approved_release_on = models.DateField(_("批准解除日期"), null=True, blank=True)
    approved_extension_months = models.PositiveSmallIntegerField(
        _("批准延长期限（月）"), null=True, blank=True
    )
    decision_note = models.CharField(_("决定意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # The facility that proposes and the organ that decides both see it.
    scope_unit_path = ("evaluation__admission__facility__path", "measure__deciding_organ__path")
    scope_permission_noun = "proposal"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("诊断评估意见")
        verbose_name_plural = _("诊断评估意见")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposed_extension_months__isnull=True)
                | Q(proposed_extension_months__gte=1, proposed_extension_months__lte=12),
                name="proposal_extension_1_to_12_months",
            ),
            models.CheckConstraint(
                condition=Q(approved_extension_months__isnull=True)
                | Q(approved_extension_months__gte=1, approved_extension_months__lte=12),
                name="proposal_approved_extension_1_to_12_months",
            ),
        ]

    def __str__(self):
        return self.get_kind_display()

    def audit_person_pk(self):
        return self.evaluation.person_id

    @property
    def is_open(self) -> bool:
        return self.status in (ProposalStatus.DRAFTED, ProposalStatus.SUBMITTED)
