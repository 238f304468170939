from django.db import models
from django.utils.translation import gettext_lazy as _


class ZoneKind(models.TextChoices):
    """The four zones of the unified model, in flow order (MODEL 2018), plus a special zone for
    the sick and disabled (分别管理, 禁毒法 Art. 44; 戒毒条例 Art. 30)."""

    DETOX = "detox_zone", _("生理脱毒区")
    EDUCATION_ADAPTATION = "education_adaptation_zone", _("教育适应区")
    CONSOLIDATION = "consolidation_zone", _("康复巩固区")
    RETURN_GUIDANCE = "return_guidance_zone", _("回归指导区")
    SPECIAL = "special_zone", _("病残专区")


ZONE_ORDER = [
    ZoneKind.DETOX,
    ZoneKind.EDUCATION_ADAPTATION,
    ZoneKind.CONSOLIDATION,
    ZoneKind.RETURN_GUIDANCE,
]


class PregnancyTest(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", _("不适用")
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")


class StageResult(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    EXCEPTION = "exception", _("领导批准的例外")


class LeaveGround(models.TextChoices):
    """司法部令第127号 Art. 24–26."""

    RELATIVE_ILL = "relative_ill", _("配偶、直系亲属病危")
    RELATIVE_DIED = "relative_died", _("配偶、直系亲属死亡")
    FAMILY_EVENT = "family_event", _("家庭有其他重大变故")
    REWARD = "reward", _("戒毒表现良好的奖励")


class ReturnTest(models.TextChoices):
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")
    REFUSED = "refused", _("拒绝检测")


class LeftReason(models.TextChoices):
    TRANSFERRED = "transferred", _("移送司法行政戒毒所")
    RELEASED = "released", _("解除出所")
    TERMINATED = "terminated", _("措施终止")
