"""End-to-end flows of the person registry in a real browser (Chinese UI unless switched)."""

from __future__ import annotations

import gettext
import re
from datetime import date

import pytest
from django.conf import settings
from playwright.sync_api import expect

from jiedu.people.models import Person
from jiedu.utilities import resident_id


def test_worker_finds_person_by_pinyin_initials(page, live_server, scene, login, shot):
    login("worker_a")
    shot("01-home")

    page.goto(f"{live_server.url}/people/")
    results = page.locator("#results")
    expect(results).to_contain_text("李四")
    shot("02-list")

    # Typing updates the results through htmx (and pushes ?q= into the address bar).
    page.locator("#q").fill("zsf")
    expect(page).to_have_url(re.compile(r"/people/\?q=zsf$"))
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("张三丰")
    expect(results).not_to_contain_text("李四")
    shot("03-search-zsf")

    # Submitting the form gives the same result.
    page.locator("form.searchbar button[type=submit]").click()
    expect(results.locator("tbody tr")).to_have_count(1)
    # The list shows the masked number only.
    masked = scene.zhang_sanfeng.id_number_masked
    expect(results.locator("code")).to_have_text(masked)

    with page.expect_navigation():
        results.get_by_role("link", name="张三丰").click()
    expect(page).to_have_url(f"{live_server.url}/people/{scene.zhang_sanfeng.uuid}/")
    expect(page.locator("#person-name")).to_have_text("张三丰")
    expect(page.locator("#id-number")).to_have_text(masked)
    assert masked != scene.full_id and "*" in masked
    assert scene.full_id not in page.content()
    expect(page).to_have_title(re.compile("张三丰"))
    shot("04-detail")


def test_outsider_gets_404_for_other_county(page, live_server, scene, login, shot):
    login("outsider")
    url = f"{live_server.url}/people/{scene.zhang_sanfeng.uuid}/"
    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(page.locator("main h1")).to_have_text("找不到该页面")
    expect(page.locator("body")).not_to_contain_text("张三丰")
    assert scene.full_id not in page.content()
    shot("01-not-found")

    # Nor does a search in county B reveal the file.
    page.goto(f"{live_server.url}/people/?q=zsf")
    expect(page.locator("#results")).to_contain_text("没有找到符合条件的人员")


def test_create_person_rejects_bad_id_then_saves(page, live_server, scene, login, shot):
    name = "王小明"
    birth = date(1985, 3, 12)
    good_id = resident_id.build("990102", birth, 155)  # odd sequence: male
    wrong_check = "0" if good_id[-1] != "0" else "1"
    bad_id = good_id[:-1] + wrong_check
    before = Person.objects.count()

    login("worker_a")
    page.goto(f"{live_server.url}/people/")
    with page.expect_navigation():
        page.get_by_role("link", name="新建档案").click()
    expect(page.locator("main h1")).to_have_text("新建档案")

    page.fill("#id_name", name)
    page.select_option("#id_gender", "male")
    page.fill("#id_birth_date", birth.isoformat())
    page.select_option("#id_id_type", "resident_id")
    page.fill("#id_id_number", bad_id)
    page.select_option("#id_managing_unit", str(scene.cast.county_a.pk))
    shot("01-filled-bad-id")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    error = page.locator("#field-id_number .field-error")
    expect(error).to_have_text(
        f"身份证号码校验位错误（最后一位应为{good_id[-1]}），请核对是否录入有误。"
    )
    expect(page.locator("#field-id_number")).to_have_class(re.compile(r"\bhas-error\b"))
    # The other answers are kept.
    expect(page.locator("#id_name")).to_have_value(name)
    shot("02-id-error")
    assert Person.objects.count() == before
    assert not Person.objects.filter(name=name).exists()

    page.fill("#id_id_number", good_id)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    person = Person.objects.get(name=name)
    assert Person.objects.count() == before + 1
    assert person.id_number == good_id
    assert person.managing_unit_id == scene.cast.county_a.pk
    expect(page).to_have_url(f"{live_server.url}/people/{person.uuid}/")
    expect(page.locator("#person-name")).to_have_text(name)
    expect(page.locator(".messages")).to_contain_text(f"已建立档案：{name}")
    expect(page.locator("#id-number")).to_have_text(person.id_number_masked)
    shot("03-created")


def _english_catalogue():
    mo = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    if not mo.exists():
        pytest.skip(f"no English catalogue yet ({mo.relative_to(settings.BASE_DIR)})")
    with mo.open("rb") as f:
        return gettext.GNUTranslations(f)


def test_switch_to_english(page, live_server, scene, login, shot):
    catalogue = _english_catalogue()
    people_en = catalogue.gettext("人员档案")
    if people_en == "人员档案":
        pytest.skip("the English catalogue does not translate 人员档案 yet")

    login("worker_a")
    page.goto(f"{live_server.url}/people/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".mainnav")).to_contain_text("人员档案")
    shot("01-chinese")

    with page.expect_navigation():
        page.locator("select[name=language]").select_option("en")
    expect(page).to_have_url(f"{live_server.url}/people/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".mainnav")).to_contain_text(people_en)
    expect(page.locator("main h1")).to_have_text(people_en)
    expect(page).to_have_title(re.compile(re.escape(people_en)))
    shot("02-english")
