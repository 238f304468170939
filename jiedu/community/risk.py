"""Risk classes of persons under a community measure (分级分类管控, PLAN16 §12), from facts.

Pure: no database. `services.credit.refresh_case` gathers the facts of a case and the configured
levels; `classify` answers the class and the codes of the criteria that hold.

National (RISK 2016, domain.md §6.3, *secondary source*): classes 高 / 中 / 低; high-risk examples
are refusing the measure, a serious breach (戒毒条例 Art. 20), a suicide or self-harm tendency,
psychiatric abnormality, loss of control, and severe disability or illness that prevents custody.
Medium criteria are not national: Jiedu's defaults (a positive, refused or evaded test or an
unapproved absence within the look-back, credit tier 不合格, days without a check-in) are flagged
as defaults, and every criterion's weight is a rule (`community.risk.<code>`: 0 off, 1 medium,
2 high) a province re-weights.

Only the weights are data. A province with a different set of classes — Zhejiang's A / B / C1 /
C2, where C2 (long-term low) needs the abstinence duration (ZJ2022) — needs a new classifier and a
new `RiskClass` choice set, not new values for these rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from jiedu.measures.clocks import add_months

from .choices import CreditTier, RiskClass
from .credit_rules import HIGH, MEDIUM, OFF


@dataclass(frozen=True)
class RiskFacts:
    """What is known about one case on day `on`; dates are the latest of their kind (None:
    never)."""

    on: date
    measure_refused: bool = False  # the measure's status is "refused" (戒毒条例 Art. 14)
    open_refusal_referral: bool = False  # a refusal reported to the police, not yet decided
    serious_breach_since: date | None = None  # 戒毒条例 Art. 20
    self_harm_tendency: bool = False
    psychiatric_abnormality: bool = False
    loss_of_control: bool = False
    severe_illness: bool = False
    last_positive_on: date | None = None  # not overturned by a negative re-test
    last_refused_test_on: date | None = None  # refused or evaded
    last_unapproved_absence_on: date | None = None  # the day back, or `on` while still away
    credit_tier: str = ""  # "" when credit is not enabled
    portal_since: date | None = None  # None: no active portal account
    last_checkin_on: date | None = None


@dataclass(frozen=True)
class Criteria:
    """The configured weights (code -> OFF / MEDIUM / HIGH) and the two figures they read."""

    levels: Mapping[str, int]
    lookback_months: int = 12
    checkin_gap_days: int = 7


def _within(day: date | None, facts: RiskFacts, criteria: Criteria) -> bool:
    # "Within the last N months": from the same calendar day N months back (clamped to the
    # month's end), the day itself included.
    if day is None:
        return False
    start = add_months(facts.on, -criteria.lookback_months)
    return start <= day <= facts.on


def days_without_checkin(facts: RiskFacts) -> int | None:
    """Whole days since the last check-in (or since the account was opened); None without an
    account."""
    if facts.portal_since is None:
        return None
    last = max(d for d in (facts.last_checkin_on, facts.portal_since) if d is not None)
    return (facts.on - last).days


def _checkin_gap(facts: RiskFacts, criteria: Criteria) -> bool:
    gap = days_without_checkin(facts)
    return gap is not None and gap >= criteria.checkin_gap_days  # "N天以上": >= N


TESTS: dict[str, Callable[[RiskFacts, Criteria], bool]] = {
    "refusal": lambda f, c: f.measure_refused or f.open_refusal_referral,
    "serious_breach": lambda f, c: f.serious_breach_since is not None,
    "self_harm": lambda f, c: f.self_harm_tendency,
    "psychiatric": lambda f, c: f.psychiatric_abnormality,
    "loss_of_control": lambda f, c: f.loss_of_control,
    "severe_illness": lambda f, c: f.severe_illness,
    "positive_test": lambda f, c: _within(f.last_positive_on, f, c),
    "refused_test": lambda f, c: _within(f.last_refused_test_on, f, c),
    "unapproved_absence": lambda f, c: _within(f.last_unapproved_absence_on, f, c),
    "credit_fail": lambda f, c: f.credit_tier == CreditTier.FAIL,
    "checkin_gap": _checkin_gap,
}

# The sentences shown for each reason; %(months)s and %(days)s are the configured figures.
REASON_TEXT = {
    "refusal": _("拒绝接受社区戒毒（康复）"),
    "serious_breach": _("严重违反社区戒毒（康复）协议"),
    "self_harm": _("有自杀、自伤倾向"),
    "psychiatric": _("精神异常"),
    "loss_of_control": _("失控（下落不明）"),
    "severe_illness": _("严重残疾或患有严重疾病，不宜收押"),
    "positive_test": _("近%(months)s个月内吸毒检测结果阳性"),
    "refused_test": _("近%(months)s个月内拒绝或逃避吸毒检测"),
    "unapproved_absence": _("近%(months)s个月内擅自离开执行地"),
    "credit_fail": _("信用等级为“不合格”"),
    "checkin_gap": _("开通本人端后连续%(days)s天以上未签到"),
}
# Reasons that reveal health: shown only to users holding `people.view_health`.
HEALTH_REASONS = frozenset({"psychiatric"})
HEALTH_PLACEHOLDER = _("健康原因")

_CLASS_OF_LEVEL = {HIGH: RiskClass.HIGH, MEDIUM: RiskClass.MEDIUM, OFF: RiskClass.LOW}


def classify(facts: RiskFacts, criteria: Criteria) -> tuple[str, list[str]]:
    """(risk class, codes of the criteria that hold, highest level first). The highest level
    among them decides; none gives 低风险."""
    hits = []
    for code, test in TESTS.items():
        level = criteria.levels.get(code, OFF)
        if level > OFF and test(facts, criteria):
            hits.append((level, code))
    top = max((level for level, _code in hits), default=OFF)
    ordered = [code for level, code in sorted(hits, key=lambda h: -h[0])]
    return _CLASS_OF_LEVEL[top], ordered


def reason_text(code: str, *, may_see_health: bool, months: int = 12, days: int = 7) -> str:
    """The sentence for one stored reason code, hiding health reasons from users who may not see
    health information."""
    if code in HEALTH_REASONS and not may_see_health:
        return str(HEALTH_PLACEHOLDER)
    text = REASON_TEXT.get(code)
    if text is None:
        return code  # a criterion removed since the reason was stored
    return str(text) % {"months": months, "days": days}
