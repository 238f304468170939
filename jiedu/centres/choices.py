from django.db import models
from django.utils.translation import gettext_lazy as _


class Centre(models.TextChoices):
    """The five centres of the unified model (MODEL 2018, domain.md §3.4)."""

    MEDICAL = "medical", _("戒毒医疗中心")
    EDUCATION = "education", _("教育矫正中心")
    PSYCHOLOGY = "psychology", _("心理矫治中心")
    TRAINING = "training", _("康复训练中心")
    EVALUATION = "evaluation", _("诊断评估中心")


class MedicationPurpose(models.TextChoices):
    WITHDRAWAL = "withdrawal", _("控制、缓解戒断症状")
    PSYCHIATRIC = "psychiatric", _("精神症状")
    OTHER = "other", _("其他疾病")


class Severity(models.TextChoices):
    NONE = "none", _("无")
    MILD = "mild", _("轻度")
    MARKED = "marked", _("明显")


class PsychiatricState(models.TextChoices):
    NONE = "none", _("无明显精神症状")
    CONTROLLED = "controlled", _("原有精神障碍已有效控制")
    PRESENT = "present", _("有明显精神症状")


# 稽延性戒断症状 (protracted withdrawal) as listed in BJDIAG item 4 (domain.md §4.5).
PROTRACTED_SYMPTOMS = (
    ("fatigue", _("严重乏力")),
    ("limb_discomfort", _("肢体不适")),
    ("poor_appetite", _("食欲不振")),
    ("pain", _("肌肉、关节疼痛")),
    ("restlessness", _("坐立不安")),
    ("palpitation", _("心悸")),
    ("anxiety", _("焦虑")),
    ("sleep", _("睡眠障碍")),
    ("other", _("其他")),
)


class Disease(models.TextChoices):
    """Infectious diseases screened at intake and during the stay (禁毒法 Art. 44: isolation)."""

    HIV = "hiv", _("艾滋病（HIV）")
    HCV = "hcv", _("丙型肝炎（HCV）")
    HBV = "hbv", _("乙型肝炎（HBV）")
    SYPHILIS = "syphilis", _("梅毒")
    TB = "tb", _("结核病")


class ScreeningResult(models.TextChoices):
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")
    INDETERMINATE = "indeterminate", _("待复查")


class ConditionKind(models.TextChoices):
    """The sick-and-disabled (病残) classes that decide a special zone (禁毒法 Art. 44)."""

    CHRONIC = "chronic", _("慢性病")
    DISABILITY = "disability", _("残疾")
    PSYCHIATRIC = "psychiatric", _("精神障碍")
    INFECTIOUS = "infectious", _("传染病（需隔离）")


class ConditionSeverity(models.TextChoices):
    MILD = "mild", _("一般")
    SEVERE = "severe", _("严重（需病残专区）")


class SampleType(models.TextChoices):
    URINE = "urine", _("尿液")
    SALIVA = "saliva", _("唾液")
    HAIR = "hair", _("毛发")
    BLOOD = "blood", _("血液")


class TestOccasion(models.TextChoices):
    INTAKE = "intake", _("入所检测")
    ROUTINE = "routine", _("定期检测")
    RANDOM = "random", _("随机抽检")
    SUSPICION = "suspicion", _("疑似吸毒检测")


class TestResult(models.TextChoices):
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")
    REFUSED = "refused", _("拒绝检测")


class CourseCategory(models.TextChoices):
    """Education content (司法部令第127号 Art. 44–51)."""

    ADMISSION = "admission", _("入所教育")
    LEGAL = "legal", _("法制教育")
    MORAL = "moral", _("道德教育")
    DRUG_KNOWLEDGE = "drug_knowledge", _("禁毒知识")
    MENTAL_HEALTH = "mental_health", _("心理健康教育")
    VOCATIONAL = "vocational", _("职业技能培训")
    RETURN_TO_SOCIETY = "return_to_society", _("回归社会教育")


class ExamSubject(models.TextChoices):
    THEORY = "theory", _("综合理论（禁毒知识、法律、道德、心理健康）")
    DRUG_KNOWLEDGE = "drug_knowledge", _("禁毒知识")
    LEGAL = "legal", _("法律知识")
    VOCATIONAL = "vocational", _("职业技能")


class SessionKind(models.TextChoices):
    INDIVIDUAL = "individual", _("个体咨询")
    GROUP = "group", _("团体辅导")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class ResponseSource(models.TextChoices):
    STAFF = "staff", _("民警录入")
    API = "api", _("设备或其他系统")


class TrainingKind(models.TextChoices):
    CALISTHENICS = "calisthenics", _("广播体操")
    STRENGTH = "strength", _("力量训练")
    AEROBIC = "aerobic", _("有氧训练")
    BALL = "ball", _("球类运动")
    TAICHI = "taichi", _("太极、八段锦")
    OTHER = "other", _("其他")


class PointCategory(models.TextChoices):
    """Daily point categories of a real facility system (domain.md §4.5)."""

    DISCIPLINE = "discipline", _("遵规守纪")
    REHABILITATION = "rehabilitation", _("戒毒康复")
    EDUCATION = "education", _("教育矫治")
    LABOUR = "labour", _("康复劳动")
    CONFESSION = "confession", _("坦白检举")


class PointKind(models.TextChoices):
    """Daily point entry types (domain.md §4.5): rewards add, deductions subtract."""

    REWARD = "reward", _("奖分")
    DEDUCTION = "deduction", _("扣分")
    OUTSTANDING = "outstanding", _("突出表现")
    SERIOUS_VIOLATION = "serious_violation", _("严重违纪")


POSITIVE_KINDS = (PointKind.REWARD, PointKind.OUTSTANDING)


class MonthStatus(models.TextChoices):
    OPEN = "open", _("记分中")
    IN_APPROVAL = "in_approval", _("审批中")
    APPROVED = "approved", _("已审批")


class ApprovalDecision(models.TextChoices):
    APPROVE = "approve", _("同意")
    RETURN = "return", _("退回")


class Grade(models.TextChoices):
    """分级管理 (司法部令第127号 Art. 16; 戒毒条例 Art. 30): the management grade that follows
    from a month's approved points."""

    LENIENT = "lenient", _("宽管")
    NORMAL = "normal", _("普管")
    STRICT = "strict", _("严管")
