"""The dashboards in a real browser: from a province figure down to a township's persons."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from jiedu.testing.cast import make_person, make_user


@pytest.fixture
def townships(scene, settings):
    """Persons managed by the two townships (the scene's three are managed by county A itself);
    their facts are kept by the upkeep when each write commits. Charts drawn without animation."""
    settings.JIEDU_CHART_ANIMATION = False
    cast = scene.cast
    for name, birth in [("周花桥", date(1980, 1, 1)), ("吴花桥", date(1982, 2, 2))]:
        make_person(cast.worker_a, cast.township_a, name, birth)
    make_person(cast.supervisor, cast.township_b, "郑柳岸", date(1984, 3, 3))
    return make_user("analyst", cast.province, "bureau_analyst", "省统计员")


def _drill(page, name):
    with page.expect_navigation():
        page.locator("table.drilldown tbody th").get_by_role("link", name=name).click()
    expect(page.locator("main h1")).to_contain_text(name)


def test_analyst_drills_down_from_the_province_to_a_township_s_persons(
    page, live_server, scene, townships, login, shot
):
    cast = scene.cast
    login("analyst")
    with page.expect_navigation():
        page.locator("nav.mainnav").get_by_role("link", name="统计驾驶舱").click()
    expect(page).to_have_url(re.compile(rf"/analytics/{cast.province.code}/$"))
    expect(page.locator("main h1")).to_contain_text("演示省")
    # The figures are HTML; the charts are drawn on a canvas.
    expect(page.locator('[data-kpi="existing"] .kpi-value')).to_have_text("6")
    expect(page.locator("#chart-trend[data-rendered=true] canvas").first).to_be_visible()
    expect(page.locator("#chart-survival")).to_be_attached()
    shot("01-province")

    _drill(page, "东湖市")
    _drill(page, "江岸区")
    shot("02-county")

    figure = page.locator('tr[data-row="花桥街道"] td[data-code="existing"] a')
    expect(figure).to_have_text("2")
    count = int(figure.inner_text())
    with page.expect_navigation():
        figure.click()
    expect(page.locator("main h1")).to_contain_text("现有吸毒人员：花桥街道")
    expect(page.locator("#person-count")).to_have_text(f"共 {count} 人")
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(count)
    expect(rows).to_contain_text(["吴花桥", "周花桥"])
    shot("03-township-persons")

    # Each name opens the person's file.
    with page.expect_navigation():
        rows.get_by_role("link", name="周花桥").click()
    expect(page.locator("#person-name")).to_have_text("周花桥")


def test_the_wall_is_dark_and_a_bad_period_is_explained(
    page, live_server, scene, townships, login, shot
):
    cast = scene.cast
    login("analyst")
    page.goto(f"{live_server.url}/analytics/{cast.city.code}/wall/")
    expect(page.locator("body.wall")).to_be_visible()
    expect(page.locator("nav.mainnav")).to_have_count(0)
    expect(page.locator("#chart-trend canvas").first).to_be_visible()
    shot("01-wall")

    page.goto(f"{live_server.url}/analytics/{cast.city.code}/?period=2026-13")
    expect(page.locator("#period-error")).to_contain_text("统计期格式不正确")
    page.locator("#id_period").fill("2026-Q3")
    with page.expect_navigation():
        page.locator("form.period-picker button[type=submit]").click()
    expect(page.locator("main h1")).to_contain_text("2026年第3季度")
    shot("02-quarter")
