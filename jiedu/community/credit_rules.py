"""Rules of credit points (戒毒人员信用管理) and risk classes (分级分类管控) of community cases.

Neither has a national figure (domain.md §6.3, §6.7; PLAN16 §12 only asks for 积分预警 and
分级分类管控), so every value here is a Jiedu default (`fallback=True`) a province, city, county or
township may change through the rules page (`jiedu.core.rules`):

- One point rule per event code (`community.credit.points.<code>`), resolved at the case's unit on
  the day of the event, so a province's new figure counts from its effective day.
- The score: a base (`community.credit.base`) plus the points dated within the last
  `community.credit.window_days` days (the day itself included), clamped to 0..100.
- The tiers 优良 / 合格 / 不合格 (the seed grades of §6.7, no source confirms them): score ≥
  `community.credit.tier_good` is 优良, ≥ `community.credit.tier_pass` is 合格, else 不合格.
- `community.credit.enabled` (1/0). domain.md §6.7 says credit management is off unless a
  province turns it on; issue 5 asks Jiedu to show it, so Jiedu ships 1 — flagged as a default on
  the rules page. A unit that sets 0 gets no new points and no tier: only the points history stays.
- One risk criterion per code (`community.risk.<code>`) with value 0 (not counted), 1 (medium) or
  2 (high): the national high-risk examples (RISK 2016, *secondary source*) default to 2, the
  medium criteria are Jiedu's own defaults (1).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jiedu.core.rules import RuleSpec, register

_NO_NATIONAL = "全国无统一规定；Jiedu默认值（no national figure; Jiedu default）"
_RISK_SOURCE = "全国社会面吸毒人员风险分类（2016-06-06，二手资料）"

# Value kinds of core.rules.UNIT_LABELS: an on/off switch and a risk weight.
FLAG = "flag"
LEVEL = "level"

# The score's scale: a definition of the score, not a rule (base and thresholds live inside it).
SCORE_MIN = 0
SCORE_MAX = 100

CREDIT_ENABLED = "community.credit.enabled"
CREDIT_BASE = "community.credit.base"
CREDIT_WINDOW_DAYS = "community.credit.window_days"
TIER_GOOD = "community.credit.tier_good"
TIER_PASS = "community.credit.tier_pass"
POINTS_RANGE = (-50, 50)


@dataclass(frozen=True)
class CreditEvent:
    """One kind of event that scores credit points; `label` is the event in the sentence the
    person and the worker read ("2026-03-02 检测结果阴性 +2")."""

    code: str
    label: str
    default: int

    @property
    def key(self) -> str:
        return points_key(self.code)


def points_key(code: str) -> str:
    return f"community.credit.points.{code}"


EVENTS: dict[str, CreditEvent] = {
    e.code: e
    for e in (
        CreditEvent("checkin_on_time", _("按时签到"), 1),
        CreditEvent("checkin_missed", _("当日未签到"), -1),
        CreditEvent("test_negative", _("吸毒检测结果阴性"), 2),
        CreditEvent("test_positive", _("吸毒检测结果阳性"), -20),
        CreditEvent("test_refused", _("拒绝接受吸毒检测"), -10),
        CreditEvent("test_evaded", _("逃避吸毒检测"), -10),
        CreditEvent("talk_attended", _("按要求参加谈话教育、走访"), 1),
        CreditEvent("talk_missed", _("未按要求参加谈话教育、走访"), -3),
        CreditEvent("item_missed", _("应办事项逾期未完成"), -3),
        CreditEvent("absence_unapproved", _("擅自离开执行地"), -10),
        CreditEvent("leave_kept", _("请假按期返回"), 1),
    )
}

register(
    RuleSpec(
        CREDIT_ENABLED,
        _("启用戒毒人员信用积分与信用等级（关闭时只保留积分记录，不显示等级）"),
        FLAG,
        1,
        "全国无统一规定（domain.md §6.7：默认不启用）；Jiedu按第5号需求默认启用",
        0,
        1,
        _NO_NATIONAL,
        fallback=True,
    ),
    RuleSpec(
        CREDIT_BASE,
        _("信用积分基础分"),
        "points",
        80,
        _NO_NATIONAL,
        SCORE_MIN,
        SCORE_MAX,
        "信用积分为0至100分",
        fallback=True,
    ),
    RuleSpec(
        CREDIT_WINDOW_DAYS,
        _("信用积分计算期（计入最近多少天的加减分，含当天）"),
        "days",
        90,
        _NO_NATIONAL,
        7,
        1095,
        _NO_NATIONAL,
        fallback=True,
    ),
    RuleSpec(
        TIER_GOOD,
        _("信用等级“优良”最低分（须高于“合格”最低分）"),
        "points",
        90,
        "戒毒人员信用管理（无全国规定；等级为种子值）",
        SCORE_MIN + 1,
        SCORE_MAX,
        "信用积分为0至100分",
        fallback=True,
    ),
    RuleSpec(
        TIER_PASS,
        _("信用等级“合格”最低分（低于此分为“不合格”）"),
        "points",
        60,
        "戒毒人员信用管理（无全国规定；等级为种子值）",
        SCORE_MIN,
        SCORE_MAX - 1,
        "信用积分为0至100分",
        fallback=True,
    ),
    *(
        RuleSpec(
            event.key,
            format_lazy(_("信用积分分值：{}（每次，正数加分、负数扣分）"), event.label),
            "points",
            event.default,
            _NO_NATIONAL,
            POINTS_RANGE[0],
            POINTS_RANGE[1],
            _NO_NATIONAL,
            fallback=True,
        )
        for event in EVENTS.values()
    ),
)

CREDIT_KEYS = (CREDIT_ENABLED, CREDIT_BASE, CREDIT_WINDOW_DAYS, TIER_GOOD, TIER_PASS)


# --- Risk classes (分级分类管控) ------------------------------------------------------------------

OFF, MEDIUM, HIGH = 0, 1, 2

RISK_LOOKBACK_MONTHS = "community.risk.lookback_months"
RISK_CHECKIN_GAP_DAYS = "community.risk.checkin_gap_days"


@dataclass(frozen=True)
class RiskCriterion:
    """One risk criterion: its code (the `risk_reasons` entry), its default level and where that
    comes from. The test itself lives in `risk.py`; the label there."""

    code: str
    label: str  # what the rule is, for the rules page
    default: int
    source: str

    @property
    def key(self) -> str:
        return risk_key(self.code)


def risk_key(code: str) -> str:
    return f"community.risk.{code}"


# RISK 2016 (domain.md §6.3, *secondary source*) lists these high-risk examples; the national
# list is said to have six, only these are known. The medium criteria are Jiedu defaults.
CRITERIA: dict[str, RiskCriterion] = {
    c.code: c
    for c in (
        RiskCriterion("refusal", _("风险判定：拒绝接受社区戒毒（康复）"), HIGH, _RISK_SOURCE),
        RiskCriterion(
            "serious_breach",
            _("风险判定：严重违反社区戒毒（康复）协议（戒毒条例第二十条）"),
            HIGH,
            _RISK_SOURCE,
        ),
        RiskCriterion("self_harm", _("风险判定：有自杀、自伤倾向"), HIGH, _RISK_SOURCE),
        RiskCriterion("psychiatric", _("风险判定：精神异常"), HIGH, _RISK_SOURCE),
        RiskCriterion("loss_of_control", _("风险判定：失控（下落不明）"), HIGH, _RISK_SOURCE),
        RiskCriterion("severe_illness", _("风险判定：严重残疾或疾病不宜收押"), HIGH, _RISK_SOURCE),
        RiskCriterion("positive_test", _("风险判定：回溯期内检测阳性"), MEDIUM, _NO_NATIONAL),
        RiskCriterion("refused_test", _("风险判定：回溯期内拒绝或逃避检测"), MEDIUM, _NO_NATIONAL),
        RiskCriterion(
            "unapproved_absence", _("风险判定：回溯期内擅自离开执行地"), MEDIUM, _NO_NATIONAL
        ),
        RiskCriterion("credit_fail", _("风险判定：信用等级为“不合格”"), MEDIUM, _NO_NATIONAL),
        RiskCriterion(
            "checkin_gap", _("风险判定：开通本人端后连续多日未签到"), MEDIUM, _NO_NATIONAL
        ),
    )
}

register(
    *(
        RuleSpec(
            c.key,
            c.label,
            LEVEL,
            c.default,
            c.source,
            OFF,
            HIGH,
            _NO_NATIONAL,
            fallback=True,
        )
        for c in CRITERIA.values()
    ),
    RuleSpec(
        RISK_LOOKBACK_MONTHS,
        _("风险判定回溯期（检测阳性、拒绝逃避检测、擅自离开计入最近多少个月）"),
        "months",
        12,
        _NO_NATIONAL,
        1,
        60,
        _NO_NATIONAL,
        fallback=True,
    ),
    RuleSpec(
        RISK_CHECKIN_GAP_DAYS,
        _("风险判定：开通本人端后连续未签到天数（天以上）"),
        "days",
        7,
        _NO_NATIONAL,
        1,
        90,
        _NO_NATIONAL,
        fallback=True,
    ),
)

RISK_KEYS = (*(c.key for c in CRITERIA.values()), RISK_LOOKBACK_MONTHS, RISK_CHECKIN_GAP_DAYS)
ALL_KEYS = (*CREDIT_KEYS, *RISK_KEYS)
