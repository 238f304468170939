"""Statutory constants of the measures: value, unit and source, versioned by effective date.

National law sets these; they change only when the text is amended, so they live here as data with
their citation (domain.md §0.1), not as literals in code. Locally variable rules (a province's
shorter reporting window, notice days) are configuration records and come with the rules
configuration of the measures module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Statute:
    key: str
    value: int
    unit: str
    source: str
    effective_from: date


_LAW = date(2008, 6, 1)  # 禁毒法 in force
_REG = date(2011, 6, 26)  # 戒毒条例

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

ALL = [
    ISOLATION_TERM_YEARS,
    ISOLATION_EARLY_RELEASE_YEARS,
    ISOLATION_MAX_EXTENSION_MONTHS,
    POLICE_STAGE_MIN_MONTHS,
    POLICE_STAGE_MAX_MONTHS,
    POLICE_STAGE_LIMIT_MONTHS,
    COMMUNITY_TERM_YEARS,
    COMMUNITY_REPORT_IN_DAYS,
]
