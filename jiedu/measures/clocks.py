"""The legal clocks of the measures: every date a term or deadline falls on, computed in one place.

Conventions (domain.md §0.2), used everywhere in Jiedu:

- A **term** of N years or months counted from day D, D itself included (自…之日起计算), has as its
  last day the day before the same calendar day N later; where that calendar day does not exist,
  the last day is that month's last day. 强戒 decided 2024-03-15 → last day 2026-03-14; decided
  2024-02-29 → last day 2026-02-28.
- A **deadline** "within N days/months after D" is D + N; a month step that lands on a missing day
  clamps to the month's end (served 2024-01-10 → report by 2024-01-25; 2024-01-31 + 1 month →
  2024-02-29).
- Pauses (escape, 中止) are stored as intervals and added back; end dates are computed, never typed.

Everything here is a pure function of dates, so it is table-tested and property-tested in
`measures/tests/test_clocks.py`; models and services call it, nothing else computes a legal date.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from . import rules


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; a missing day (31st, 29 Feb) clamps to the month's end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def deadline_after(day: date, *, days: int = 0, months: int = 0) -> date:
    """The last day of "within N days / N months after `day`" (domain.md §0.2)."""
    return add_months(day, months) + timedelta(days=days)


def term_last_day(start: date, *, years: int = 0, months: int = 0) -> date:
    """Last day of a term of `years`/`months` counted from `start` inclusive (domain.md §0.2)."""
    total = 12 * years + months
    index = start.year * 12 + (start.month - 1) + total
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:  # the same calendar day does not exist: the month's last day
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)


@dataclass(frozen=True)
class Interval:
    """A pause of a term: from `start` (the day it began) to `end` (the day it ended), or open."""

    start: date
    end: date | None = None

    def days(self, today: date | None = None) -> int:
        """Days not counted: end − start (an open pause counts up to `today`)."""
        end = self.end or today or self.start
        return max((end - self.start).days, 0)


def paused_days(pauses: Iterable[Interval], today: date | None = None) -> int:
    return sum(p.days(today) for p in pauses)


@dataclass(frozen=True)
class IsolationClocks:
    """强制隔离戒毒 clocks of a decision (禁毒法 Art. 47; 戒毒条例 Art. 27, 32)."""

    term_start: date
    term_end: date
    early_release_from: date
    latest_end_with_extension: date
    transfer_due_from: date
    transfer_due_by: date
    police_stage_limit: date
    escape_days: int
    early_release_allowed: bool


def isolation_clocks(
    decided_on: date,
    *,
    escapes: Iterable[Interval] = (),
    extension_months: int = 0,
    today: date | None = None,
    police_stage_months: tuple[int, int] | None = None,
) -> IsolationClocks:
    """Every clock of a compulsory-isolation term.

    - term: 2 years from the decision (禁毒法 Art. 47; 戒毒条例 Art. 27: 自作出决定之日起计算);
    - escape time is not counted: the end moves by recapture − escape days (戒毒条例 Art. 32),
      and a person who escaped cannot be released early (戒毒条例 Art. 32; 司法部令127号 Art. 31);
    - early release from 1 year after the decision (禁毒法 Art. 47);
    - extension at most 1 year (禁毒法 Art. 47): `latest_end_with_extension` = term end + 1 year;
    - transfer from the police facility after 3–6 months, never after 12 (戒毒条例 Art. 27); a
      province without the conditions sets its own window (`police_stage_months`), still capped
      at 12 months.
    """
    escapes = list(escapes)
    max_ext = rules.ISOLATION_MAX_EXTENSION_MONTHS.value
    if not 0 <= extension_months <= max_ext:
        raise ValueError(f"extension must be 0..{max_ext} months (禁毒法 Art. 47)")
    limit = rules.POLICE_STAGE_LIMIT_MONTHS.value
    low, high = police_stage_months or (
        rules.POLICE_STAGE_MIN_MONTHS.value,
        rules.POLICE_STAGE_MAX_MONTHS.value,
    )
    if not 0 <= low <= high <= limit:
        raise ValueError(
            f"police-stage window must lie within 0..{limit} months (戒毒条例 Art. 27)"
        )
    escape_days = paused_days(escapes, today)
    years = rules.ISOLATION_TERM_YEARS.value
    shift = timedelta(days=escape_days)
    unextended_end = term_last_day(decided_on, years=years) + shift
    term_end = term_last_day(decided_on, years=years, months=extension_months) + shift
    return IsolationClocks(
        term_start=decided_on,
        term_end=term_end,
        early_release_from=add_years(decided_on, rules.ISOLATION_EARLY_RELEASE_YEARS.value),
        latest_end_with_extension=add_months(unextended_end, max_ext),
        transfer_due_from=add_months(decided_on, low),
        transfer_due_by=add_months(decided_on, high),
        police_stage_limit=add_months(decided_on, limit),
        escape_days=escape_days,
        early_release_allowed=not escapes,
    )


@dataclass(frozen=True)
class CommunityClocks:
    """社区戒毒 / 社区康复 clocks (戒毒条例 Art. 14, 24, 38; 禁毒法 Art. 33, 48)."""

    report_due_by: date
    term_start: date | None
    term_end: date | None
    suspended_days: int
    report_overdue: bool


def community_clocks(
    served_on: date,
    *,
    reported_on: date | None = None,
    term_years: int = 3,
    term_months: int = 0,
    report_in_days: int | None = None,
    suspensions: Iterable[Interval] = (),
    today: date | None = None,
) -> CommunityClocks:
    """Clocks of a community measure served on `served_on`.

    - report within 15 days of receiving the decision (戒毒条例 Art. 14, 38); a province may set
      fewer days (浙江省禁毒条例 Art. 37: 2 days) — pass its rule as `report_in_days`;
    - the term (3 years for 社区戒毒, 禁毒法 Art. 33; up to 3 years for 社区康复, 禁毒法 Art. 48)
      runs from the day the person reports (戒毒条例 Art. 14);
    - time suspended (中止) while detained or arrested is added back (戒毒条例 Art. 24).
    - not reporting by the due day is a refusal (拒绝接受社区戒毒, 禁毒法 Art. 38) once the day has
      passed: `report_overdue`.
    """
    limit = rules.COMMUNITY_REPORT_IN_DAYS.value
    days = limit if report_in_days is None else report_in_days
    if not 0 < days <= limit:
        raise ValueError(f"report window must be 1..{limit} days (戒毒条例 Art. 14)")
    if term_years * 12 + term_months > rules.COMMUNITY_TERM_YEARS.value * 12:
        raise ValueError("a community term is at most 3 years (禁毒法 Art. 33, 48)")
    due = deadline_after(served_on, days=days)
    suspended = paused_days(suspensions, today)
    if reported_on is None:
        return CommunityClocks(
            report_due_by=due,
            term_start=None,
            term_end=None,
            suspended_days=suspended,
            report_overdue=today is not None and today > due,
        )
    end = term_last_day(reported_on, years=term_years, months=term_months)
    return CommunityClocks(
        report_due_by=due,
        term_start=reported_on,
        term_end=end + timedelta(days=suspended),
        suspended_days=suspended,
        report_overdue=reported_on > due,
    )
