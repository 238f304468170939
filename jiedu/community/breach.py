"""严重违反社区戒毒（康复）协议: the arithmetic of 戒毒条例 Art. 20, pure (no database).

Any one of three grounds is a serious breach (domain.md §2.6):

- evading or refusing a drug test 3 or more times ("3次以上" = ``>= 3``, domain.md §0.2);
- leaving the county of execution without permission 3 or more times (``>= 3``);
- leaving without permission for more than 30 days in total ("累计超过30日" = ``> 30``).

The thresholds come in as arguments (configured rules `community.breach.*`), never as literals.

Counting conventions (documented here because the statute does not spell them out):

- Days of an absence are counted inclusively, every calendar day from the day of leaving to the
  day of return (the Absence model's docstring); an absence still open counts up to the day of
  the count. Facts after that day are ignored, so a count "as of" a past day is reproducible.
- Two absences recorded for the same days (the worker and a device, or a period entered twice)
  are one time away: days are the union of the absences' days, and absences that share a day
  merge into one before they are counted. Absences that only touch (back on the 5th, gone again
  on the 6th) stay two.
- A refused or evaded test counts once per day: two refusals recorded for the same day are one
  test occasion refused, so a duplicated entry never turns into a breach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .choices import BreachRule

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Thresholds:
    """The three figures of 戒毒条例 Art. 20, as configured at the case's unit."""

    refused_tests: int  # N or more refused/evaded tests
    absences: int  # N or more unapproved absences
    days_away: int  # more than N unapproved days away in total


@dataclass(frozen=True)
class Period:
    """One time away: from `left_on` to `returned_on` inclusive; `returned_on` None while away."""

    left_on: date
    returned_on: date | None = None


@dataclass(frozen=True)
class BreachCount:
    refused_or_evaded_tests: int
    unapproved_absences: int
    unapproved_days_away: int
    met: tuple[str, ...]  # BreachRule values, in the order of Art. 20
    # The day the first ground was met: the Nth refusal's day, the Nth absence's first day, or
    # the day the total days away first exceeded the limit (the earliest when several are met).
    since: date | None
    # The day each met ground was crossed, by BreachRule value.
    crossed_on: dict[str, date]

    @property
    def serious(self) -> bool:
        return bool(self.met)


def merged_periods(periods: Iterable[Period], on: date) -> list[tuple[date, date]]:
    """The periods as of day `on`, clipped to it and merged where they share a day, in order.
    Each item is (first day, last day), both inclusive."""
    spans = []
    for p in periods:
        if p.left_on > on:
            continue  # not yet left on that day
        end = on if p.returned_on is None else min(p.returned_on, on)
        if end < p.left_on:
            continue  # a malformed period (return before leaving) counts nothing
        spans.append((p.left_on, end))
    spans.sort()
    merged: list[tuple[date, date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:  # shares at least one day with the previous
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def count_breach(
    test_days: Iterable[date],
    absences: Iterable[Period],
    on: date,
    thresholds: Thresholds,
) -> BreachCount:
    """Count the facts behind 戒毒条例 Art. 20 as of day `on` and say which grounds are met.

    `test_days`: the days of refused or evaded tests; `absences`: the unapproved absences only
    (an approved absence never counts, so the caller leaves it out)."""
    days = sorted({d for d in test_days if d <= on})
    spans = merged_periods(absences, on)
    total_days = sum((end - start).days + 1 for start, end in spans)

    crossed: dict[str, date] = {}
    # 戒毒条例 Art. 20: 逃避或者拒绝接受检测3次以上 (>= N).
    if thresholds.refused_tests > 0 and len(days) >= thresholds.refused_tests:
        crossed[BreachRule.REFUSED_TESTS] = days[thresholds.refused_tests - 1]
    # 戒毒条例 Art. 20: 擅自离开执行地所在县（市、区）3次以上 (>= N).
    if thresholds.absences > 0 and len(spans) >= thresholds.absences:
        crossed[BreachRule.ABSENCES] = spans[thresholds.absences - 1][0]
    # 戒毒条例 Art. 20: 擅自离开…累计超过30日 (> N): the day the (N+1)th day away falls on.
    if total_days > thresholds.days_away:
        crossed[BreachRule.DAYS_AWAY] = _nth_day(spans, thresholds.days_away + 1)

    met = tuple(rule for rule in BreachRule.values if rule in crossed)
    return BreachCount(
        refused_or_evaded_tests=len(days),
        unapproved_absences=len(spans),
        unapproved_days_away=total_days,
        met=met,
        since=min(crossed.values()) if crossed else None,
        crossed_on={rule: crossed[rule] for rule in met},
    )


def _nth_day(spans: list[tuple[date, date]], n: int) -> date:
    """The `n`th day (1-based) counted through the merged spans in order."""
    for start, end in spans:
        length = (end - start).days + 1
        if n <= length:
            return start + timedelta(days=n - 1)
        n -= length
    raise ValueError("fewer days than asked for")
