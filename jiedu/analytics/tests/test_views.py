"""The dashboards on the hand-built province of `conftest.py` (today 2026-06-30): every figure
is the indicator's, every count links to a list of exactly that many persons, the pages are a
fixed number of queries whatever the number of units and persons, and scope holds (a unit
outside the user's grants is a 404; without person view the numbers stay but the links go)."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedu.accounts.models import Role
from jiedu.analytics import dashboards, indicators
from jiedu.analytics.periods import parse_period
from jiedu.analytics.services import rebuild_facts
from jiedu.community.models import CommunityCase
from jiedu.core.models import AccessLogEntry
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import ZoneKind
from jiedu.facilities.models import Zone
from jiedu.measures.choices import MeasureKind
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.services import ensure_unit
from jiedu.people.models import Person
from jiedu.testing.cast import make_user

from .conftest import TODAY, at, decide, intake, person, report

pytestmark = pytest.mark.django_db


def dashboard_url(unit, name="analytics:dashboard"):
    return reverse(name, args=[unit.code])


def get(client, user, url, day=TODAY, **params):
    client.force_login(user)
    with at(day):
        return client.get(url, params)


def html(response) -> str:
    return response.content.decode()


def persons_count(client, user, url, day=TODAY) -> int:
    """The number of persons the list at `url` (a link from a dashboard) shows."""
    client.force_login(user)
    with at(day):
        response = client.get(unescape(url))
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def links(page_html: str, code: str) -> list[str]:
    """The persons-list links of the figure `code` on a page."""
    return re.findall(rf'href="([^"]*/persons/\?indicator={code}[^"]*)"', page_html)


@pytest.fixture
def analyst(cast):
    return make_user("analyst", cast.province, "bureau_analyst", "省统计员")


@pytest.fixture
def viewer(cast):
    """Figures only: the indicator permission without people's files."""
    Role.objects.create(
        code="indicator_viewer", name="指标查看", permissions=["analytics.view_indicator"]
    )
    return make_user("viewer", cast.city, "indicator_viewer", "只看数字")


# --- where a user starts ------------------------------------------------------------------------


def test_the_index_takes_a_user_to_the_dashboard_of_their_highest_unit(client, cast, province):
    response = get(client, cast.supervisor, reverse("analytics:index"))
    assert response.status_code == 302
    assert response["Location"] == dashboard_url(cast.city)


def test_the_index_lists_the_units_of_a_user_with_several(client, cast, province):
    user = make_user("two_posts", cast.county_a, "community_worker")
    from jiedu.accounts.models import Membership

    Membership.objects.create(
        user=user, org_unit=cast.county_b, role=Role.objects.get(code="community_worker")
    )
    response = get(client, user, reverse("analytics:index"))
    assert response.status_code == 200
    page = html(response)
    assert dashboard_url(cast.county_a) in page and dashboard_url(cast.county_b) in page


def test_the_navigation_shows_the_dashboards_to_whoever_holds_the_permission(
    client, cast, province
):
    assert reverse("analytics:index") in html(get(client, cast.supervisor, reverse("core:home")))
    # The system administrator manages users and units, not figures.
    assert reverse("analytics:index") not in html(get(client, cast.admin, reverse("core:home")))


# --- the leader's dashboard ---------------------------------------------------------------------


def test_the_province_dashboard_shows_the_indicators_as_cards_and_a_drill_down_table(
    client, cast, province, analyst
):
    response = get(client, analyst, dashboard_url(cast.province), period="2026")
    assert response.status_code == 200
    kpis = {f.code: f for f in response.context["kpis"]}
    # 2026 (test_indicators): existing 5, newly found 3, abstinent 1; execution 1 of 2.
    assert (kpis["existing"].display, kpis["newly_found"].display) == ("5", "3")
    assert kpis["abstinent_3y"].display == "1"
    assert kpis["execution_rate"].display == "50.0%"
    assert kpis["reporting_rate"].display == "0.0%"
    assert kpis["abstinence_rate_1y"].display == "—"  # nobody released a year ago yet
    page = html(response)
    # The city is a row linking to its own dashboard; the total row closes the table.
    assert f'href="{dashboard_url(cast.city)}?period=2026"' in page
    rows = response.context["rows"]
    assert [r.label for r in rows if not r.total] == [cast.city.name]
    assert rows[-1].total
    # Every figure carries its definition and source for the hover.
    assert 'title="登记在册人数，不含戒断三年未发现复吸、死亡和离境人员' in page
    assert "中国毒情形势报告" in page


def test_each_child_row_links_to_the_child_dashboard_down_to_the_township(
    client, cast, province, analyst
):
    for parent, child in [
        (cast.province, cast.city),
        (cast.city, cast.county_a),
        (cast.county_a, cast.township_a),
    ]:
        page = html(get(client, analyst, dashboard_url(parent), period="2026"))
        assert f'href="{dashboard_url(child)}?period=2026"' in page, child
    # A township opens its own dashboard (the community one).
    response = get(client, analyst, dashboard_url(cast.township_a), period="2026")
    assert response.context["kind"] == "township"


def test_every_count_links_to_exactly_that_many_persons(client, cast, province):
    """Each count of a person figure in the city's table (children, the unit's own row, the
    total) is the length of the list its link opens."""
    response = get(client, cast.supervisor, dashboard_url(cast.city), period="2026")
    table_rows = response.context["rows"]
    checked = 0
    for row in table_rows:
        for cell in row.cells:
            if cell.code not in indicators.INDICATORS:
                continue
            if indicators.INDICATORS[cell.code].fact != indicators.PERSON:
                continue
            if cell.display == "0":
                assert not cell.url
                continue
            assert persons_count(client, cast.supervisor, cell.url) == int(cell.display), (
                row.label,
                cell.code,
            )
            checked += 1
    assert checked >= 10


def test_a_figure_counted_by_measures_lists_each_person_once(client, cast, province):
    # 2026 in county B: 乙 (reported late, measure moved there) and 丙 (refused) are due.
    response = get(client, cast.supervisor, dashboard_url(cast.county_b), period="2026")
    total = next(r for r in response.context["rows"] if r.total)
    due = next(c for c in total.cells if c.code == "community_due")
    assert due.display == "2"
    client.force_login(cast.supervisor)
    with at(TODAY):
        listed = client.get(unescape(due.url))
    assert {p.name for p in listed.context["page"]} == {"乙", "丙"}
    assert "按人次" in html(listed)


def test_the_charts_carry_their_data_as_json(client, cast, province, settings):
    settings.JIEDU_CHART_ANIMATION = False
    response = get(client, cast.supervisor, dashboard_url(cast.city), period="2024")
    page = html(response)
    assert 'data-animation="false"' in page and 'data-animation="true"' not in page
    charts = {c["id"]: c["data"] for c in response.context["charts"]}
    assert set(charts) == {"chart-trend", "chart-rates", "chart-survival", "chart-evaluations"}
    trend = charts["chart-trend"]
    assert trend["categories"] == [f"{y}年" for y in range(2020, 2025)]
    existing = trend["series"][0]["data"]
    assert (
        existing[-1] == indicators.table(cast.city, parse_period("2024")).total.counts["existing"]
    )
    # 庚, released 2024-12-31, relapsed in month 4: the curve and its band fall to 0 there.
    [curve] = charts["chart-survival"]["series"]
    assert curve["survival"][0] == 100.0 and curve["survival"][4] == 0.0
    assert len(curve["lower"]) == len(curve["upper"]) == len(curve["survival"])
    # The same data as an HTML table for readers without JavaScript.
    assert "解除后复吸时间" in page and "发现复吸 1 人次" in page
    block = re.search(r'<script id="chart-trend-data" type="application/json">(.*?)</script>', page)
    assert json.loads(block.group(1)) == trend


def test_a_malformed_period_is_explained_at_the_picker(client, cast, province):
    response = get(client, cast.supervisor, dashboard_url(cast.city), period="2026-13")
    assert response.status_code == 200
    page = html(response)
    assert 'id="period-error"' in page
    assert "统计期格式不正确" in page
    assert 'aria-invalid="true"' in page
    assert "kpis" not in response.context


@pytest.mark.parametrize("text", ["2026", "2026-Q1", "2026-03"])
def test_years_quarters_and_months_are_periods(client, cast, province, text):
    response = get(client, cast.supervisor, dashboard_url(cast.city), period=text)
    assert response.context["period"].code == text
    assert f'value="{text}"' in html(response)


# --- the persons behind a figure ----------------------------------------------------------------


def test_the_persons_list_names_the_figure_the_unit_and_the_period(client, cast, province):
    url = reverse("analytics:persons", args=[cast.county_a.code])
    response = get(client, cast.supervisor, url, indicator="existing", period="2026")
    assert response.status_code == 200
    page = html(response)
    assert "现有吸毒人员：江岸区，2026年" in page
    assert {p.name for p in response.context["page"]} == {"丁", "乙", "庚"}
    for p in response.context["page"]:
        assert reverse("people:person_detail", args=[p.uuid]) in page
    assert "强制隔离戒毒（已决定，待执行）" in page  # 庚's current measure
    entry = AccessLogEntry.objects.filter(user_id=cast.supervisor.pk).latest("time")
    assert entry.action == "search_person"
    assert entry.query == f"analytics:{cast.county_a.code}:existing:2026"
    assert entry.result_count == 3


def test_the_unit_s_own_row_lists_only_the_records_kept_at_the_unit(client, cast, province):
    url = reverse("analytics:persons", args=[cast.township_a.code])
    everything = get(client, cast.supervisor, url, indicator="registered", period="2026")
    own = get(client, cast.supervisor, url, indicator="registered", period="2026", exact="1")
    assert own.context["page"].paginator.count == everything.context["page"].paginator.count
    url = reverse("analytics:persons", args=[cast.county_a.code])
    own = get(client, cast.supervisor, url, indicator="registered", period="2026", exact="1")
    assert own.context["page"].paginator.count == 0  # nobody is managed by the county itself
    assert "（本级）" in html(own)


@pytest.mark.parametrize(
    "params",
    [{"indicator": "nonsense", "period": "2026"}, {"indicator": "existing", "period": "20x6"}],
)
def test_an_unknown_figure_or_period_is_a_404(client, cast, province, params):
    url = reverse("analytics:persons", args=[cast.city.code])
    assert get(client, cast.supervisor, url, **params).status_code == 404


def test_the_persons_list_pages(client, cast, province, monkeypatch):
    from jiedu.analytics import views
    from jiedu.core.views import paginate

    monkeypatch.setattr(views, "paginate", lambda request, rows: paginate(request, rows, 2))
    url = reverse("analytics:persons", args=[cast.city.code])
    first = get(client, cast.supervisor, url, indicator="registered", period="2026")
    second = get(client, cast.supervisor, url, indicator="registered", period="2026", page=2)
    assert first.context["page"].paginator.count == 7
    assert len(first.context["page"]) == 2
    names = {p.name for p in first.context["page"]} | {p.name for p in second.context["page"]}
    assert len(names) == 4
    assert "page=2" in html(first)


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["analytics:dashboard", "analytics:wall", "analytics:facility", "analytics:export"]
)
def test_an_outsider_gets_404_for_units_outside_their_grants(client, cast, province, name):
    for unit in (cast.county_a, cast.township_a, cast.city):
        assert get(client, cast.outsider, dashboard_url(unit, name)).status_code == 404
    url = reverse("analytics:persons", args=[cast.county_a.code])
    assert get(client, cast.outsider, url, indicator="existing").status_code == 404
    assert get(client, cast.outsider, dashboard_url(cast.county_b, name)).status_code == 200


def test_a_user_without_the_permission_gets_404(client, cast, province):
    # The auditor sees people's files but holds no indicator permission.
    assert get(client, cast.auditor, dashboard_url(cast.province)).status_code == 404
    assert get(client, cast.auditor, reverse("analytics:index")).status_code == 404
    assert get(client, cast.auditor, reverse("analytics:definitions")).status_code == 404


def test_without_person_view_the_numbers_stay_and_the_links_go(client, cast, province, viewer):
    response = get(client, viewer, dashboard_url(cast.city), period="2026")
    assert response.status_code == 200
    kpis = {f.code: f for f in response.context["kpis"]}
    assert kpis["existing"].display == "5" and not kpis["existing"].url
    assert "/persons/" not in html(response)
    url = reverse("analytics:persons", args=[cast.city.code])
    assert get(client, viewer, url, indicator="existing").status_code == 404
    township = get(client, viewer, dashboard_url(cast.township_a), period="2026")
    assert "/persons/" not in html(township) and "/community/" not in html(township)


# --- the facility's and the township's dashboards ------------------------------------------------


@pytest.fixture
def held(cast, province):
    """辛, admitted to the facility's detox zone on 2026-06-02; two police officers."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        who = person(cast, "辛", cast.township_a, "2026-06-01")
        measure = decide(
            cast, who, MeasureKind.COMPULSORY_ISOLATION, "2026-06-01", cast.facility, "relapse"
        )
        bed = Zone.objects.get(facility=cast.facility, name="一区").beds.first()
        with at("2026-06-02"):
            facilities.admit_person(
                measure,
                facility=cast.facility,
                data=intake("2026-06-02", bed),
                actor=cast.facility_leader,
            )
            facilities.set_facility_profile(
                cast.facility, police_strength=2, actor=cast.facility_leader
            )
    return who


def test_the_facility_dashboard_shows_occupancy_against_beds_and_police(
    client, cast, province, held
):
    response = get(client, cast.facility_leader, dashboard_url(cast.facility), period="2026")
    assert response.status_code == 200
    assert response.context["kind"] == "facility"
    kpis = {f.code: f for f in response.context["kpis"]}
    with at(TODAY):
        capacity = facilities.capacity(cast.facility)
    assert kpis["facility_held"].display == str(capacity.held) == "1"
    assert kpis["beds"].display == str(capacity.beds) == "4"
    assert kpis["occupancy"].display == "25.0%"
    assert kpis["police"].display == "2"
    assert kpis["ratio"].display == "0.50"
    zones = {label: figure for label, _beds, figure in response.context["zones"]}
    detox = zones[ZoneKind.DETOX.label]
    assert detox.display == "1"
    assert persons_count(client, cast.facility_leader, detox.url) == 1
    assert persons_count(client, cast.facility_leader, kpis["facility_held"].url) == 1


def test_a_division_s_facility_dashboard_sums_its_facilities(client, cast, province, held, analyst):
    response = get(client, analyst, dashboard_url(cast.province, "analytics:facility"))
    rows = response.context["facility_rows"]
    assert {load.facility.code for load, *_ in rows} == {
        cast.facility.code,
        cast.police_facility.code,
    }
    kpis = {f.code: f for f in response.context["kpis"]}
    assert kpis["facility_held"].display == "1"
    assert "chart-facilities" in {c["id"] for c in response.context["charts"]}


def test_evaluations_by_month_sum_to_the_period_s_figures(cast, province):
    from jiedu.analytics import stocks
    from jiedu.analytics.models import MonthlyTally

    # Two tallies kept as `facts.save_tallies` keeps them: the rows and their running totals.
    added = {
        (cast.facility.path, "evaluations_extension", date(2026, 3, 1)): 2,
        (cast.facility.path, "evaluations_early_release", date(2026, 5, 1)): 1,
    }
    for (path, metric, month), value in added.items():
        MonthlyTally.objects.create(unit_path=path, month=month, metric=metric, value=value)
    with at(TODAY):
        stocks.apply_tallies({}, added)
        period = parse_period("2026")
        by_month = dashboards.evaluations_by_month(cast.province, period)
        table = indicators.table(cast.province, period)
    for code in dashboards.EVALUATION_CODES:
        assert sum(by_month["series"][code]) == table.total.counts.get(code, 0)
    assert by_month["series"]["evaluations_extension"][2] == 2


def test_the_facility_dashboard_counts_overdue_notices(client, cast, province, held):
    # The admission notice to the family is due within days of admission (戒毒条例 Art. 27).
    later = date(2026, 8, 1)
    response = get(client, cast.facility_leader, dashboard_url(cast.facility), day=later)
    kpis = {f.code: f for f in response.context["kpis"]}
    overdue = dashboards.SOURCES["notice"].model.objects.filter(
        dashboards.LIVE["notices_overdue"].q(dashboards.Today(later, later)),
        owed_by__path__startswith=cast.facility.path,
    )
    assert overdue.filter(measure__person=held).exists()
    assert kpis["notices_overdue"].display == str(overdue.count())
    assert kpis["notices_overdue"].danger
    listed = persons_count(client, cast.facility_leader, kpis["notices_overdue"].url, day=later)
    assert listed == overdue.values("measure__person").distinct().count()


def test_the_township_dashboard_links_its_figures_to_the_app_lists(client, cast, province):
    later = "2026-07-20"  # 丁's report-in deadline (2026-07-10) has passed
    response = get(client, cast.supervisor, dashboard_url(cast.township_a), day=later)
    assert response.status_code == 200
    overdue = {f.code: f for f in response.context["overdue"]}
    report = overdue["report_overdue"]
    assert report.display == "1"
    assert report.url == (
        f"{reverse('worklists:worklist')}?unit={cast.township_a.code}#section-report_overdue"
    )
    client.force_login(cast.supervisor)
    with at(later):
        worklist = client.get(reverse("worklists:worklist"), {"unit": cast.township_a.code})
    section = next(s for s in worklist.context["sections"] if s.key == "report_overdue")
    assert section.total == 1 and section.rows[0].person.name == "丁"
    # Cases by risk class: each count is the township's case list with that filter.
    case_list = reverse("community:case_list", args=[cast.township_a.code])
    for figure in response.context["risk"]:
        if figure.url:
            query = parse_qs(urlsplit(figure.url).query)
            assert figure.url.startswith(case_list)
            with at(later):
                listed = client.get(figure.url)
            assert listed.context["page"].paginator.count == int(figure.display), query
    # Follow-up: the plans list with the overdue filter.
    visits = overdue["visits_overdue"]
    if visits.url:
        with at(later):
            listed = client.get(visits.url)
        assert listed.context["page"].paginator.count == int(visits.display)
    # Credit tiers have no list of their own: the persons list.
    for figure in response.context["credit"]:
        if figure.url:
            assert "/analytics/" in figure.url
            assert persons_count(client, cast.supervisor, figure.url, day=later) == int(
                figure.display
            )


def test_the_township_counts_equal_the_records(client, cast, province):
    response = get(client, cast.supervisor, dashboard_url(cast.township_b), period="2026")
    risk = {f.code: int(f.display) for f in response.context["risk"]}
    cases = CommunityCase.objects.filter(unit__path__startswith=cast.township_b.path).exclude(
        state="closed"
    )
    assert sum(risk.values()) == cases.count() == int(response.context["cases_open"].display)


# --- wall, definitions, export ------------------------------------------------------------------


@pytest.mark.parametrize("wall", ["query", "path"])
def test_the_wall_is_full_screen_dark_without_navigation_and_refreshes(
    client, cast, province, wall
):
    if wall == "query":
        response = get(client, cast.supervisor, dashboard_url(cast.city), wall="1")
    else:
        response = get(client, cast.supervisor, dashboard_url(cast.city, "analytics:wall"))
    page = html(response)
    assert response.status_code == 200
    assert '<body class="wall">' in page
    assert 'http-equiv="refresh" content="300"' in page
    assert 'class="mainnav"' not in page and 'class="dash-links"' not in page
    assert 'data-kpi="existing"' in page and 'data-chart="chart-trend-data"' in page


def test_the_definitions_page_lists_every_figure_with_its_source(client, cast, province):
    page = html(get(client, cast.supervisor, reverse("analytics:definitions")))
    for code in [*indicators.INDICATORS, *indicators.RATES, *dashboards.LIVE]:
        assert f'id="def-{code}"' in page
    assert "戒毒条例 Art. 7" in page


def test_the_table_exports_to_excel_and_the_export_is_logged(client, cast, province):
    from openpyxl import load_workbook

    response = get(client, cast.supervisor, reverse("analytics:export", args=[cast.city.code]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    by_unit = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_unit[cast.county_a.name]["现有吸毒人员"] == 3
    assert by_unit[cast.county_b.name]["现有吸毒人员"] == 2
    assert by_unit["合计"]["现有吸毒人员"] == 5
    assert by_unit["合计"]["社区戒毒（康复）执行率（%）"] == 50.0
    entry = AccessLogEntry.objects.filter(user_id=cast.supervisor.pk, action="export").get()
    assert entry.query == f"analytics:{cast.city.code}:2026"
    assert entry.result_count == len(rows) - 1


# --- a fixed number of queries --------------------------------------------------------------------


def _queries(client, user, url, day=TODAY, **params) -> int:
    client.force_login(user)
    with at(day):
        client.get(url, params)  # warm the session and content-type caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


def _grow(cast, facility_leader):
    """A third county with two townships, persons and measures, and a second facility; the
    facts rebuilt from the records (the module's transaction never commits)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        county = ensure_unit(
            parent=cast.city,
            code="990104",
            name="新区",
            kind=UnitKind.COUNTY,
            division_code="990104",
        )
        for n in (1, 2):
            township = ensure_unit(
                parent=county, code=f"99010400{n}", name=f"新区{n}街道", kind=UnitKind.TOWNSHIP
            )
            for i in range(3):
                who = person(cast, f"新{n}{i}", township, "2026-02-01")
                measure = decide(
                    cast, who, MeasureKind.COMMUNITY_DRUG_REHAB, "2026-02-01", township
                )
                report(cast, measure, "2026-02-03")
        for i in range(3):
            who = person(cast, f"花{i}", cast.township_a, "2026-02-01")
            decide(cast, who, MeasureKind.COMMUNITY_DRUG_REHAB, "2026-02-01", cast.township_a)
        facility = ensure_unit(
            parent=cast.city,
            code="990100-SF02",
            name="东湖市第二戒毒所",
            kind=UnitKind.JUDICIAL_FACILITY,
        )
        with at("2026-01-01"):
            facilities.add_zone(
                facility, kind=ZoneKind.DETOX, name="二区", beds=3, actor=facility_leader
            )
    with at(TODAY):
        rebuild_facts()


@pytest.fixture
def facility_manager(cast):
    return make_user("facility_manager", cast.province, "facility_leader")


PAGES = [
    # (url name, unit attribute, params, the most queries it may make: session, user, unit,
    # grants, then the page's own — one per fact table, one per record table; the person
    # figures' running totals: the latest month kept, the month-end rows, the month's days)
    ("analytics:dashboard", "city", {"period": "2026"}, 15),
    ("analytics:facility", "city", {"period": "2026"}, 12),
    ("analytics:township", "city", {"period": "2026"}, 20),
    ("analytics:dashboard", "township_a", {"period": "2026"}, 20),
    ("analytics:wall", "city", {"period": "2026"}, 14),
    ("analytics:persons", "city", {"indicator": "registered", "period": "2026"}, 9),
    ("analytics:persons", "city", {"indicator": "community_due", "period": "2026"}, 9),
    ("analytics:persons", "township_a", {"indicator": "cases_open"}, 10),
    ("analytics:export", "city", {"period": "2026"}, 12),
]


@pytest.mark.parametrize(("name", "unit", "params", "limit"), PAGES)
def test_pages_are_a_fixed_number_of_queries(
    client,
    cast,
    province,
    facility_manager,
    django_assert_max_num_queries,
    name,
    unit,
    params,
    limit,
):
    url = reverse(name, args=[getattr(cast, unit).code])
    before = _queries(client, cast.supervisor, url, **params)
    assert before <= limit
    _grow(cast, facility_manager)
    client.force_login(cast.supervisor)
    with at(TODAY), django_assert_max_num_queries(before):
        response = client.get(url, params)
    assert response.status_code == 200
    if name == "analytics:persons" and params["indicator"] == "registered":
        assert response.context["page"].paginator.count == 7 + 9
    if name == "analytics:dashboard" and unit == "city":
        children = [r for r in response.context["rows"] if not (r.own or r.total)]
        assert len(children) == 3


def test_persons_count_stays_equal_to_the_figure_after_growth(
    client, cast, province, facility_manager
):
    _grow(cast, facility_manager)
    response = get(client, cast.supervisor, dashboard_url(cast.city), period="2026")
    kpis = {f.code: f for f in response.context["kpis"]}
    assert kpis["existing"].display == str(5 + 9)
    assert persons_count(client, cast.supervisor, kpis["existing"].url) == 14
    assert Person.objects.count() >= 16
