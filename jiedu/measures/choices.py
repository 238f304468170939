from django.db import models
from django.utils.translation import gettext_lazy as _


class MeasureKind(models.TextChoices):
    """The four measures of 禁毒法 ch. 4 (domain.md §1.1)."""

    COMMUNITY_DRUG_REHAB = "community_drug_rehab", _("社区戒毒")
    COMPULSORY_ISOLATION = "compulsory_isolation", _("强制隔离戒毒")
    COMMUNITY_REHABILITATION = "community_rehabilitation", _("社区康复")
    VOLUNTARY = "voluntary", _("自愿戒毒")


COMMUNITY_KINDS = (MeasureKind.COMMUNITY_DRUG_REHAB, MeasureKind.COMMUNITY_REHABILITATION)


class MeasureStatus(models.TextChoices):
    """Legal status of a measure. Reporting in (报到) starts a community measure, so "reported"
    and "in progress" are one state; what changes is that the term now runs."""

    ORDERED = "ordered", _("已决定，待执行")
    IN_PROGRESS = "in_progress", _("执行中")
    SUSPENDED = "suspended", _("中止")
    ESCAPED = "escaped", _("脱逃")
    REFUSED = "refused", _("拒绝执行")
    ENDED = "ended", _("已解除")
    TERMINATED = "terminated", _("已终止")
    CONVERTED = "converted", _("已转处其他措施")


ACTIVE_STATUSES = (
    MeasureStatus.ORDERED,
    MeasureStatus.IN_PROGRESS,
    MeasureStatus.SUSPENDED,
    MeasureStatus.ESCAPED,
)
CLOSED_STATUSES = (
    MeasureStatus.REFUSED,
    MeasureStatus.ENDED,
    MeasureStatus.TERMINATED,
    MeasureStatus.CONVERTED,
)


class EndReason(models.TextChoices):
    EXPIRY = "expiry", _("期满解除")
    EARLY_RELEASE = "early_release", _("提前解除")
    AGREEMENT_ENDED = "agreement_ended", _("按协议结束")
    IMPRISONMENT = "imprisonment", _("被判处刑罚收监执行")
    COMPULSORY_EDUCATION = "compulsory_education", _("被采取强制性教育措施")
    DEATH = "death", _("死亡")
    REVOKED = "revoked", _("决定被撤销（复议、诉讼）")
    REFUSAL = "refusal", _("拒绝接受社区戒毒（康复）")
    DRUG_USE = "drug_use", _("执行期间吸毒")
    SERIOUS_BREACH = "serious_breach", _("严重违反协议")
    MEDICAL_PAROLE_CHANGE = "medical_parole_change", _("所外就医不能回所，变更为社区戒毒")


# 禁毒法 Art. 38: the grounds of a compulsory-isolation decision.
class IsolationGround(models.TextChoices):
    REFUSED_COMMUNITY = "refused_community", _("拒绝接受社区戒毒")
    DRUG_USE_IN_COMMUNITY = "drug_use_in_community", _("社区戒毒期间吸食、注射毒品")
    SERIOUS_BREACH = "serious_breach", _("严重违反社区戒毒协议")
    RELAPSE = "relapse", _("经社区戒毒、强制隔离戒毒后再次吸食、注射毒品")
    SEVERE_ADDICTION = "severe_addiction", _("吸毒成瘾严重，通过社区戒毒难以戒除毒瘾")
    VOLUNTARY_ENTRY = "voluntary_entry", _("自愿接受强制隔离戒毒")


class PauseKind(models.TextChoices):
    ESCAPE = "escape", _("脱逃")  # 戒毒条例 Art. 32: not counted
    SUSPENSION = "suspension", _("中止")  # 戒毒条例 Art. 24: detained or arrested


class BlockerCode(models.TextChoices):
    """Why a person may not be proposed for early release (domain.md §4.6)."""

    ESCAPED = "escaped", _("脱逃后被追回（戒毒条例第三十二条；司法部令第127号第三十一条）")
    RELAPSE_AFTER_HOME_LEAVE = (
        "relapse_after_home_leave",
        _("外出探视后复吸（司法部令第127号第二十六条）"),
    )
    DRUGS_IN_FACILITY = "drugs_in_facility", _("所内藏匿、吸食毒品（司法部令第127号第二十九条）")
    COMMUNITY_REHAB_BREACH_RELAPSE = (
        "community_rehab_breach_relapse",
        _("拒绝接受或严重违反社区康复后又吸毒（戒毒条例第三十八条）"),
    )


class NoticeKind(models.TextChoices):
    """Notices the law requires (domain.md §6.5)."""

    DECISION_SERVED = "decision_served", _("强制隔离戒毒决定通知家属、所在单位、户籍地派出所")
    ADMISSION_FAMILY = "admission_family", _("入所后书面通知家属")
    RELEASE_DECIDING_ORGAN = "release_deciding_organ", _("解除前通知决定机关")
    HANDOVER_TOWNSHIP = "handover_township", _("出所衔接：移交社区康复执行地乡镇（街道）")
    END_TOWNSHIP = "end_township", _("社区戒毒（康复）解除，告知乡镇（街道）")
    EARLY_RELEASE_DECISION = (
        "early_release_decision",
        _("提前解除决定通知家属、所在单位、户籍地派出所"),
    )
    EXTENSION_DECISION = "extension_decision", _("延长戒毒期限决定通知家属、所在单位、户籍地派出所")


class MethadoneStatus(models.TextChoices):
    IN_TREATMENT = "in_treatment", _("治疗中")
    SUSPENDED = "suspended", _("暂停")
    ENDED = "ended", _("已退出")
