"""The dashboards: a leader's (a division and its children), a facility's, a township's, each
also as a full-screen wall; the persons behind any figure; the definitions; the table as Excel.

Every figure is HTML first — cards and tables that work without JavaScript — and links to the
persons behind it for users who may read people's files; the charts are drawn from the same
figures (`dashboards.py` builds their data, `static/analytics/dashboard.js` draws them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.export import Column, export_response, requested_format
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm
from jiedu.core.views import paginate
from jiedu.measures.choices import MeasureKind, MeasureStatus
from jiedu.measures.models import Measure
from jiedu.orgs.models import OrgUnit
from jiedu.people.models import Person

from . import dashboards as dash
from . import indicators
from .access import VIEW, get_unit_for_user, top_units
from .forms import PeriodForm
from .indicators import INDICATORS, PERSON, RATES
from .periods import Period, parse_period

PEOPLE = "people.view_person"
# Live figures shown in red when not zero: work already late.
OVERDUE = ("notices_overdue", "report_overdue", "items_overdue", "visits_overdue")


def _animation() -> bool:
    # Tests turn chart animation off (settings.JIEDU_CHART_ANIMATION = False).
    return settings.JIEDU_CHART_ANIMATION


# --- figures as the pages show them ----------------------------------------------------------


@dataclass
class Figure:
    """One figure on a page: its label, value as shown, the list behind it and its definition."""

    code: str
    label: str
    display: str
    url: str = ""
    hover: str = ""
    parts: list[Figure] = field(default_factory=list)  # a rate's numerator and denominator
    danger: bool = False


def _fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


class Links:
    """Where a figure's persons are listed, for one user, unit and period (no links for a user
    who may not read people's files: the numbers stay)."""

    def __init__(self, user, period: Period | None):
        self.user, self.period = user, period

    def persons(self, unit, code: str, *, exact: bool = False) -> str:
        if not has_perm(self.user, PEOPLE, unit):
            return ""
        params = {"indicator": code}
        if code not in dash.LIVE and self.period is not None:
            params["period"] = self.period.code
        if exact:
            params["exact"] = "1"
        return f"{reverse('analytics:persons', args=[unit.code])}?{urlencode(params)}"

    def indicator(self, unit, code: str, counts: dict, *, exact: bool = False) -> Figure:
        value = counts.get(code, 0) or 0
        return Figure(
            code,
            str(INDICATORS[code].label),
            str(value),
            self.persons(unit, code, exact=exact) if value else "",
            dash.hover(code),
        )

    def rate(self, unit, code: str, row: indicators.Row, *, exact: bool = False) -> Figure:
        rate = RATES[code]
        parts = [
            self.indicator(unit, c, row.counts, exact=exact)
            for c in (rate.numerator, rate.denominator)
        ]
        return Figure(code, str(rate.label), _fmt_rate(row.rate(code)), "", dash.hover(code), parts)

    def cell(self, unit, code: str, row: indicators.Row, *, exact: bool = False) -> Figure:
        if code in RATES:
            return self.rate(unit, code, row, exact=exact)
        return self.indicator(unit, code, row.counts, exact=exact)

    def live(self, unit, code: str, counts: dict, url: str = "") -> Figure:
        value = counts.get(code, 0) or 0
        figure = dash.LIVE[code]
        return Figure(
            code,
            str(figure.label),
            str(value),
            (url or self.persons(unit, code)) if value else "",
            dash.hover(code),
            danger=bool(value) and code in OVERDUE,
        )


@dataclass
class TableRow:
    label: str
    url: str  # the child's dashboard
    cells: list[Figure]
    own: bool = False
    total: bool = False


def _table_rows(links: Links, unit, table: indicators.Table) -> list[TableRow]:
    rows = []
    for row in table.rows:
        if row.unit is not None:
            rows.append(
                TableRow(
                    row.unit.name,
                    reverse("analytics:dashboard", args=[row.unit.code]),
                    [links.cell(row.unit, c, row) for c in dash.TABLE_CODES],
                )
            )
        else:
            rows.append(
                TableRow(
                    _("%(unit)s（本级）") % {"unit": unit.name},
                    "",
                    [links.cell(unit, c, row, exact=True) for c in dash.TABLE_CODES],
                    own=True,
                )
            )
    rows.append(
        TableRow(
            _("合计"),
            "",
            [links.cell(unit, c, table.total) for c in dash.TABLE_CODES],
            total=True,
        )
    )
    return rows


def _headers(codes) -> list[Figure]:
    return [Figure(c, str(dash.meta(c).label), "", "", dash.hover(c)) for c in codes]


def _chart(key: str, title: str, data: dict, codes=(), note: str = "") -> dict:
    hover = "；".join(f"{dash.meta(c).label}：{dash.hover(c)}" for c in codes)
    return {
        "empty": dash.chart_is_empty(data),
        "id": f"chart-{key}",
        "data_id": f"chart-{key}-data",
        "title": title,
        "data": data,
        "hover": hover,
        "note": note,
    }


# --- index and definitions -------------------------------------------------------------------


@login_required
def index(request):
    """Straight to the dashboard of the user's highest unit; a list when there are several."""
    if not has_perm(request.user, VIEW):
        raise Http404
    units = top_units(request.user)
    if len(units) == 1:
        return redirect("analytics:dashboard", code=units[0].code)
    return render(request, "analytics/index.html", {"units": units})


@login_required
def definitions(request):
    """Every figure the dashboards show, with its definition and source."""
    if not has_perm(request.user, VIEW):
        raise Http404
    groups = [
        (_("统计指标（按统计期）"), list(INDICATORS.values())),
        (_("比率"), list(RATES.values())),
        (_("实时数字（截至今日）"), list(dash.LIVE.values())),
    ]
    return render(request, "analytics/definitions.html", {"groups": groups})


# --- the dashboards --------------------------------------------------------------------------


def _breadcrumbs(user, unit) -> list[OrgUnit]:
    return [u for u in OrgUnit.objects.get_ancestors(unit) if has_perm(user, VIEW, u)]


def _period_choices(today: date) -> list[str]:
    codes = []
    for year in range(today.year, today.year - 5, -1):
        codes.append(str(year))
        codes += [f"{year}-Q{q}" for q in range(4, 0, -1) if date(year, 3 * q - 2, 1) <= today]
        codes += [f"{year}-{m:02d}" for m in range(12, 0, -1) if date(year, m, 1) <= today]
    return codes


def _kind_of(unit) -> str:
    if unit.kind in dash.FACILITY_KINDS:
        return "facility"
    if unit.kind in dash.TOWNSHIP_KINDS:
        return "township"
    return "leader"


def _dashboard(request, code: str, kind: str | None = None, *, wall: bool = False):
    user = request.user
    unit = get_unit_for_user(user, code)
    kind = kind or _kind_of(unit)
    wall = wall or request.GET.get("wall") == "1"
    form = PeriodForm({"period": request.GET.get("period", "")})
    period = form.cleaned_data["period"] if form.is_valid() else None
    today = clock.today()
    context = {
        "unit": unit,
        "kind": kind,
        "wall": wall,
        "layout": "analytics/wall_layout.html" if wall else "analytics/page_layout.html",
        "form": form,
        "period": period,
        "period_text": period.code if period else request.GET.get("period", "")[:20],
        "period_choices": _period_choices(today),
        "today": today,
        "animation": _animation(),
        "breadcrumbs": [] if wall else _breadcrumbs(user, unit),
        "facility_kinds": dash.FACILITY_KINDS,
    }
    if period is not None:
        links = Links(user, period)
        builder = {"leader": _leader, "facility": _facility, "township": _township}[kind]
        context.update(builder(user, unit, period, today, links))
    return render(request, f"analytics/{kind}.html", context)


def _kpis(links: Links, unit, table: indicators.Table, codes) -> list[Figure]:
    return [links.cell(unit, c, table.total) for c in codes]


def _leader(user, unit, period, today, links) -> dict:
    table = indicators.table(unit, period)
    curves = indicators.survival_curves(unit.path, period)
    evaluations = {c: table.total.counts.get(c, 0) for c in dash.EVALUATION_CODES}
    return {
        "kpis": _kpis(links, unit, table, dash.KPI_CODES),
        "headers": _headers(dash.TABLE_CODES),
        "rows": _table_rows(links, unit, table),
        "evaluations": [links.indicator(unit, c, evaluations) for c in dash.EVALUATION_CODES],
        "curves": [dash.survival_table(c) for c in curves],
        "charts": [
            _chart(
                "trend",
                _("近%(n)s年现有、新发现、戒断三年未复吸人数") % {"n": dash.TREND_YEARS},
                dash.trend_chart(unit, period),
                dash.TREND_CODES,
            ),
            _chart(
                "rates",
                _("社区戒毒（康复）执行率与报到率（按下级单位）"),
                dash.rates_chart(table),
                ["execution_rate", "reporting_rate"],
            ),
            _chart(
                "survival",
                _("解除后未复吸比例（Kaplan–Meier，阴影为95%置信区间）"),
                dash.survival_chart(curves),
                ["released"],
                _("%(period)s解除的人员；横轴为解除后月数，纵轴为尚未发现复吸的比例（%%）")
                % {"period": period.label},
            ),
            _chart(
                "evaluations",
                _("诊断评估结果"),
                dash.counts_chart(dash.EVALUATION_CODES, evaluations),
                dash.EVALUATION_CODES,
            ),
        ],
    }


def _facility(user, unit, period, today, links) -> dict:
    loads, total = dash.facility_loads(unit)
    t = dash.Today(today, today)
    live = dash.live_counts(unit, ["notices_overdue"], t)
    by_month = dash.evaluations_by_month(unit, period)
    # The period's evaluations are the months' (the same tallies `indicators.table` sums).
    evaluations = {c: sum(by_month["series"][c]) for c in dash.EVALUATION_CODES}
    held = {"facility_held": total.held}
    zones = [
        (
            label,
            total.beds_by_zone.get(value, 0),
            links.live(unit, f"zone_{value}", {f"zone_{value}": total.held_by_zone.get(value, 0)}),
        )
        for value, label in dash.ZoneKind.choices
    ]
    rows = [
        (
            load,
            links.live(load.facility, "facility_held", {"facility_held": load.held}),
            _fmt_rate(load.occupancy_rate),
            _fmt_ratio(load.persons_per_officer),
        )
        for load in loads
    ]
    kpis = [
        links.live(unit, "facility_held", held),
        Figure("beds", _("床位"), str(total.beds), hover=_("启用分区中启用的床位数")),
        Figure(
            "occupancy",
            _("床位使用率"),
            _fmt_rate(total.occupancy_rate),
            hover=_("在所且分配床位的人数 ÷ 床位数"),
        ),
        Figure(
            "police", _("民警"), str(total.police_strength), hover=_("戒毒所登记的民警实有人数")
        ),
        Figure(
            "ratio",
            _("人警比（每名民警对应在所人数）"),
            _fmt_ratio(total.persons_per_officer),
            hover=_("在所人数 ÷ 民警实有人数"),
        ),
        links.live(unit, "notices_overdue", live),
        *[links.indicator(unit, c, evaluations) for c in dash.EVALUATION_CODES],
    ]
    charts = [
        _chart(
            "zones",
            _("在所人数（按分区）"),
            {
                "kind": "pie",
                "categories": [str(z[0]) for z in zones],
                "series": [{"name": "", "data": [int(z[2].display) for z in zones]}],
            },
            ["facility_held"],
        ),
        _chart(
            "evaluations",
            _("诊断评估结果（按月）"),
            dash.evaluations_chart(by_month),
            dash.EVALUATION_CODES,
        ),
    ]
    if len(loads) > 1 or unit.kind not in dash.FACILITY_KINDS:
        charts.insert(
            0,
            _chart(
                "facilities", _("床位、在所人数与民警（按戒毒所）"), dash.facilities_chart(loads)
            ),
        )
    return {"kpis": kpis, "facility_rows": rows, "zones": zones, "charts": charts}


def _township(user, unit, period, today, links) -> dict:
    t = dash.today_for(unit, today)
    live = dash.live_counts(unit, dash.TOWNSHIP_LIVE_CODES, t)
    table = indicators.table(unit, period)
    code = unit.code
    lists = unit.kind in ("township", "township_office", "county")

    def app_url(perm, name, query="", anchor=""):
        if not lists or not has_perm(user, perm, unit):
            return ""
        return reverse(name, args=[code]) + (f"?{query}" if query else "") + anchor

    case_list = "community:case_list"
    urls = {
        "cases_open": app_url("community.view_case", case_list),
        "items_overdue": app_url("community.view_case", "community:unit_schedule"),
        "visits_overdue": app_url("aftercare.view_followup", "aftercare:plan_list", "due=overdue"),
        "visits_due_soon": app_url("aftercare.view_followup", "aftercare:plan_list", "due=soon"),
        **{
            f"cases_risk_{v}": app_url("community.view_case", case_list, f"risk={v}")
            for v in dash.RiskClass.values
        },
    }
    if has_perm(user, "measures.view_measure", unit):
        worklist = reverse("worklists:worklist")
        urls["report_overdue"] = f"{worklist}?unit={code}#section-report_overdue"
    figures = {c: links.live(unit, c, live, urls.get(c, "")) for c in dash.TOWNSHIP_LIVE_CODES}
    kpi_codes = [
        "existing",
        "newly_found",
        "execution_rate",
        "reporting_rate",
        "test_completion_rate",
        "visit_completion_rate",
    ]
    return {
        "kpis": _kpis(links, unit, table, kpi_codes),
        "overdue": [
            figures[c]
            for c in [
                "report_overdue",
                "items_overdue",
                "visits_overdue",
                "visits_due_soon",
                "notices_overdue",
            ]
        ],
        "cases_open": figures["cases_open"],
        "risk": [figures[c] for c in dash.RISK_CODES],
        "credit": [figures[c] for c in dash.CREDIT_CODES],
        "headers": _headers(dash.TABLE_CODES),
        "rows": _table_rows(links, unit, table),
        "charts": [
            _chart(
                "risk",
                _("社区个案风险等级"),
                dash.counts_chart(dash.RISK_CODES, live),
                dash.RISK_CODES,
            ),
            _chart(
                "credit",
                _("社区个案信用等级"),
                dash.counts_chart(dash.CREDIT_CODES, live),
                dash.CREDIT_CODES,
            ),
            _chart(
                "trend",
                _("近%(n)s年现有、新发现、戒断三年未复吸人数") % {"n": dash.TREND_YEARS},
                dash.trend_chart(unit, period),
                dash.TREND_CODES,
            ),
        ],
    }


@login_required
def dashboard(request, code):
    return _dashboard(request, code)


@login_required
def leader(request, code):
    return _dashboard(request, code, "leader")


@login_required
def facility(request, code):
    return _dashboard(request, code, "facility")


@login_required
def township(request, code):
    return _dashboard(request, code, "township")


@login_required
def wall(request, code):
    return _dashboard(request, code, wall=True)


# --- the persons behind a figure -------------------------------------------------------------

# Figures that count records (measures, tests, visits, releases), not persons: the list shows
# each person once.
_BY_RECORD = _("该数字按人次（次数）统计，名单按人列出，同一人只列一次。")


def _current_measure(field_name: str):
    latest = Measure.objects.filter(person=OuterRef("pk")).order_by("-decided_on", "-id")
    return Subquery(latest.values(field_name)[:1])


@login_required
def persons(request, code):
    """The persons behind one figure of one unit and period, within the user's view scope."""
    user = request.user
    unit = get_unit_for_user(user, code)
    if not has_perm(user, PEOPLE, unit):
        raise Http404("no person permission at this unit")
    figure_code = request.GET.get("indicator", "")
    exact = request.GET.get("exact") == "1"
    today = clock.today()
    period = None
    if figure_code in INDICATORS:
        try:
            period = parse_period(request.GET.get("period"))
        except ValueError:
            raise Http404("malformed period") from None
        ids = indicators.person_ids(figure_code, unit.path, period, exact=exact)
        figure = INDICATORS[figure_code]
        when = period.label
        by_record = figure.fact != PERSON
    elif figure_code in dash.LIVE:
        t = dash.today_for(unit, today)
        ids = dash.live_person_ids(figure_code, unit.path, t, exact=exact)
        figure = dash.LIVE[figure_code]
        when = _("截至%(day)s") % {"day": f"{today:%Y-%m-%d}"}
        by_record = str(figure.counts) != str(dash.PERSONS)
    else:
        raise Http404("unknown indicator")
    found = (
        Person.objects.restrict(user, "view")
        .filter(pk__in=ids)
        .select_related("managing_unit")
        .annotate(current_kind=_current_measure("kind"), current_status=_current_measure("status"))
        .order_by("name", "birth_date", "id")
    )
    page = paginate(request, found)
    kinds, statuses = dict(MeasureKind.choices), dict(MeasureStatus.choices)
    for p in page:
        p.current_measure = (
            f"{kinds.get(p.current_kind, p.current_kind)}（{statuses.get(p.current_status, '')}）"
            if p.current_kind
            else ""
        )
    log_access(
        AccessAction.SEARCH_PERSON,
        user=user,
        query=":".join(filter(None, ["analytics", unit.code, figure_code, period and period.code]))
        + (":exact" if exact else ""),
        result_count=page.paginator.count,
    )
    return render(
        request,
        "analytics/persons.html",
        {
            "unit": unit,
            "figure": figure,
            "figure_code": figure_code,
            "hover": dash.hover(figure_code),
            "when": when,
            "period": period,
            "exact": exact,
            "page": page,
            "by_record": _BY_RECORD if by_record else "",
            "breadcrumbs": _breadcrumbs(user, unit),
        },
    )


# --- the table as a spreadsheet --------------------------------------------------------------


@login_required
def export(request, code):
    """The drill-down table with every indicator and rate (xlsx, or CSV with `format=csv`);
    one access-log row."""
    unit = get_unit_for_user(request.user, code)
    fmt = requested_format(request)
    try:
        period = parse_period(request.GET.get("period"))
    except ValueError:
        raise Http404("malformed period") from None
    table = indicators.table(unit, period)
    rows = []
    for row in [*table.rows, table.total]:
        if row.unit is not None:
            name = row.unit.name
        elif row is table.total:
            name = _("合计")
        else:
            name = _("%(unit)s（本级）") % {"unit": unit.name}
        values = {"unit": name, **{c: row.counts.get(c, 0) for c in INDICATORS}}
        for c in RATES:
            rate = row.rate(c)
            values[c] = None if rate is None else round(100 * rate, 1)
        rows.append(values)
    columns = [
        Column(gettext_lazy("单位"), "unit", width=28),
        *[Column(i.label, i.code) for i in INDICATORS.values()],
        *[Column(f"{r.label}（%）", r.code) for r in RATES.values()],
    ]
    return export_response(
        request,
        rows,
        columns,
        name=_("统计指标-%(unit)s-%(period)s") % {"unit": unit.name, "period": period.code},
        fmt=fmt,
        query=f"analytics:{unit.code}:{period.code}",
    )
