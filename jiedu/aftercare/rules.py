"""Rules of the follow-up after a measure ends (后续照管).

No national rule fixes when released persons are visited (domain.md §7.1: "make this a
configurable rule with this default"), so the visit months are Jiedu defaults — 1, 3, 6, 12, 24
and 36 months after release (issue 6) — that a province, city, county or township may change at
`/rules/`. The plan made on release keeps the months in force on its first day.

A configured value (`core.RuleValue.value`) is one integer, so the list of months is stored as
one rule per visit: `aftercare.visit_months.1` … `.8`, each the month of that visit counted from
release, 0 for no visit. `visit_months()` reads them in force at a unit as one sorted list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jiedu.core import rules as rule_config
from jiedu.core.rules import RuleSpec, register

SOURCE = (
    "全国无统一规定；Jiedu默认值（no national figure; Jiedu default）：issue 6 / domain.md §7.1"
)
# Visits beyond five years are not follow-up: three years without relapse end dynamic control
# (戒毒条例 Art. 7; domain.md §8.3), two more cover a relapse that restarted the count.
MAX_MONTH = 60

DEFAULT_VISIT_MONTHS = (1, 3, 6, 12, 24, 36)
SLOTS = 8
VISIT_MONTH_KEYS = tuple(f"aftercare.visit_months.{n}" for n in range(1, SLOTS + 1))

# How many days before a scheduled visit falls due a visit recorded without naming one fills it
# (a visit further ahead is an extra visit, and the scheduled one stays due).
EARLY_FILL_DAYS = "aftercare.visit_early_fill_days"
# The follow-up list's "due soon" filter and the work list look this far ahead.
DUE_SOON_DAYS = "aftercare.due_soon_days"
WORKLIST_DAYS = "aftercare.worklist_days"

register(
    *(
        RuleSpec(
            key,
            format_lazy(_("后续照管第{n}次回访：解除后第几个月（0=不安排）"), n=n),
            "months",
            DEFAULT_VISIT_MONTHS[n - 1] if n <= len(DEFAULT_VISIT_MONTHS) else 0,
            SOURCE,
            1 if n == 1 else 0,  # at least one visit
            MAX_MONTH,
            SOURCE,
            fallback=True,
        )
        for n, key in enumerate(VISIT_MONTH_KEYS, start=1)
    ),
    RuleSpec(
        EARLY_FILL_DAYS,
        _("回访提前登记：应回访日前多少天内的回访计入该次回访"),
        "days",
        30,
        SOURCE,
        0,
        90,
        SOURCE,
        fallback=True,
    ),
    RuleSpec(
        DUE_SOON_DAYS,
        _("后续照管名单“即将到期”的天数"),
        "days",
        30,
        SOURCE,
        1,
        90,
        SOURCE,
        fallback=True,
    ),
    RuleSpec(
        WORKLIST_DAYS,
        _("工作清单提前提示回访的天数"),
        "days",
        7,
        SOURCE,
        0,
        30,
        SOURCE,
        fallback=True,
    ),
)


@dataclass(frozen=True)
class VisitSchedule:
    months: list[int]
    source: str
    is_default: bool


def visit_months(unit, on: date | None = None) -> VisitSchedule:
    """The visit months in force at `unit` on day `on`: sorted, without zeros and repeats."""
    resolved = [rule_config.resolve(key, unit, on) for key in VISIT_MONTH_KEYS]
    months = sorted({r.value for r in resolved if r.value > 0})
    local = [r for r in resolved if r.org_unit is not None]
    if not local:
        return VisitSchedule(months, SOURCE, True)
    sources = list(dict.fromkeys(f"{r.org_unit}：{r.source}" for r in local))
    return VisitSchedule(months, "；".join(sources)[:200], False)
