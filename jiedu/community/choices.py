from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    """Where a community case (社区戒毒/社区康复个案) stands. The legal status stays on the
    measure; the case adds the township's procedure: a case referred to the police is paused
    (JX §五(七)3: 《关于暂停社区戒毒程序的说明》) until they decide."""

    AWAITING_REPORT = "awaiting_report", _("待报到")
    ACTIVE = "active", _("执行中")
    REFERRED = "referred", _("已移交公安，暂停社区程序")
    CLOSED = "closed", _("已结束")


class TeamRole(models.TextChoices):
    """社区戒毒工作小组 (戒毒条例 Art. 17)."""

    FULLTIME_WORKER = "fulltime_worker", _("专职工作人员（禁毒专干）")
    SOCIAL_WORKER = "social_worker", _("禁毒社工")
    COMMUNITY_POLICE = "community_police", _("社区民警")
    COMMUNITY_DOCTOR = "community_doctor", _("社区医务人员")
    FAMILY_MEMBER = "family_member", _("家庭成员")
    VOLUNTEER = "volunteer", _("禁毒志愿者")


class DueKind(models.TextChoices):
    SCHEDULED_TEST = "scheduled_test", _("定期检测")
    RANDOM_TEST = "random_test", _("随机抽检")
    TALK = "talk", _("谈话教育")
    HOME_VISIT = "home_visit", _("走访")
    SELF_REPORT = "self_report", _("本人汇报")


# Items that a plan repeats at an interval; random tests are drawn, not repeated.
PLANNED_KINDS = (DueKind.SCHEDULED_TEST, DueKind.TALK, DueKind.HOME_VISIT, DueKind.SELF_REPORT)
TEST_KINDS = (DueKind.SCHEDULED_TEST, DueKind.RANDOM_TEST)


class DueStatus(models.TextChoices):
    OPEN = "open", _("待完成")
    DONE = "done", _("已完成")
    MISSED = "missed", _("未完成")
    CANCELLED = "cancelled", _("已取消")


class ContactKind(models.TextChoices):
    """Contacts that satisfy talks, visits and self-reports (JX; domain.md §2.10)."""

    TALK = "talk", _("谈话教育")
    HOME_VISIT = "home_visit", _("走访")
    SELF_REPORT = "self_report", _("本人汇报")
    HELP = "help", _("帮扶（就业、就学、医疗、救助）")


class SampleType(models.TextChoices):
    """TEST Art. 6 as amended (saliva added in 2016)."""

    URINE = "urine", _("尿液")
    SALIVA = "saliva", _("唾液")
    BLOOD = "blood", _("血液")
    HAIR = "hair", _("毛发")


class TestTier(models.TextChoices):
    """TEST Art. 3–4."""

    ONSITE = "onsite", _("现场检测")
    LAB = "lab", _("实验室检测")
    LAB_RETEST = "lab_retest", _("实验室复检")


class TestResult(models.TextChoices):
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")
    REFUSED = "refused", _("拒绝检测")
    EVADED = "evaded", _("逃避检测")


# 戒毒条例 Art. 20: refusing or evading a test counts toward a serious breach.
NON_COMPLIANT_RESULTS = (TestResult.REFUSED, TestResult.EVADED)


class LeaveStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不予批准")
    CANCELLED = "cancelled", _("已撤回")


class ReferralReason(models.TextChoices):
    """Why a case goes to the police (禁毒法 Art. 35; 戒毒条例 Art. 14, 20, 21; JX §五(七))."""

    REFUSAL = "refusal", _("拒绝接受社区戒毒（康复）（逾期未报到）")
    POSITIVE_TEST = "positive_test", _("检测阳性，疑似社区戒毒（康复）期间吸毒")
    SERIOUS_BREACH = "serious_breach", _("严重违反社区戒毒（康复）协议")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("待移交")
    REPORTED = "reported", _("已移交公安，待决定")
    ISOLATION_DECIDED = "isolation_decided", _("公安已决定强制隔离戒毒")
    RETURNED = "returned", _("公安决定继续执行社区措施")


class BreachRule(models.TextChoices):
    """The three grounds of 戒毒条例 Art. 20."""

    REFUSED_TESTS = "refused_tests", _("逃避或者拒绝接受检测三次以上")
    ABSENCES = "absences", _("擅自离开执行地所在县（市、区）三次以上")
    DAYS_AWAY = "days_away", _("擅自离开执行地所在县（市、区）累计超过三十日")


class TransferStatus(models.TextChoices):
    MOVED = "moved", _("已移交，待报到")
    REPORTED = "reported", _("已在新执行地报到")


class CreditTier(models.TextChoices):
    """戒毒人员信用管理 (domain.md §6.7): seed grades, no national source."""

    GOOD = "good", _("优良")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class RiskClass(models.TextChoices):
    """全国社会面吸毒人员风险分类 (RISK 2016, domain.md §6.3)."""

    HIGH = "high", _("高风险")
    MEDIUM = "medium", _("中风险")
    LOW = "low", _("低风险")


class AlertKind(models.TextChoices):
    REPORT_OVERDUE = "report_overdue", _("逾期未报到")
    POSITIVE_TEST = "positive_test", _("检测阳性")
    NON_COMPLIANT_TEST = "non_compliant_test", _("拒绝或逃避检测")
    UNAPPROVED_ABSENCE = "unapproved_absence", _("擅自离开执行地")
    SERIOUS_BREACH = "serious_breach", _("严重违反协议")
    FACE_REVIEW = "face_review", _("签到人脸待复核")
    TRANSFER_IN = "transfer_in", _("变更执行地转入")
    TRANSFER_REPORT_OVERDUE = "transfer_report_overdue", _("变更执行地后逾期未报到")
    LEAVE_REQUEST = "leave_request", _("请假申请待审批")
    RISK_HIGH = "risk_high", _("风险等级升为高")
