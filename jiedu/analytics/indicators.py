"""The sector's indicators, each defined once with its source (domain.md §7.1).

Every figure is a count over one fact table (`models.py`) restricted to a unit's subtree by path;
a rate is one count over another. `table()` computes every figure for a unit and each of its
children in a fixed number of queries: the person figures from their running totals
(`stocks.py`, a row per unit and figure), the measure figures in one conditional-count query over
the period's decisions, the tallies in one, and one read of the release cohort. `person_ids()`
gives the persons behind any figure with the figure's own filter (`Indicator.q`), and
`tests/test_stocks.py` proves the running totals count what that filter selects, so a figure and
its list cannot disagree.

Stock figures (existing users, …) are counted on the period's last day (today while it runs) from
the files as they are now known: a relapse found today moves a person's three-year date, so an
old period's figure can change when older facts come to light.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import Substr
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.measures.choices import COMMUNITY_KINDS, MeasureKind
from jiedu.measures.clocks import add_months, add_years

from . import stocks
from .facts import COHORT_YEARS, months_between
from .models import MeasureFact, PersonFact
from .periods import Period

COMMUNITY = [str(k) for k in COMMUNITY_KINDS]
PERSON, MEASURE, TALLY, COHORT = "person", "measure", "tally", "cohort"


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    definition: str
    source: str
    fact: str
    q: Callable[[Period], Q] | None = None  # person and measure facts
    metrics: tuple[str, ...] = ()  # tallies
    completed_months: bool = False  # tallies of things due: only months already over
    # Where the figure is counted: the executing unit (a township's execution, a facility's
    # stays) or the person's managing unit (decisions about the people of a place).
    path_field: str = "unit_path"
    kinds: tuple[str, ...] = ()  # measure figures: the kinds of measure the filter can select


@dataclass(frozen=True)
class Rate:
    code: str
    label: str
    definition: str
    source: str
    numerator: str
    denominator: str


def _gone(on: date) -> Q:
    return Q(died_on__lte=on) | Q(departed_on__lte=on)


def _registered(p: Period) -> Q:
    return Q(registered_on__lte=p.as_of)


def _community(p: Period) -> Q:
    """Community measures decided in the period that were due to report by now (reported,
    refused, or past the report-in deadline: 戒毒条例 Art. 14, 15 days)."""
    return Q(kind__in=COMMUNITY, decided_on__gte=p.start, decided_on__lte=p.as_of) & (
        Q(reported_on__isnull=False) | Q(refused=True) | Q(report_due_by__lt=p.as_of)
    )


_SRC_NATIONAL = "中国毒情形势报告（domain.md §7.1）"
_SRC_PLAN16 = "全国社区戒毒社区康复工作规划（2016—2020年）（domain.md §7.1）"
_SRC_JIEDU = "Jiedu默认口径（domain.md §7.1：无全国统一口径，可配置）"

INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in [
        Indicator(
            "registered",
            _("登记在册吸毒人员"),
            _("截至统计日建档的吸毒人员（不含已合并的重复档案）"),
            _SRC_NATIONAL,
            PERSON,
            _registered,
        ),
        Indicator(
            "existing",
            _("现有吸毒人员"),
            _("登记在册人数，不含戒断三年未发现复吸、死亡和离境人员"),
            _SRC_NATIONAL,
            PERSON,
            lambda p: _registered(p) & ~Q(control_exit_on__lte=p.as_of) & ~_gone(p.as_of),
        ),
        Indicator(
            "newly_found",
            _("新发现吸毒人员"),
            _("统计期内首次登记的吸毒人员"),
            _SRC_NATIONAL,
            PERSON,
            lambda p: Q(registered_on__gte=p.start, registered_on__lte=p.as_of),
        ),
        Indicator(
            "abstinent_3y",
            _("戒断三年未发现复吸"),
            _(
                "自查获未成瘾、社区戒毒（康复）报到或强制隔离戒毒解除起满三年未发现吸毒，"
                "解除动态管控（不含死亡、离境）"
            ),
            "戒毒条例 Art. 7；上海市禁毒条例 Art. 29；山东省禁毒条例 Art. 36（domain.md §8.3）",
            PERSON,
            lambda p: _registered(p) & Q(control_exit_on__lte=p.as_of) & ~_gone(p.as_of),
        ),
        Indicator(
            "dead",
            _("死亡"),
            _("截至统计日已死亡（措施因死亡终止或回访发现死亡）"),
            _SRC_NATIONAL,
            PERSON,
            lambda p: _registered(p) & Q(died_on__lte=p.as_of),
        ),
        Indicator(
            "departed",
            _("离境"),
            _("截至统计日已出境（回访发现），不含死亡"),
            _SRC_NATIONAL,
            PERSON,
            lambda p: _registered(p) & Q(departed_on__lte=p.as_of) & ~Q(died_on__lte=p.as_of),
        ),
        Indicator(
            "community_due",
            _("应报到（社区戒毒、社区康复）"),
            _("统计期内责令社区戒毒、社区康复，且已报到、拒绝或已过报到期限的人次"),
            "戒毒条例 Art. 14, 38",
            MEASURE,
            _community,
            kinds=tuple(COMMUNITY),
        ),
        Indicator(
            "community_reported_on_time",
            _("按期报到"),
            _("应报到人次中在报到期限内报到的"),
            "戒毒条例 Art. 14, 38",
            MEASURE,
            lambda p: _community(p) & Q(reported_on__lte=F("report_due_by")),
            kinds=tuple(COMMUNITY),
        ),
        Indicator(
            "community_executed",
            _("实际执行"),
            _("应报到人次中已报到并接受社区戒毒（康复）的（含逾期报到）"),
            _SRC_PLAN16,
            MEASURE,
            lambda p: _community(p) & Q(reported_on__isnull=False),
            kinds=tuple(COMMUNITY),
        ),
        Indicator(
            "community_refused",
            _("拒绝执行"),
            _("应报到人次中拒绝接受社区戒毒（康复）的"),
            "禁毒法 Art. 38",
            MEASURE,
            lambda p: _community(p) & Q(refused=True),
            kinds=tuple(COMMUNITY),
        ),
        Indicator(
            "isolation_decided",
            _("决定强制隔离戒毒"),
            _("统计期内作出的强制隔离戒毒决定"),
            _SRC_NATIONAL,
            MEASURE,
            lambda p: Q(
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on__gte=p.start,
                decided_on__lte=p.as_of,
            ),
            kinds=(str(MeasureKind.COMPULSORY_ISOLATION),),
            path_field="home_path",
        ),
        Indicator(
            "tests_due",
            _("应检测（次）"),
            _("已结束月份中到期的定期检测和随机抽检（不含因中止、解除取消的）"),
            "戒毒条例 Art. 19；JX 检测计划（domain.md §2.9）",
            TALLY,
            metrics=("tests_due",),
            completed_months=True,
        ),
        Indicator(
            "tests_done",
            _("已检测（次）"),
            _("应检测中已完成的"),
            "戒毒条例 Art. 19",
            TALLY,
            metrics=("tests_done",),
            completed_months=True,
        ),
        Indicator(
            "visits_due",
            _("应回访（次）"),
            _("已结束月份中到期的后续照管回访"),
            _SRC_JIEDU,
            TALLY,
            metrics=("visits_due",),
            completed_months=True,
        ),
        Indicator(
            "visits_done",
            _("已回访（次）"),
            _("应回访中已完成的"),
            _SRC_JIEDU,
            TALLY,
            metrics=("visits_done",),
            completed_months=True,
        ),
        Indicator(
            "evaluations_early_release",
            _("诊断评估：提前解除"),
            _("统计期内完成、意见为提前解除的综合诊断评估"),
            "强制隔离戒毒诊断评估办法 Art. 3",
            TALLY,
            metrics=("evaluations_early_release",),
        ),
        Indicator(
            "evaluations_on_time_release",
            _("诊断评估：按期解除"),
            _("统计期内完成、意见为按期解除的综合诊断评估"),
            "强制隔离戒毒诊断评估办法 Art. 3",
            TALLY,
            metrics=("evaluations_on_time_release",),
        ),
        Indicator(
            "evaluations_extension",
            _("诊断评估：延长期限"),
            _("统计期内完成、意见为延长戒毒期限的综合诊断评估"),
            "强制隔离戒毒诊断评估办法 Art. 3",
            TALLY,
            metrics=("evaluations_extension",),
        ),
        Indicator(
            "released",
            _("解除（出所、期满）人数"),
            _("统计期内强制隔离戒毒解除、社区戒毒（康复）期满或按协议结束的人次（解除队列）"),
            _SRC_JIEDU,
            COHORT,
        ),
        *[
            Indicator(
                f"followed_{k}y",
                format_lazy(_("满{k}年可统计"), k=k),
                format_lazy(_("解除队列中解除已满{k}年、期间未死亡或离境的"), k=k),
                _SRC_JIEDU,
                COHORT,
            )
            for k in COHORT_YEARS
        ],
        *[
            Indicator(
                f"no_relapse_{k}y",
                format_lazy(_("{k}年内未发现复吸"), k=k),
                format_lazy(_("满{k}年可统计的人次中，解除后{k}年内未发现吸毒的"), k=k),
                _SRC_JIEDU,
                COHORT,
            )
            for k in COHORT_YEARS
        ],
        Indicator(
            "relapsed_1y",
            _("1年内复吸"),
            _(
                "满1年可统计的人次中，解除后1年内发现吸毒的（阳性检测、回访发现复吸、因吸毒再次决定）"
            ),
            _SRC_JIEDU,
            COHORT,
        ),
    ]
}

RATES: dict[str, Rate] = {
    r.code: r
    for r in [
        Rate(
            "reporting_rate",
            _("社区戒毒（康复）报到率"),
            _("按期报到 ÷ 应报到"),
            "戒毒条例 Art. 14, 38",
            "community_reported_on_time",
            "community_due",
        ),
        Rate(
            "execution_rate",
            _("社区戒毒（康复）执行率"),
            _("实际执行 ÷ 应报到（全国目标：2020年不低于97%）"),
            _SRC_PLAN16,
            "community_executed",
            "community_due",
        ),
        Rate(
            "test_completion_rate",
            _("定期检测完成率"),
            _("已检测 ÷ 应检测"),
            "戒毒条例 Art. 19",
            "tests_done",
            "tests_due",
        ),
        Rate(
            "visit_completion_rate",
            _("回访完成率"),
            _("已回访 ÷ 应回访"),
            _SRC_JIEDU,
            "visits_done",
            "visits_due",
        ),
        *[
            Rate(
                f"abstinence_rate_{k}y",
                format_lazy(_("{k}年操守保持率"), k=k),
                format_lazy(_("{k}年内未发现复吸 ÷ 满{k}年可统计（按解除年份分队列）"), k=k),
                _SRC_JIEDU,
                f"no_relapse_{k}y",
                f"followed_{k}y",
            )
            for k in COHORT_YEARS
        ],
        Rate(
            "relapse_rate_1y",
            _("1年复吸率"),
            _("1年内复吸 ÷ 满1年可统计"),
            _SRC_JIEDU,
            "relapsed_1y",
            "followed_1y",
        ),
    ]
}


# --- computing a table ---------------------------------------------------------------------


@dataclass
class Row:
    key: str  # a child's path, or "" for records kept at the unit itself
    unit: object | None  # the child OrgUnit (None for the unit's own row and the total)
    counts: dict[str, int] = field(default_factory=dict)

    def rate(self, code: str) -> float | None:
        rate = RATES[code]
        denominator = self.counts.get(rate.denominator, 0)
        if not denominator:
            return None
        return self.counts.get(rate.numerator, 0) / denominator


@dataclass
class Table:
    unit: object
    period: Period
    total: Row
    rows: list[Row]  # one per child with any figure, then the unit's own row if it has any


def _tally_months(indicator: Indicator, period: Period) -> tuple[date, date]:
    months = period.months()
    if indicator.completed_months:
        this_month = clock.today().replace(day=1)
        months = [m for m in months if m < this_month]
    if not months:
        return date(1, 1, 1), date(1, 1, 1)  # an empty range
    return months[0], months[-1]


def _tally_end(indicator: Indicator, period: Period) -> date | None:
    """The last day of the last month a tally counts in the period (None: no month), read from
    the running totals against the day before the period: tallies start at the period's start."""
    _start, end = _tally_months(indicator, period)
    if end < period.start:
        return None
    return add_months(end, 1) - timedelta(days=1)


def _decided(indicators: list[Indicator], *periods: Period) -> Q:
    """Every measure figure counts decisions of its period of some kinds: read only those
    (`decided_on` indexed)."""
    return Q(
        decided_on__gte=min(p.start for p in periods),
        decided_on__lte=max(p.as_of for p in periods),
        kind__in=sorted({kind for i in indicators for kind in i.kinds}),
    )


def _grouped(model, path_field: str, prefix: str, width: int, aggregates: dict, base=None):
    qs = model.objects.filter(**{f"{path_field}__startswith": prefix})
    if base is not None:
        qs = qs.filter(base)
    rows = (
        qs.annotate(child=Substr(path_field, 1, width))
        .values("child")
        .annotate(**aggregates)
        .order_by()
    )
    return {r.pop("child"): r for r in rows}


def _cohort(period: Period) -> Q:
    """The period's release cohort: measures that ended by release in the period."""
    return Q(released=True, ended_on__gte=period.start, ended_on__lte=period.as_of)


def _released_by(today: date, years: int) -> date:
    """The last release day whose `years`-year anniversary is today or earlier (add_years clamps
    29 February, so the answer can be a day after the same date `years` years ago)."""
    day = add_years(today, -years)
    while add_years(day + timedelta(days=1), years) <= today:
        day += timedelta(days=1)
    return day


def cohort_q(code: str, today: date) -> Q:
    """The filter of a cohort figure within a cohort (`cohort_flags` row by row, in SQL: the
    fact rows carry the first horizon before which use was detected or follow-up stopped)."""
    if code == "released":
        return Q()
    if code == "relapsed_1y":
        return cohort_q("followed_1y", today) & Q(relapse_within=1)
    kind, years = code.rsplit("_", 1)
    k = int(years.removesuffix("y"))
    followed = Q(ended_on__lte=_released_by(today, k)) & (
        Q(censored_within__isnull=True) | Q(censored_within__gt=k)
    )
    if kind == "followed":
        return followed
    return followed & (Q(relapse_within__isnull=True) | Q(relapse_within__gt=k))


def cohort_flags(ended: date, relapse: date | None, censored: date | None, today: date):
    """The cohort codes one release counts in (released, followed_Ny, no_relapse_Ny, relapsed_1y).
    A release is followed for N years when N years have passed without death or departure; it
    kept abstinence if no use was detected before the N-year day."""
    codes = ["released"]
    for k in COHORT_YEARS:
        horizon = add_years(ended, k)
        if horizon > today or (censored is not None and censored < horizon):
            continue
        codes.append(f"followed_{k}y")
        if relapse is None or relapse >= horizon:
            codes.append(f"no_relapse_{k}y")
        elif k == 1:
            codes.append("relapsed_1y")
    return codes


def table(unit, period: Period) -> Table:
    """Every indicator for `unit` and each of its children (drill-down one level)."""
    from jiedu.orgs.models import OrgUnit

    prefix, width = unit.path, len(unit.path) + OrgUnit.steplen
    counts: dict[str, Counter] = defaultdict(Counter)

    def merge(grouped):
        for child, values in grouped.items():
            counts[child].update({k: v or 0 for k, v in values.items()})

    before = period.start - timedelta(days=1)
    tallies = [i for i in INDICATORS.values() if i.fact == TALLY]
    ends = {i.code: _tally_end(i, period) for i in tallies}
    days = {period.as_of, before, *filter(None, ends.values())}
    metrics = {m for i in tallies for m in i.metrics}
    running = stocks.counts(prefix, sorted(days), width=width, codes={*stocks.STOCKS, *metrics})
    for child, stock in running[period.as_of].items():
        counts[child].update({code: stock[code] for code in stocks.STOCKS})
        counts[child]["newly_found"] += stock["registered"] - running[before][child]["registered"]
    for i in tallies:
        if ends[i.code] is None:
            continue
        for child, stock in running[ends[i.code]].items():
            counts[child][i.code] += sum(stock[m] - running[before][child][m] for m in i.metrics)
    for path_field in ("unit_path", "home_path"):
        group = [i for i in INDICATORS.values() if i.fact == MEASURE and i.path_field == path_field]
        aggregates = {i.code: Count("pk", filter=i.q(period)) for i in group}
        base = _decided(group, period)
        merge(_grouped(MeasureFact, path_field, prefix, width, aggregates, base=base))
    today = clock.today()
    aggregates = {code: Count("pk", filter=cohort_q(code, today)) for code in COHORT_CODES}
    merge(_grouped(MeasureFact, "home_path", prefix, width, aggregates, base=_cohort(period)))

    children = {
        u.path: u for u in OrgUnit.objects.filter(path__startswith=prefix, depth=unit.depth + 1)
    }
    rows = [Row(path, children[path], dict(counts[path])) for path in sorted(children)]
    rows = [r for r in rows if any(r.counts.values()) or r.unit.kind in _DIVISIONS]
    if any(counts[prefix].values()):
        rows.append(Row("", None, dict(counts[prefix])))
    total = Counter()
    for c in counts.values():
        total.update(c)
    return Table(unit, period, Row("total", None, dict(total)), rows)


_DIVISIONS = {"province", "city", "county", "township"}
COHORT_CODES = [code for code, i in INDICATORS.items() if i.fact == COHORT]


def trend(unit, codes: list[str], periods: list[Period]) -> dict[str, list[float | None]]:
    """The figures `codes` (indicators or rates) for `unit`'s subtree in each of `periods`, for
    trend charts: one query per fact table whatever the number of periods."""
    wanted = set()
    for code in codes:
        if code in RATES:
            wanted |= {RATES[code].numerator, RATES[code].denominator}
        else:
            wanted.add(code)
    found: dict[tuple[str, int], int] = defaultdict(int)
    # Person figures and tallies: one read of the running totals for every period's two ends.
    befores = [p.start - timedelta(days=1) for p in periods]
    persons = {c for c in wanted if INDICATORS[c].fact == PERSON}
    tallies = [i for i in INDICATORS.values() if i.code in wanted and i.fact == TALLY]
    ends = {(i.code, n): _tally_end(i, p) for i in tallies for n, p in enumerate(periods)}
    needed = {c for c in persons if c in stocks.STOCKS} | {m for i in tallies for m in i.metrics}
    if "newly_found" in persons:
        needed.add("registered")
    if needed:
        days = {*befores, *(p.as_of for p in periods), *filter(None, ends.values())}
        running = stocks.counts(unit.path, sorted(days), codes=needed)
        for n, (p, before) in enumerate(zip(periods, befores, strict=True)):
            stock, start = running[p.as_of][""], running[before][""]
            for code in persons & set(stocks.STOCKS):
                found[code, n] = stock[code]
            if "newly_found" in persons:
                found["newly_found", n] = stock["registered"] - start["registered"]
        for (code, n), end in ends.items():
            if end is not None:
                found[code, n] += sum(
                    running[end][""][m] - running[befores[n]][""][m]
                    for m in INDICATORS[code].metrics
                )
    for path_field in ("unit_path", "home_path"):
        group = [
            i
            for i in INDICATORS.values()
            if i.code in wanted and i.fact == MEASURE and i.path_field == path_field
        ]
        aggregates = {
            f"{i.code}__{n}": Count("pk", filter=i.q(p))
            for i in group
            for n, p in enumerate(periods)
        }
        if aggregates:
            qs = MeasureFact.objects.filter(**{f"{path_field}__startswith": unit.path})
            qs = qs.filter(_decided(group, *periods))
            for key, value in qs.aggregate(**aggregates).items():
                code, n = key.rsplit("__", 1)
                found[code, int(n)] += value or 0
    cohort = [c for c in wanted if INDICATORS[c].fact == COHORT]
    if cohort:
        today = clock.today()
        aggregates = {
            f"{code}__{n}": Count("pk", filter=_cohort(p) & cohort_q(code, today))
            for code in cohort
            for n, p in enumerate(periods)
        }
        qs = MeasureFact.objects.filter(home_path__startswith=unit.path, released=True)
        qs = qs.filter(
            ended_on__gte=min(p.start for p in periods),
            ended_on__lte=max(p.as_of for p in periods),
        )
        for key, value in qs.aggregate(**aggregates).items():
            code, n = key.rsplit("__", 1)
            found[code, int(n)] += value or 0
    result = {}
    for code in codes:
        if code in RATES:
            rate = RATES[code]
            result[code] = [
                found[rate.numerator, n] / found[rate.denominator, n]
                if found[rate.denominator, n]
                else None
                for n in range(len(periods))
            ]
        else:
            result[code] = [found[code, n] for n in range(len(periods))]
    return result


def person_ids(code: str, prefix: str, period: Period, *, exact: bool = False):
    """The persons behind the figure `code` for the subtree at `prefix` (or the unit itself,
    `exact`): a queryset of person ids, or a list for the cohort figures. The same filters as
    `table()`."""
    indicator = INDICATORS[code]
    if indicator.fact in (PERSON, MEASURE):
        model = PersonFact if indicator.fact == PERSON else MeasureFact
        path = indicator.path_field
        where = {path: prefix} if exact else {f"{path}__startswith": prefix}
        return model.objects.filter(indicator.q(period), **where).values("person_id")
    if indicator.fact == COHORT:
        where = {"home_path": prefix} if exact else {"home_path__startswith": prefix}
        qs = MeasureFact.objects.filter(_cohort(period), cohort_q(code, clock.today()), **where)
        return qs.values("person_id")
    return _tally_person_ids(indicator, prefix, period, exact)


def _tally_person_ids(indicator: Indicator, prefix: str, period: Period, exact: bool):
    from jiedu.aftercare.models import FollowUpVisit
    from jiedu.community.choices import TEST_KINDS, DueStatus
    from jiedu.community.models import DueItem
    from jiedu.evaluations.choices import EvaluationStatus
    from jiedu.evaluations.models import Evaluation
    from jiedu.measures.clocks import add_months

    start, end = _tally_months(indicator, period)
    last_day = add_months(end, 1)  # exclusive
    path = "__startswith" if not exact else ""
    metric = indicator.metrics[0]
    if metric.startswith("tests_"):
        qs = DueItem.objects.filter(kind__in=TEST_KINDS, due_on__gte=start, due_on__lt=last_day)
        qs = qs.exclude(status=DueStatus.CANCELLED).filter(**{f"case__unit__path{path}": prefix})
        if metric == "tests_done":
            qs = qs.filter(status=DueStatus.DONE)
    elif metric.startswith("visits_"):
        qs = FollowUpVisit.objects.filter(due_on__gte=start, due_on__lt=last_day)
        qs = qs.filter(**{f"plan__unit__path{path}": prefix})
        if metric == "visits_done":
            qs = qs.filter(visited_on__isnull=False)
    else:
        qs = Evaluation.objects.filter(
            status=EvaluationStatus.COMPLETED,
            opinion=metric.removeprefix("evaluations_"),
            evaluated_on__gte=start,
            evaluated_on__lt=last_day,
            **{f"admission__facility__path{path}": prefix},
        )
    return qs.values("person_id").distinct()


# --- time to relapse -----------------------------------------------------------------------


@dataclass
class SurvivalCurve:
    label: str
    months: list[int]
    survival: list[float]
    lower: list[float]
    upper: list[float]
    at_risk: list[int]
    releases: int
    relapses: int


def survival_curves(prefix: str, period: Period, *, horizon_months: int = 36) -> list:
    """Time from release to the first detected use, as Kaplan–Meier curves with 95% confidence
    bands (lifelines), one per kind of release, for the releases of the period. Follow-up ends
    (censoring) at death, departure or today."""
    from lifelines import KaplanMeierFitter

    today = clock.today()
    groups = {
        MeasureKind.COMPULSORY_ISOLATION: (_("强制隔离戒毒解除"), Counter()),
        "community": (_("社区戒毒（康复）期满"), Counter()),
    }
    # Grouped in SQL: a relapse or a censoring carries its months; the others are followed up
    # to today, so only their release day matters.
    isolation = Q(kind=MeasureKind.COMPULSORY_ISOLATION)
    rows = (
        MeasureFact.objects.filter(_cohort(period), home_path__startswith=prefix)
        .annotate(
            isolation=Case(When(isolation, then=Value(True)), default=Value(False)),
            open_since=Case(
                When(relapse_months__isnull=True, censored_months__isnull=True, then="ended_on")
            ),
        )
        .values_list("isolation", "relapse_months", "censored_months", "open_since")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for is_isolation, relapse_months, censored_months, open_since, n in rows:
        key = MeasureKind.COMPULSORY_ISOLATION if is_isolation else "community"
        if relapse_months is not None:
            months, observed = relapse_months, relapse_months <= horizon_months
        elif censored_months is not None:
            months, observed = censored_months, False
        else:
            months, observed = months_between(open_since, today), False
        groups[key][1][(min(months, horizon_months), observed)] += n
    curves = []
    for label, counter in groups.values():
        if not counter:
            continue
        items = sorted(counter.items())
        durations = [m for (m, _e), _n in items]
        events = [e for (_m, e), _n in items]
        weights = [n for _key, n in items]
        kmf = KaplanMeierFitter(alpha=0.05)
        kmf.fit(durations, event_observed=events, weights=weights)
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        table_ = kmf.event_table
        curves.append(
            SurvivalCurve(
                label=str(label),
                months=[int(t) for t in sf.index],
                survival=[round(float(v), 4) for v in sf.values],
                lower=[round(float(v), 4) for v in ci.iloc[:, 0].values],
                upper=[round(float(v), 4) for v in ci.iloc[:, 1].values],
                at_risk=[int(v) for v in table_["at_risk"].values],
                releases=sum(weights),
                relapses=sum(n for (_m, e), n in counter.items() if e),
            )
        )
    return curves
