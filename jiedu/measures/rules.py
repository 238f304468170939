"""Statutory constants of the measures: value, unit and source, versioned by effective date.

National law sets these; they change only when the text is amended, so they live here as data with
their citation (domain.md §0.1), not as literals in code. Locally variable rules (a province's
shorter reporting window, notice days) are configuration records and come with the rules
configuration of the measures module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from jiedu.core.rules import RuleSpec, register


@dataclass(frozen=True)
class Statute:
    key: str
    value: int
    unit: str
    source: str
    effective_from: date


_LAW = date(2008, 6, 1)  # 禁毒法 in force
_REG = date(2011, 6, 26)  # 戒毒条例
_MOJ127 = date(2013, 6, 1)  # 司法部令第127号 in force

ISOLATION_TERM_YEARS = Statute("isolation.term", 2, "years", "禁毒法 Art. 47", _LAW)
ISOLATION_EARLY_RELEASE_YEARS = Statute(
    "isolation.early_release_after", 1, "years", "禁毒法 Art. 47", _LAW
)
ISOLATION_MAX_EXTENSION_MONTHS = Statute(
    "isolation.max_extension", 12, "months", "禁毒法 Art. 47", _LAW
)
POLICE_STAGE_MIN_MONTHS = Statute(
    "isolation.police_stage_min", 3, "months", "戒毒条例 Art. 27", _REG
)
POLICE_STAGE_MAX_MONTHS = Statute(
    "isolation.police_stage_max", 6, "months", "戒毒条例 Art. 27", _REG
)
POLICE_STAGE_LIMIT_MONTHS = Statute(
    "isolation.police_stage_limit", 12, "months", "戒毒条例 Art. 27", _REG
)
COMMUNITY_TERM_YEARS = Statute("community.term", 3, "years", "禁毒法 Art. 33, 48", _LAW)
COMMUNITY_REPORT_IN_DAYS = Statute("community.report_in", 15, "days", "戒毒条例 Art. 14, 38", _REG)
DECISION_NOTICE_DAYS = Statute(
    "isolation.decision_notice", 1, "days", "禁毒法 Art. 40（送达后24小时内）", _LAW
)
PROPOSAL_DECISION_DAYS = Statute(
    "isolation.proposal_decision", 7, "days", "戒毒条例 Art. 33（收到意见之日起7日内）", _REG
)
PROPOSAL_NOTICE_DAYS = Statute(
    "isolation.proposal_notice", 1, "days", "戒毒条例 Art. 33（送达后24小时内）", _REG
)
MINOR_EXEMPTION_AGE = Statute("isolation.minor_age", 16, "years", "禁毒法 Art. 39", _LAW)
HOME_LEAVE_MAX_DAYS = Statute(
    "isolation.home_leave_max", 10, "days", "司法部令第127号 Art. 24–26", _MOJ127
)
SEGREGATION_MAX_DAYS = Statute(
    "isolation.segregation_max", 5, "days", "司法部令第127号 Art. 28", _MOJ127
)

ALL = [
    ISOLATION_TERM_YEARS,
    ISOLATION_EARLY_RELEASE_YEARS,
    ISOLATION_MAX_EXTENSION_MONTHS,
    POLICE_STAGE_MIN_MONTHS,
    POLICE_STAGE_MAX_MONTHS,
    POLICE_STAGE_LIMIT_MONTHS,
    COMMUNITY_TERM_YEARS,
    COMMUNITY_REPORT_IN_DAYS,
    DECISION_NOTICE_DAYS,
    PROPOSAL_DECISION_DAYS,
    PROPOSAL_NOTICE_DAYS,
    MINOR_EXEMPTION_AGE,
    HOME_LEAVE_MAX_DAYS,
    SEGREGATION_MAX_DAYS,
]

# --- Configurable rules (per province/city/county/township; core.rules) -----------------------

REPORT_IN_DAYS = "community.report_in_days"
END_NOTICE_DAYS = "community.end_notice_days"
FAMILY_LETTER_DAYS = "isolation.family_letter_days"
RELEASE_NOTICE_DAYS = "isolation.release_notice_days"
HANDOVER_DAYS = "isolation.handover_days"
POLICE_PHASE_MIN = "isolation.police_phase_min_months"
POLICE_PHASE_MAX = "isolation.police_phase_max_months"
TERM_ENDING_DAYS = "worklist.term_ending_days"

register(
    RuleSpec(
        REPORT_IN_DAYS,
        _("社区戒毒（康复）报到期限"),
        "days",
        15,
        "戒毒条例 Art. 14, 38",
        1,
        15,
        "戒毒条例 Art. 14, 38（地方可缩短，如浙江省禁毒条例第三十七条：2日）",
    ),
    RuleSpec(
        END_NOTICE_DAYS,
        _("社区戒毒（康复）解除后告知乡镇（街道）期限"),
        "days",
        7,
        "戒毒条例 Art. 23, 40",
        1,
        7,
        "戒毒条例 Art. 23, 40",
    ),
    RuleSpec(
        FAMILY_LETTER_DAYS,
        _("入所后书面通知家属期限"),
        "days",
        5,
        "司法部令第127号 Art. 15",
        1,
        5,
        "司法部令第127号 Art. 15",
    ),
    RuleSpec(
        RELEASE_NOTICE_DAYS,
        _("解除前通知决定机关提前天数"),
        "days",
        3,
        "戒毒条例 Art. 34；司法部令第127号 Art. 59",
        3,
        30,
        "戒毒条例 Art. 34（至少3日；上海市禁毒条例第三十六条：7个工作日）",
    ),
    RuleSpec(
        HANDOVER_DAYS,
        _("出所后向社区康复执行地移交材料期限"),
        "days",
        3,
        "上海市禁毒条例 Art. 36（3个工作日；全国无统一规定，默认值）",
        1,
        30,
        "全国无统一规定",
        fallback=True,
    ),
    RuleSpec(
        POLICE_PHASE_MIN,
        _("公安戒毒所执行后移送司法行政戒毒所：最早（月）"),
        "months",
        3,
        "戒毒条例 Art. 27",
        0,
        12,
        "戒毒条例 Art. 27（公安戒毒所执行不得超过12个月）",
    ),
    RuleSpec(
        POLICE_PHASE_MAX,
        _("公安戒毒所执行后移送司法行政戒毒所：最迟（月）"),
        "months",
        6,
        "戒毒条例 Art. 27",
        1,
        12,
        "戒毒条例 Art. 27（公安戒毒所执行不得超过12个月）",
    ),
    RuleSpec(
        TERM_ENDING_DAYS,
        _("工作清单：提示期限届满的提前天数"),
        "days",
        30,
        "默认值（全国无规定）",
        1,
        120,
        "—",
        fallback=True,
    ),
)
