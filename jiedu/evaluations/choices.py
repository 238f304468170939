from django.db import models
from django.utils.translation import gettext_lazy as _

from jiedu.facilities.choices import ZoneKind


class Dimension(models.TextChoices):
    """The four dimensions of 诊断评估 (强制隔离戒毒诊断评估办法 Art. 2, 6)."""

    DETOX = "detox", _("生理脱毒")
    RECOVERY = "recovery", _("身心康复")
    BEHAVIOUR = "behaviour", _("行为表现")
    SOCIAL = "social", _("社会环境与适应能力")


DIMENSION_ORDER = [Dimension.DETOX, Dimension.RECOVERY, Dimension.BEHAVIOUR, Dimension.SOCIAL]
PASS_FAIL_DIMENSIONS = (Dimension.DETOX, Dimension.RECOVERY, Dimension.BEHAVIOUR)


class DimensionResult(models.TextChoices):
    """Result classes (诊断评估办法 Art. 6): 合格/不合格 for three dimensions, 良好/一般 for the
    social one."""

    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")


class EvaluationKind(models.TextChoices):
    """Evaluation types (BJDIAG; Zhejiang DB33/T 2177-2019 stage forms; domain.md §4.3)."""

    ADMISSION = "admission", _("入所调查评估")
    DETOX_STAGE = "detox_stage", _("生理脱毒阶段性评价")
    EDUCATION_STAGE = "education_stage", _("教育适应区阶段性诊断评估")
    CONSOLIDATION_STAGE = "consolidation_stage", _("康复巩固区阶段性诊断评估")
    ONE_YEAR = "one_year", _("一年后综合诊断评估")
    PRE_EXPIRY = "pre_expiry", _("期满前综合诊断评估")


# The zone a stage evaluation lets the person leave (zone gates, MODEL 2018).
STAGE_FOR_ZONE = {
    ZoneKind.DETOX: EvaluationKind.DETOX_STAGE,
    ZoneKind.EDUCATION_ADAPTATION: EvaluationKind.EDUCATION_STAGE,
    ZoneKind.CONSOLIDATION: EvaluationKind.CONSOLIDATION_STAGE,
}
COMPREHENSIVE_KINDS = (EvaluationKind.ONE_YEAR, EvaluationKind.PRE_EXPIRY)


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("评估中")
    COMPLETED = "completed", _("已完成")


class Opinion(models.TextChoices):
    """The opinion a comprehensive evaluation forms (诊断评估办法 Art. 3)."""

    EARLY_RELEASE = "early_release", _("提出提前解除意见")
    ON_TIME_RELEASE = "on_time_release", _("按期解除")
    EXTENSION = "extension", _("提出延长戒毒期限意见")
    CONTINUE = "continue", _("继续执行")


class ProposalKind(models.TextChoices):
    EARLY_RELEASE = "early_release", _("提前解除")
    EXTENSION = "extension", _("延长戒毒期限")


class ProposalStatus(models.TextChoices):
    DRAFTED = "drafted", _("待所务会审议")
    COMMITTEE_REJECTED = "committee_rejected", _("所务会未通过")
    SUBMITTED = "submitted", _("已报决定机关")
    APPROVED = "approved", _("决定机关批准")
    REJECTED = "rejected", _("决定机关不批准")
