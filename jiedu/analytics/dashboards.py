"""The dashboards' live figures and chart data.

The indicators of `indicators.py` are counted from the fact tables by period. A facility's and a
township's dashboards also show what stands today — persons held against beds and police,
persons by zone, what is overdue, community cases by risk class and credit tier — read from the
records themselves: each table once for a unit's whole subtree (a fixed number of queries,
whatever the number of facilities, cases or persons). Every live figure is defined once in
`LIVE` with its definition and source, and `live_person_ids()` gives the persons behind it with
the same filter as its count, as `indicators.person_ids()` does for the indicators.

Chart data are plain dicts (JSON) that `static/analytics/dashboard.js` turns into ECharts
options; the page shows the same figures as HTML, so nothing depends on the script.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jiedu.aftercare import rules as aftercare_rules
from jiedu.aftercare.choices import PlanStatus
from jiedu.aftercare.models import FollowUpPlan, FollowUpVisit
from jiedu.community.choices import CaseState, CreditTier, DueStatus, RiskClass
from jiedu.community.models import CommunityCase, DueItem
from jiedu.core import rules as rule_config
from jiedu.facilities.choices import ZoneKind
from jiedu.facilities.models import Admission, Bed, FacilityProfile
from jiedu.measures.choices import COMMUNITY_KINDS, MeasureStatus, NoticeKind
from jiedu.measures.models import Measure, Notice
from jiedu.orgs.choices import UnitKind

from . import indicators
from .indicators import INDICATORS, RATES, SurvivalCurve, Table
from .models import MonthlyTally
from .periods import Period

FACILITY_KINDS = (UnitKind.POLICE_FACILITY, UnitKind.JUDICIAL_FACILITY)
TOWNSHIP_KINDS = (UnitKind.TOWNSHIP,)

# The leader's cards (issue 6): stock figures, then the rates.
KPI_CODES = [
    "existing",
    "newly_found",
    "abstinent_3y",
    "execution_rate",
    "reporting_rate",
    "test_completion_rate",
    "abstinence_rate_1y",
    "abstinence_rate_2y",
    "abstinence_rate_3y",
    "visit_completion_rate",
]
# The drill-down table's columns (the Excel export has every indicator and rate).
TABLE_CODES = [
    "registered",
    "existing",
    "newly_found",
    "abstinent_3y",
    "dead",
    "departed",
    "isolation_decided",
    "community_due",
    "community_executed",
    "execution_rate",
    "reporting_rate",
    "test_completion_rate",
    "released",
    "abstinence_rate_1y",
    "visit_completion_rate",
]
TREND_CODES = ["existing", "newly_found", "abstinent_3y"]
TREND_YEARS = 5
EVALUATION_CODES = [
    "evaluations_early_release",
    "evaluations_on_time_release",
    "evaluations_extension",
]


# --- live figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Today:
    """The day the live figures are counted on, and the end of the follow-up "due soon" window
    (rule `aftercare.due_soon_days`, as the follow-up list uses)."""

    day: date
    soon: date


@dataclass(frozen=True)
class Source:
    """A record table the live figures count: its model, where its unit is, whose record it is."""

    model: type
    path: str
    person: str


SOURCES = {
    "admission": Source(Admission, "facility__path", "person_id"),
    "notice": Source(Notice, "owed_by__path", "measure__person_id"),
    "measure": Source(Measure, "executing_unit__path", "person_id"),
    "dueitem": Source(DueItem, "case__unit__path", "person_id"),
    "plan": Source(FollowUpPlan, "unit__path", "person_id"),
    "case": Source(CommunityCase, "unit__path", "person_id"),
}


PERSONS = _("人")


@dataclass(frozen=True)
class LiveFigure:
    code: str
    label: str
    definition: str
    source: str
    table: str  # a key of SOURCES
    q: Callable[[Today], Q]
    counts: str = PERSONS  # what one counted record is


def _held(t: Today) -> Q:
    return Q(left_on__isnull=True)


def _notices_overdue(t: Today) -> Q:
    # A release notice for a measure that has already ended is moot (as on the work list).
    moot = Q(
        kind=NoticeKind.RELEASE_DECIDING_ORGAN,
        measure__status__in=(MeasureStatus.ENDED, MeasureStatus.TERMINATED),
    )
    return Q(sent_on__isnull=True, due_on__lt=t.day) & ~moot


def _open_slots():
    return FollowUpVisit.objects.filter(
        plan=OuterRef("pk"), visited_on__isnull=True, due_on__isnull=False
    )


def _visits_overdue(t: Today) -> Q:
    return Q(status=PlanStatus.OPEN) & Q(Exists(_open_slots().filter(due_on__lt=t.day)))


def _visits_due_soon(t: Today) -> Q:
    # The plan's next visit falls in the window (an overdue plan counts as overdue only), as the
    # follow-up list's "即将到期" filter reads it.
    return (
        Q(status=PlanStatus.OPEN)
        & ~Q(Exists(_open_slots().filter(due_on__lt=t.day)))
        & Q(Exists(_open_slots().filter(due_on__gte=t.day, due_on__lte=t.soon)))
    )


def _open_case(t: Today) -> Q:
    return ~Q(state=CaseState.CLOSED)


def _graded(choices):
    """(code suffix, stored value, label) of each grade, and "none" for cases not yet graded
    (stored blank)."""
    return [*((v, v, label) for v, label in choices.choices), ("none", "", _("未评定"))]


_SRC_FACILITY = "禁毒法 Art. 41；司法部令第127号"
_SRC_NOTICES = "禁毒法 Art. 40；戒毒条例 Art. 23, 33, 34, 40；司法部令第127号 Art. 15"
_SRC_RISK = "全国社会面吸毒人员风险分类（domain.md §6.3）"
_SRC_CREDIT = "戒毒人员信用管理（domain.md §6.7，Jiedu默认等级）"
_SRC_AFTERCARE = "戒毒条例 Art. 7；后续照管回访计划（Jiedu默认：解除后第1、3、6、12、24、36个月）"

LIVE: dict[str, LiveFigure] = {
    f.code: f
    for f in [
        LiveFigure(
            "facility_held",
            _("在所人数"),
            _("今日在所的强制隔离戒毒人员（含外出探视、所外就医、脱逃未归）"),
            _SRC_FACILITY,
            "admission",
            _held,
        ),
        *[
            LiveFigure(
                f"zone_{kind.value}",
                format_lazy(_("在所人数：{zone}"), zone=kind.label),
                format_lazy(_("今日在所、分在{zone}的人员"), zone=kind.label),
                "强制隔离戒毒统一模式（domain.md §3.4）",
                "admission",
                lambda t, kind=kind: Q(left_on__isnull=True, zone__kind=kind),
            )
            for kind in ZoneKind
        ],
        LiveFigure(
            "notices_overdue",
            _("法定通知逾期未发"),
            _("应通知日期已过仍未登记通知的法定通知（单位为应通知单位）"),
            _SRC_NOTICES,
            "notice",
            _notices_overdue,
            _("份"),
        ),
        LiveFigure(
            "report_overdue",
            _("逾期未报到"),
            _("社区戒毒、社区康复已决定、报到期限已过仍未报到的（视为拒绝，应报告公安机关）"),
            "戒毒条例 Art. 14, 21；禁毒法 Art. 38",
            "measure",
            lambda t: Q(
                kind__in=COMMUNITY_KINDS,
                status=MeasureStatus.ORDERED,
                report_due_by__lt=t.day,
            ),
        ),
        LiveFigure(
            "items_overdue",
            _("社区应办事项逾期"),
            _("未结案个案中应完成日期已过仍未完成的检测、谈话、走访、本人汇报"),
            "禁毒法 Art. 35；戒毒条例 Art. 19；检测与走访计划",
            "dueitem",
            lambda t: Q(status=DueStatus.OPEN, due_on__lt=t.day) & ~Q(case__state=CaseState.CLOSED),
            _("项"),
        ),
        LiveFigure(
            "visits_overdue",
            _("回访逾期"),
            _("在照管的计划中，有已到期未回访的（按计划计）"),
            _SRC_AFTERCARE,
            "plan",
            _visits_overdue,
        ),
        LiveFigure(
            "visits_due_soon",
            _("回访即将到期"),
            _("在照管、未逾期的计划中，下一次回访在“即将到期”天数内的（按计划计）"),
            _SRC_AFTERCARE,
            "plan",
            _visits_due_soon,
        ),
        LiveFigure(
            "cases_open",
            _("社区个案（未结案）"),
            _("今日执行地在本辖区、未结案的社区戒毒（康复）个案"),
            "禁毒法 Art. 33, 48",
            "case",
            _open_case,
        ),
        *[
            LiveFigure(
                f"cases_risk_{value}",
                format_lazy(_("风险等级：{risk}"), risk=label),
                format_lazy(_("未结案个案中风险等级为{risk}的"), risk=label),
                _SRC_RISK,
                "case",
                lambda t, stored=stored: _open_case(t) & Q(risk_class=stored),
            )
            for value, stored, label in _graded(RiskClass)
        ],
        *[
            LiveFigure(
                f"cases_credit_{value}",
                format_lazy(_("信用等级：{tier}"), tier=label),
                format_lazy(_("未结案个案中信用等级为{tier}的"), tier=label),
                _SRC_CREDIT,
                "case",
                lambda t, stored=stored: _open_case(t) & Q(credit_tier=stored),
            )
            for value, stored, label in _graded(CreditTier)
        ],
    ]
}
RISK_CODES = [f"cases_risk_{v}" for v in [*RiskClass.values, "none"]]
CREDIT_CODES = [f"cases_credit_{v}" for v in [*CreditTier.values, "none"]]
ZONE_CODES = [f"zone_{k}" for k in ZoneKind.values]
TOWNSHIP_LIVE_CODES = [
    "cases_open",
    "report_overdue",
    "items_overdue",
    "visits_overdue",
    "visits_due_soon",
    "notices_overdue",
    *RISK_CODES,
    *CREDIT_CODES,
]


def today_for(unit, day: date) -> Today:
    soon = day + timedelta(days=rule_config.value(aftercare_rules.DUE_SOON_DAYS, unit, day))
    return Today(day, soon)


def live_counts(unit, codes: list[str], t: Today) -> dict[str, int]:
    """The live figures `codes` for `unit`'s subtree: one query per record table."""
    by_table: dict[str, list[LiveFigure]] = defaultdict(list)
    for code in codes:
        by_table[LIVE[code].table].append(LIVE[code])
    out: dict[str, int] = {}
    for table, figures in by_table.items():
        source = SOURCES[table]
        qs = source.model.objects.filter(**{f"{source.path}__startswith": unit.path})
        out.update(qs.aggregate(**{f.code: Count("pk", filter=f.q(t)) for f in figures}))
    return out


def live_person_ids(code: str, prefix: str, t: Today, *, exact: bool = False):
    """The persons behind the live figure `code` (a queryset of person ids)."""
    figure = LIVE[code]
    source = SOURCES[figure.table]
    where = {source.path: prefix} if exact else {f"{source.path}__startswith": prefix}
    return source.model.objects.filter(figure.q(t), **where).values(source.person)


# --- facilities ----------------------------------------------------------------------------


@dataclass
class FacilityLoad:
    """One facility's beds, persons held and police strength today."""

    facility: object
    beds: int = 0
    occupied: int = 0  # held persons with a bed
    held: int = 0
    police_strength: int = 0
    beds_by_zone: dict[str, int] = field(default_factory=dict)
    held_by_zone: dict[str, int] = field(default_factory=dict)

    @property
    def occupancy_rate(self) -> float | None:
        return self.occupied / self.beds if self.beds else None

    @property
    def persons_per_officer(self) -> float | None:
        return self.held / self.police_strength if self.police_strength else None


def facility_loads(unit) -> tuple[list[FacilityLoad], FacilityLoad]:
    """Every facility in `unit`'s subtree (the unit itself when it is one) and their sum, in four
    queries however many facilities there are (`facilities.services.capacity` reads one)."""
    from jiedu.orgs.models import OrgUnit

    facilities = list(
        OrgUnit.objects.filter(
            path__startswith=unit.path, kind__in=FACILITY_KINDS, is_active=True
        ).order_by("path")
    )
    loads = {f.pk: FacilityLoad(f) for f in facilities}
    ids = list(loads)
    beds = (
        Bed.objects.filter(zone__facility_id__in=ids, is_active=True, zone__is_active=True)
        .values_list("zone__facility_id", "zone__kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for facility_id, kind, n in beds:
        load = loads[facility_id]
        load.beds += n
        load.beds_by_zone[kind] = load.beds_by_zone.get(kind, 0) + n
    stays = (
        Admission.objects.filter(facility_id__in=ids, left_on__isnull=True)
        .values_list("facility_id", "zone__kind")
        .annotate(
            held=Count("pk"),
            occupied=Count("pk", filter=Q(bed__isnull=False, bed__zone__is_active=True)),
        )
        .order_by()
    )
    for facility_id, kind, held, occupied in stays:
        load = loads[facility_id]
        load.held += held
        load.occupied += occupied
        key = kind or ""
        load.held_by_zone[key] = load.held_by_zone.get(key, 0) + held
    for facility_id, strength in FacilityProfile.objects.filter(facility_id__in=ids).values_list(
        "facility_id", "police_strength"
    ):
        loads[facility_id].police_strength = strength
    total = FacilityLoad(unit)
    for load in loads.values():
        total.beds += load.beds
        total.occupied += load.occupied
        total.held += load.held
        total.police_strength += load.police_strength
        for kind, n in load.beds_by_zone.items():
            total.beds_by_zone[kind] = total.beds_by_zone.get(kind, 0) + n
        for kind, n in load.held_by_zone.items():
            total.held_by_zone[kind] = total.held_by_zone.get(kind, 0) + n
    return list(loads.values()), total


def evaluations_by_month(unit, period: Period) -> dict[str, list]:
    """Completed evaluations by opinion and month of the period (one query on the tallies)."""
    months = period.months()
    rows = (
        MonthlyTally.objects.filter(
            unit_path__startswith=unit.path,
            metric__in=EVALUATION_CODES,
            month__gte=period.start,
            month__lte=period.end,
        )
        .values_list("metric", "month")
        .annotate(n=Sum("value"))
        .order_by()
    )
    found = {(metric, month): n for metric, month, n in rows}
    return {
        "months": months,
        "series": {code: [found.get((code, m), 0) for m in months] for code in EVALUATION_CODES},
    }


# --- chart data ----------------------------------------------------------------------------


def meta(code: str):
    """The Indicator, Rate or LiveFigure named `code` (label, definition, source)."""
    return INDICATORS.get(code) or RATES.get(code) or LIVE[code]


def hover(code: str) -> str:
    """The text a figure shows on hover: its definition and source."""
    m = meta(code)
    return f"{m.definition}（{_('来源')}：{m.source}）"


def _percent(value: float | None) -> float | None:
    if value is None or math.isnan(value):  # no estimate (JSON has no NaN)
        return None
    return round(100 * value, 1)


def chart_is_empty(data: dict) -> bool:
    """Whether a chart has nothing to draw (no series, or only zeros and blanks)."""
    for series in data["series"]:
        values = [series[k] for k in ("data", "survival") if k in series]
        if any(v for vs in values for v in vs):
            return False
    return True


def trend_chart(unit, period: Period) -> dict:
    periods = period.previous_years(TREND_YEARS)
    values = indicators.trend(unit, TREND_CODES, periods)
    return {
        "kind": "line",
        "categories": [p.label for p in periods],
        "series": [{"name": str(INDICATORS[c].label), "data": values[c]} for c in TREND_CODES],
    }


def rates_chart(table: Table) -> dict:
    rows = [r for r in table.rows if r.unit is not None]
    codes = ["execution_rate", "reporting_rate"]
    return {
        "kind": "bar",
        "percent": True,
        "categories": [r.unit.name for r in rows],
        "series": [
            {"name": str(RATES[c].label), "data": [_percent(r.rate(c)) for r in rows]}
            for c in codes
        ],
    }


def survival_chart(curves: list[SurvivalCurve], horizon: int = 36) -> dict:
    """Each curve as a step function over every month up to the last one observed, with its
    95% band (lower, upper) carried forward between events."""
    last = max([c.months[-1] for c in curves if c.months] or [0])
    months = list(range(0, min(last, horizon) + 1))
    series = []
    for curve in curves:
        bands = zip(curve.survival, curve.lower, curve.upper, strict=True)
        points = dict(zip(curve.months, bands, strict=True))
        current = (1.0, 1.0, 1.0)
        survival, lower, upper = [], [], []
        for m in months:
            current = points.get(m, current)
            survival.append(_percent(current[0]))
            lower.append(_percent(current[1]))
            upper.append(_percent(current[2]))
        series.append(
            {
                "name": curve.label,
                "survival": survival,
                "lower": lower,
                "upper": upper,
                "releases": curve.releases,
                "relapses": curve.relapses,
            }
        )
    return {
        "kind": "survival",
        "categories": months,
        "series": series,
        "labels": {"months": str(_("解除后月数")), "band": str(_("95%置信区间"))},
    }


def survival_table(curve: SurvivalCurve) -> dict:
    """A curve as table rows (month, survival, lower, upper in %, at risk): the chart's data
    for readers without JavaScript."""

    def pct(v):
        v = _percent(v)
        return "—" if v is None else f"{v:.1f}%"

    rows = [
        (m, pct(s), pct(lo), pct(hi), n)
        for m, s, lo, hi, n in zip(
            curve.months, curve.survival, curve.lower, curve.upper, curve.at_risk, strict=True
        )
    ]
    return {
        "label": curve.label,
        "releases": curve.releases,
        "relapses": curve.relapses,
        "rows": rows,
    }


def counts_chart(codes: list[str], counts: dict[str, int], kind: str = "pie") -> dict:
    return {
        "kind": kind,
        "categories": [str(meta(c).label) for c in codes],
        "series": [{"name": "", "data": [counts.get(c, 0) or 0 for c in codes]}],
    }


def evaluations_chart(data: dict) -> dict:
    return {
        "kind": "bar",
        "stack": True,
        "categories": [f"{m:%Y-%m}" for m in data["months"]],
        "series": [
            {"name": str(INDICATORS[c].label), "data": data["series"][c]} for c in EVALUATION_CODES
        ],
    }


def facilities_chart(loads: list[FacilityLoad]) -> dict:
    return {
        "kind": "bar",
        "categories": [f.facility.name for f in loads],
        "series": [
            {"name": str(_("床位")), "data": [f.beds for f in loads]},
            {"name": str(_("在所人数")), "data": [f.held for f in loads]},
            {"name": str(_("民警")), "data": [f.police_strength for f in loads]},
        ],
    }
