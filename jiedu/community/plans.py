"""Schedule plans of 社区戒毒 / 社区康复: the shipped defaults and the plan in force.

Nationally the only rule is that the person takes drug tests "periodically, as the police
require" (禁毒法 Art. 35; 戒毒条例 Art. 19): there is no national figure for how often. Jiedu
therefore ships the schedule of one township as a **default**, flagged as such (domain.md §2.9–2.10,
local example JX: 金厢镇社区戒毒社区康复工作实施细则, 2025-01-03), and a province, city, county or
township replaces it with its own `SchedulePlan` versions:

- 社区戒毒: scheduled tests monthly in year 1, every 2 months in year 2, quarterly in year 3
  (12 + 6 + 4 = 22); talks, home visits and self-reports monthly;
- 社区康复: scheduled tests every 2 months, quarterly, every 6 months (6 + 4 + 2 = 12); talks,
  home visits and self-reports every 2 months;

and at least 3 random (surprise) tests a year for both.

A plan is rows of (`kind`, `from_month`, `to_month`, `interval_months`): months of the term,
1-based and inclusive; within a row one item is owed per interval, the period running from the
first month of the interval to the last day of its last month (term arithmetic of
`measures.clocks`). `resolve_plan` picks the row in force exactly like the monthly approval chain
(`centres.services.points.resolve_chain`): the most specific unit's latest version whose
`effective_from` has come, else the default.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.refusals import Refusal
from jiedu.measures.choices import MeasureKind

from .choices import PLANNED_KINDS, DueKind
from .models import SchedulePlan
from .services.common import zh

MAX_MONTH = 36  # 禁毒法 Art. 33, 48: a community term is at most 3 years
MAX_INTERVAL = 12
MAX_RANDOM_PER_YEAR = 24
# At least 3 surprise tests a year (domain.md §2.9, JX: "≥3 per year"); a province may ask more.
MIN_RANDOM_PER_YEAR = 3

DEFAULT_SOURCE = _(
    "默认计划（全国无统一规定：禁毒法第三十五条、戒毒条例第十九条仅要求定期检测；"
    "地方示例：金厢镇社区戒毒社区康复工作实施细则，2025）"
)


def _row(kind: str, from_month: int, to_month: int, interval: int) -> dict:
    return {
        "kind": str(kind),
        "from_month": from_month,
        "to_month": to_month,
        "interval_months": interval,
    }


def _contacts(interval: int) -> list[dict]:
    # JX: home visits / talks and the person's own reports, ≥1 per month (社戒) or per 2 months
    # (社康) over the whole term.
    return [
        _row(DueKind.TALK, 1, MAX_MONTH, interval),
        _row(DueKind.HOME_VISIT, 1, MAX_MONTH, interval),
        _row(DueKind.SELF_REPORT, 1, MAX_MONTH, interval),
    ]


# No national figure (禁毒法 Art. 35; 戒毒条例 Art. 19): the JX township's schedule, a default.
DEFAULT_PLANS: dict[str, dict] = {
    MeasureKind.COMMUNITY_DRUG_REHAB: {
        "rows": [
            # JX: at least monthly in year 1, every 2 months in year 2, quarterly in year 3 → 22.
            _row(DueKind.SCHEDULED_TEST, 1, 12, 1),
            _row(DueKind.SCHEDULED_TEST, 13, 24, 2),
            _row(DueKind.SCHEDULED_TEST, 25, 36, 3),
            *_contacts(1),
        ],
        "random_tests_per_year": 3,  # JX: ≥3 surprise tests a year
    },
    MeasureKind.COMMUNITY_REHABILITATION: {
        "rows": [
            # JX: every 2 months, quarterly, every 6 months → 12 in 3 years.
            _row(DueKind.SCHEDULED_TEST, 1, 12, 2),
            _row(DueKind.SCHEDULED_TEST, 13, 24, 3),
            _row(DueKind.SCHEDULED_TEST, 25, 36, 6),
            *_contacts(2),
        ],
        "random_tests_per_year": 3,
    },
}


@dataclass(frozen=True)
class ResolvedPlan:
    """The plan in force for one measure kind at one unit on one day."""

    measure_kind: str
    rows: list[dict]
    random_tests_per_year: int
    source: str
    effective_from: date | None
    org_unit: object | None  # None: the shipped default
    plan: SchedulePlan | None

    @property
    def is_default(self) -> bool:
        return self.plan is None


def default_plan(measure_kind: str) -> ResolvedPlan:
    data = DEFAULT_PLANS[measure_kind]
    return ResolvedPlan(
        measure_kind=str(measure_kind),
        rows=copy.deepcopy(data["rows"]),
        random_tests_per_year=data["random_tests_per_year"],
        source=zh(DEFAULT_SOURCE),  # stored on items and draws: the source language
        effective_from=None,
        org_unit=None,
        plan=None,
    )


def _resolved(row: SchedulePlan) -> ResolvedPlan:
    return ResolvedPlan(
        measure_kind=row.measure_kind,
        rows=copy.deepcopy(row.rows),
        random_tests_per_year=row.random_tests_per_year,
        source=row.source,
        effective_from=row.effective_from,
        org_unit=row.org_unit,
        plan=row,
    )


def _check_kind(measure_kind: str) -> None:
    if measure_kind not in DEFAULT_PLANS:
        raise ValueError(f"{measure_kind} is not a community measure")


def resolve_plan(unit, measure_kind: str, on: date | None = None) -> ResolvedPlan:
    """The plan in force at `unit` on `on` for `measure_kind`: the most specific unit's latest
    version that has started (like `core.rules.resolve`); the shipped default when no unit
    above has one."""
    _check_kind(measure_kind)
    on = on or clock.today()
    paths = rule_config.ancestor_paths(unit.path, type(unit).steplen)
    row = (
        SchedulePlan.objects.filter(
            org_unit__path__in=paths, measure_kind=measure_kind, effective_from__lte=on
        )
        .select_related("org_unit")
        .order_by("-org_unit__depth", "-effective_from", "-id")
        .first()
    )
    return default_plan(measure_kind) if row is None else _resolved(row)


def resolve_plans(units, on: date | None = None) -> dict[tuple[int, str], ResolvedPlan]:
    """`resolve_plan` for many units and both measure kinds in one query (the administrators'
    overview): (unit pk, measure kind) → the plan in force there."""
    on = on or clock.today()
    units = list(units)
    paths = {p for u in units for p in rule_config.ancestor_paths(u.path, type(u).steplen)}
    rows = list(
        SchedulePlan.objects.filter(org_unit__path__in=paths, effective_from__lte=on)
        .select_related("org_unit")
        .order_by("-org_unit__depth", "-effective_from", "-id")
    )
    out = {}
    for unit in units:
        mine = rule_config.ancestor_paths(unit.path, type(unit).steplen)
        for kind in DEFAULT_PLANS:
            row = next(
                (r for r in rows if r.measure_kind == kind and r.org_unit.path in mine), None
            )
            out[(unit.pk, str(kind))] = default_plan(kind) if row is None else _resolved(row)
    return out


# --- Periods -------------------------------------------------------------------------------------


def periods(row: dict, term_months: int) -> list[tuple[int, int]]:
    """The (first month, last month) of each interval of `row` within a term of `term_months`
    months: one item is owed per period. The last period of a row that does not divide evenly
    ends with the row; rows beyond the term are dropped."""
    end = min(row["to_month"], term_months)
    step = row["interval_months"]
    return [(m, min(m + step - 1, end)) for m in range(row["from_month"], end + 1, step)]


def count_items(rows: list[dict], kind: str, term_months: int = MAX_MONTH) -> int:
    """How many items of `kind` the plan owes over a term (22 scheduled tests for the 社区戒毒
    default over 36 months)."""
    return sum(len(periods(r, term_months)) for r in rows if r["kind"] == kind)


# --- Validation ----------------------------------------------------------------------------------


def _as_int(value, what, field: str = "rows") -> int:
    def refuse():
        return Refusal(
            _("%(what)s应为整数。"), code="invalid_number", params={"what": what}, field=field
        )

    if isinstance(value, bool):
        raise refuse()
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise refuse() from None


def validate_rows(rows) -> list[dict]:
    """The plan's rows in their stored shape, or a refusal at field `rows` saying what is wrong:
    kinds from PLANNED_KINDS, months 1..36 with from ≤ to, interval 1..12, no two rows of one
    kind covering the same month, and scheduled tests in the plan (戒毒条例 Art. 19: the person
    takes tests periodically)."""
    kinds = {str(k) for k in PLANNED_KINDS}
    cleaned = []
    for row in rows or []:
        if not isinstance(row, dict):
            raise Refusal(_("计划行格式不正确。"), code="invalid_row", field="rows")
        kind = str(row.get("kind", "")).strip()
        if kind not in kinds:
            raise Refusal(
                _("事项“%(kind)s”不能按周期排定（可选：定期检测、谈话教育、走访、本人汇报）。"),
                code="invalid_kind",
                params={"kind": kind},
                field="rows",
            )
        start = _as_int(row.get("from_month"), _("起始月"))
        end = _as_int(row.get("to_month"), _("截止月"))
        interval = _as_int(row.get("interval_months"), _("间隔月数"))
        if not (1 <= start <= MAX_MONTH and 1 <= end <= MAX_MONTH):
            raise Refusal(
                _("月份应在1至%(max)s之间（社区戒毒、社区康复期限不超过三年）。"),
                code="month_out_of_range",
                params={"max": MAX_MONTH},
                field="rows",
            )
        if start > end:
            raise Refusal(
                _("起始月（%(start)s）不能晚于截止月（%(end)s）。"),
                code="month_order",
                params={"start": start, "end": end},
                field="rows",
            )
        if not 1 <= interval <= MAX_INTERVAL:
            raise Refusal(
                _("间隔月数应在1至%(max)s之间。"),
                code="interval_out_of_range",
                params={"max": MAX_INTERVAL},
                field="rows",
            )
        cleaned.append(_row(kind, start, end, interval))
    if not cleaned:
        raise Refusal(_("计划至少应有一行。"), code="rows_required", field="rows")
    by_kind: dict[str, list[dict]] = {}
    for row in cleaned:
        by_kind.setdefault(row["kind"], []).append(row)
    for kind, kind_rows in by_kind.items():
        kind_rows.sort(key=lambda r: r["from_month"])
        for before, after in itertools.pairwise(kind_rows):
            if after["from_month"] <= before["to_month"]:
                raise Refusal(
                    _("“%(kind)s”的第%(a)s–%(b)s月与第%(c)s–%(d)s月重叠。"),
                    code="rows_overlap",
                    params={
                        "kind": str(DueKind(kind).label),
                        "a": before["from_month"],
                        "b": before["to_month"],
                        "c": after["from_month"],
                        "d": after["to_month"],
                    },
                    field="rows",
                )
    if str(DueKind.SCHEDULED_TEST) not in by_kind:
        raise Refusal(
            _("计划应包括定期检测（戒毒条例第十九条：按要求定期接受检测）。"),
            code="tests_required",
            field="rows",
        )
    order = {str(k): i for i, k in enumerate(PLANNED_KINDS)}
    return sorted(cleaned, key=lambda r: (order[r["kind"]], r["from_month"]))


def validate_random_count(value) -> int:
    number = _as_int(value, _("每年随机抽检次数"), "random_tests_per_year")
    if not MIN_RANDOM_PER_YEAR <= number <= MAX_RANDOM_PER_YEAR:
        raise Refusal(
            _("每年随机抽检次数应在%(min)s至%(max)s之间。"),
            code="random_out_of_range",
            params={"min": MIN_RANDOM_PER_YEAR, "max": MAX_RANDOM_PER_YEAR},
            field="random_tests_per_year",
        )
    return number
