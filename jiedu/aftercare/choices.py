from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    OPEN = "open", _("照管中")
    CLOSED = "closed", _("已结束")


class CloseReason(models.TextChoices):
    COMPLETED = "completed", _("戒断三年未发现复吸，解除动态管控")
    NEW_MEASURE = "new_measure", _("再次被采取戒毒措施")
    DEAD = "dead", _("死亡")
    MOVED_ABROAD = "moved_abroad", _("出境（离境）")
    TRANSFERRED = "transferred", _("移交其他地方照管")


class VisitStatus(models.TextChoices):
    """What the visit found (issue 6; the statuses of 怀化-type admin systems, domain.md §6.1)."""

    ABSTINENT = "abstinent", _("保持操守")
    RELAPSED = "relapsed", _("复吸")
    LOST_CONTACT = "lost_contact", _("失联")
    IN_CUSTODY = "in_custody", _("被羁押（服刑）")
    DEAD = "dead", _("死亡")
    MOVED_ABROAD = "moved_abroad", _("出境（离境）")


class VisitMethod(models.TextChoices):
    HOME = "home", _("上门走访")
    OFFICE = "office", _("来访（约谈）")
    PHONE = "phone", _("电话回访")
    VIDEO = "video", _("视频回访")
    INFORMANT = "informant", _("向家属、社区了解")


class VisitTestResult(models.TextChoices):
    NOT_TESTED = "not_tested", _("未检测")
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")
    REFUSED = "refused", _("拒绝检测")


class Employment(models.TextChoices):
    UNKNOWN = "unknown", _("不详")
    EMPLOYED = "employed", _("就业（务工）")
    SELF_EMPLOYED = "self_employed", _("自主经营、务农")
    UNEMPLOYED = "unemployed", _("无业")
    STUDENT = "student", _("在校学习")
    RETIRED = "retired", _("退休")
    UNABLE = "unable", _("丧失劳动能力")


class FamilySituation(models.TextChoices):
    UNKNOWN = "unknown", _("不详")
    STABLE = "stable", _("家庭稳定、支持")
    STRAINED = "strained", _("家庭关系紧张")
    ALONE = "alone", _("独居、无家庭支持")
    HARDSHIP = "hardship", _("家庭生活困难")


class HelpKind(models.TextChoices):
    """帮扶: help given after release (design.md capability 6; PLAN16)."""

    JOB_GUIDANCE = "job_guidance", _("就业指导")
    JOB_PLACEMENT = "job_placement", _("就业安置")
    SKILLS_TRAINING = "skills_training", _("职业技能培训")
    HARDSHIP_ASSISTANCE = "hardship_assistance", _("困难救助（低保、临时救助）")
    CHILD_SCHOOLING = "child_schooling", _("子女就学")
    LEGAL_AID = "legal_aid", _("法律援助")
    MEDICAL_HELP = "medical_help", _("医疗救助、药物维持治疗转介")
    PSYCHOLOGICAL = "psychological", _("心理辅导")
    OTHER = "other", _("其他帮扶")
