"""Reporting periods: a year (`2025`), a quarter (`2025-Q3`) or a month (`2025-07`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from jiedu.core import clock
from jiedu.measures.clocks import add_months

_PATTERN = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{2})))?$")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last day
    code: str

    @property
    def as_of(self) -> date:
        """Stock figures (existing users, …) are counted on this day: the period's last day, or
        today while the period runs."""
        return min(self.end, clock.today())

    @property
    def label(self) -> str:
        year, _sep, rest = self.code.partition("-")
        if not rest:
            return _("%(year)s年") % {"year": year}
        if rest.startswith("Q"):
            return _("%(year)s年第%(q)s季度") % {"year": year, "q": rest[1]}
        return _("%(year)s年%(month)s月") % {"year": year, "month": int(rest)}

    def months(self) -> list[date]:
        """First days of the months in the period up to today's month."""
        first, months = self.start, []
        while first <= self.as_of:
            months.append(first)
            first = add_months(first, 1)
        return months

    def previous_years(self, count: int) -> list[Period]:
        """This period's year and the `count - 1` years before it (for trend charts)."""
        year = self.start.year
        return [parse_period(str(y)) for y in range(year - count + 1, year + 1)]


def parse_period(text: str | None) -> Period:
    """The period named by `text`; the current year when empty. Raises ValueError if malformed."""
    text = (text or "").strip() or str(clock.today().year)
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(text)
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise ValueError(text)
    if match.group(2):
        quarter = int(match.group(2))
        start = date(year, 3 * quarter - 2, 1)
        end = add_months(start, 3) - timedelta(days=1)
    elif match.group(3):
        month = int(match.group(3))
        if not 1 <= month <= 12:
            raise ValueError(text)
        start = date(year, month, 1)
        end = add_months(start, 1) - timedelta(days=1)
    else:
        start, end = date(year, 1, 1), date(year, 12, 31)
    return Period(start, end, text)
