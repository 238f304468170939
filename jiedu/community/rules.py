"""Rules of community drug rehab and rehabilitation (社区戒毒/社区康复).

Statutory thresholds (戒毒条例 Art. 19, 20, 22; 吸毒检测程序规定) are `RuleSpec`s whose bounds
equal their value where the statute fixes it, so no local value can loosen them; the township's
own figures (caseload, credit points, risk criteria) are defaults a province may change
(domain.md §0.1, §8.1).
"""

from django.utils.translation import gettext_lazy as _

from jiedu.core.rules import RuleSpec, register

_NO_NATIONAL = "全国无统一规定；Jiedu默认值（no national figure; Jiedu default）"

# 戒毒条例 Art. 20: the three grounds of a serious breach.
BREACH_REFUSED_TESTS = "community.breach.refused_tests"
BREACH_ABSENCES = "community.breach.absences"
BREACH_DAYS_AWAY = "community.breach.days_away"
# 戒毒条例 Art. 19: leaving the county for this many days or more needs a written report.
LEAVE_WRITTEN_DAYS = "community.leave.written_report_days"
# 戒毒条例 Art. 22: report to the new township within 15 days of a change of place.
TRANSFER_REPORT_DAYS = "community.transfer.report_days"
# 吸毒检测程序规定 Art. 12, 15 (amended 2017): 3 days to object (5 before).
OBJECTION_DAYS = "community.test.objection_days"
# 吸毒检测程序规定 Art. 8 (amended 2017): A/B bottles kept ≥6 months (2 before).
BOTTLE_RETENTION_MONTHS = "community.test.bottle_retention_months"
# 涉毒人员毛发样本检测规范 Art. 10: positive within 3 cm of the root = use in the prior 6 months.
HAIR_WINDOW_MONTHS = "community.test.hair_window_months"
HAIR_SEGMENT_CM = "community.test.hair_segment_cm"
# Staffing: one worker per N persons (JX 1:20; 梅山镇 1:30) — warn above it.
CASELOAD_MAX = "community.caseload.max_per_worker"
# The expiry list of A/B bottles looks this far ahead.
BOTTLE_EXPIRY_NOTICE_DAYS = "community.test.bottle_expiry_notice_days"

register(
    RuleSpec(
        BREACH_REFUSED_TESTS,
        _("严重违反协议：逃避或拒绝检测次数（次以上）"),
        "count",
        3,
        "戒毒条例 Art. 20",
        3,
        3,
        "戒毒条例 Art. 20",
    ),
    RuleSpec(
        BREACH_ABSENCES,
        _("严重违反协议：擅自离开执行地县（市、区）次数（次以上）"),
        "count",
        3,
        "戒毒条例 Art. 20",
        3,
        3,
        "戒毒条例 Art. 20",
    ),
    RuleSpec(
        BREACH_DAYS_AWAY,
        _("严重违反协议：擅自离开累计超过天数"),
        "days",
        30,
        "戒毒条例 Art. 20",
        30,
        30,
        "戒毒条例 Art. 20",
    ),
    RuleSpec(
        LEAVE_WRITTEN_DAYS,
        _("离开执行地县（市、区）需书面请假的天数（天以上）"),
        "days",
        3,
        "戒毒条例 Art. 19",
        1,
        3,
        "戒毒条例 Art. 19（地方可从严）",
    ),
    RuleSpec(
        TRANSFER_REPORT_DAYS,
        _("变更执行地后到新执行地报到期限"),
        "days",
        15,
        "戒毒条例 Art. 22",
        1,
        15,
        "戒毒条例 Art. 22（地方可从严）",
    ),
    RuleSpec(
        OBJECTION_DAYS,
        _("对检测结果提出异议、申请检测或复检的期限"),
        "days",
        3,
        "吸毒检测程序规定 Art. 12, 15（2017年修订，原为5日）",
        3,
        3,
        "吸毒检测程序规定 Art. 12, 15",
    ),
    RuleSpec(
        BOTTLE_RETENTION_MONTHS,
        _("A、B瓶样本保存期限（月以上）"),
        "months",
        6,
        "吸毒检测程序规定 Art. 8（2017年修订，原为2个月）",
        6,
        24,
        "吸毒检测程序规定 Art. 8（不少于6个月）",
    ),
    RuleSpec(
        HAIR_WINDOW_MONTHS,
        _("毛发检测阳性对应的吸毒时间窗（月）"),
        "months",
        6,
        "涉毒人员毛发样本检测规范 Art. 10",
        6,
        6,
        "涉毒人员毛发样本检测规范 Art. 10",
    ),
    RuleSpec(
        HAIR_SEGMENT_CM,
        _("毛发检测截取长度（距发根厘米）"),
        "count",
        3,
        "涉毒人员毛发样本检测规范",
        3,
        3,
        "涉毒人员毛发样本检测规范",
    ),
    RuleSpec(
        CASELOAD_MAX,
        _("每名禁毒专干（社工）负责的社戒社康人数上限（超过即提示）"),
        "count",
        20,
        "金厢镇实施细则（地方示例：1名社工对应20名社戒社康人员）",
        5,
        60,
        _NO_NATIONAL,
        fallback=True,
    ),
    RuleSpec(
        BOTTLE_EXPIRY_NOTICE_DAYS,
        _("A、B瓶保存期满提前提示天数"),
        "days",
        30,
        _NO_NATIONAL,
        0,
        180,
        _NO_NATIONAL,
        fallback=True,
    ),
)
