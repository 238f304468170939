"""The facility and township work lists in a real browser: what is due, and acting on it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from jiedu.core import clock
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import LeaveGround, ZoneKind
from jiedu.measures import services
from jiedu.measures.choices import MeasureKind
from jiedu.testing.cast import make_person


def _decide(cast, person, kind, on: date, unit, number):
    return services.decide_measure(
        services.MeasureInput(
            person=person,
            kind=kind,
            decided_on=on,
            served_on=on,
            executing_unit=unit,
            deciding_organ=cast.deciding_organ,
            decision_number=number,
        ),
        actor=cast.police,
    )


@pytest.fixture
def due(scene):
    """Persons with something due today, dated relative to the real today (the live server
    runs on the real clock)."""
    cast = scene.cast
    today = clock.today()
    bed = facilities.add_zone(
        cast.facility, kind=ZoneKind.DETOX, name="一区", beds=4, actor=cast.facility_leader
    ).beds.first()
    held = make_person(cast.worker_a, cast.township_a, "周一年", date(1983, 4, 4))
    isolation = _decide(
        cast,
        held,
        MeasureKind.COMPULSORY_ISOLATION,
        today - timedelta(days=360),
        cast.facility,
        "强A",
    )
    stay = facilities.admit_person(
        isolation,
        facility=cast.facility,
        data=facilities.IntakeInput(
            on=today - timedelta(days=359),
            identity_checked=True,
            searched_by=["民警甲", "民警乙"],
            bed=bed,
        ),
        actor=cast.facility_officer,
    )
    facilities.grant_home_leave(
        stay,
        ground=LeaveGround.FAMILY_EVENT,
        starts_on=today - timedelta(days=6),
        due_back_on=today - timedelta(days=1),
        actor=cast.facility_leader,
    )
    late = make_person(cast.worker_a, cast.township_a, "吴逾期", date(1991, 9, 9))
    overdue = _decide(
        cast,
        late,
        MeasureKind.COMMUNITY_DRUG_REHAB,
        today - timedelta(days=20),
        cast.township_a,
        "社A",
    )
    fresh = make_person(cast.worker_a, cast.township_a, "郑待报", date(1993, 3, 3))
    _decide(
        cast,
        fresh,
        MeasureKind.COMMUNITY_DRUG_REHAB,
        today - timedelta(days=3),
        cast.township_a,
        "社B",
    )
    return {"isolation": isolation, "overdue": overdue, "today": today}


def _section(page, key):
    return page.locator(f"#section-{key}")


def test_facility_officer_works_through_the_facility_list(page, live_server, due, login, shot):
    login("facility_officer")
    page.get_by_role("link", name="工作清单").first.click()
    expect(page.locator("main h1")).to_contain_text("演示省第一强制隔离戒毒所")
    expect(_section(page, "one_year")).to_contain_text("周一年")
    expect(_section(page, "leave")).to_contain_text("周一年")
    expect(_section(page, "leave").locator(".badge.danger").first).to_be_visible()
    notices = _section(page, "notices")
    expect(notices).to_contain_text("入所后书面通知家属")
    expect(notices).to_contain_text("逾期")
    # The township's cases are not the facility's business.
    expect(page.locator("main")).not_to_contain_text("吴逾期")
    shot("01-facility-worklist")

    with page.expect_navigation():
        notices.get_by_role("link", name="入所后书面通知家属").first.click()
    expect(page.locator("table.clocks")).to_contain_text("戒毒条例 Art. 27")
    notice_form = page.locator("form[action*='/notices/']").first
    notice_form.locator("input[name$='-method']").fill("挂号信")
    with page.expect_navigation():
        notice_form.get_by_role("button", name="登记已通知").click()
    expect(page.locator(".messages")).to_contain_text("已登记通知")
    shot("02-notice-sent")

    page.goto(f"{live_server.url}/worklist/")
    expect(_section(page, "notices")).not_to_contain_text("入所后书面通知家属")
    expect(_section(page, "notices")).to_contain_text("无")


def test_worker_takes_a_late_report_from_the_township_list(page, live_server, due, login, shot):
    login("worker_a")
    page.goto(f"{live_server.url}/worklist/")
    overdue = _section(page, "report_overdue")
    expect(overdue).to_contain_text("吴逾期")
    expect(_section(page, "to_report")).to_contain_text("郑待报")
    expect(overdue).not_to_contain_text("郑待报")
    shot("01-township-worklist")

    with page.expect_navigation():
        overdue.get_by_role("link", name="报到截止").first.click()
    expect(page.locator("h1")).to_contain_text("逾期未报到（视为拒绝）")
    form = page.locator("#action-report")
    with page.expect_navigation():
        form.get_by_role("button", name="报到").click()
    # Without a good reason, a late report is refused — shown at the field.
    expect(page.locator("#field-late_reason .field-error")).to_contain_text("视为拒绝接受")
    shot("02-late-report-refused")

    page.locator(
        "#action-report textarea, #action-report input[name='report-late_reason']"
    ).first.fill("住院治疗，有医院证明")
    with page.expect_navigation():
        page.locator("#action-report").get_by_role("button", name="报到").click()
    expect(page.locator("#measure-status")).to_have_text("执行中")
    term_end = page.locator("tr[data-clock='term_end'] td").nth(1)
    expect(term_end).not_to_have_text("—")
    shot("03-reported")

    page.goto(f"{live_server.url}/worklist/")
    expect(_section(page, "report_overdue")).not_to_contain_text("吴逾期")
