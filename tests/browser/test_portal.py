"""The person portal on a phone-sized screen: sign in, change the first password, check in with a
photo (face verified by the real dlib model), lose the answer and send the same check-in again
(one record), then a check-in by someone else's face, which the worker finds in review.

The photos are public-domain pictures that installed packages ship: scikit-image's astronaut
(the enrolled person) and matplotlib's Grace Hopper (someone else).
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from jiedu.checkins import services as portal_services
from jiedu.checkins.models import CheckIn
from jiedu.community.models import CommunityCase
from jiedu.core import clock
from jiedu.measures import services as measures
from jiedu.measures.choices import MeasureKind
from jiedu.testing.cast import build_cast, make_person

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

skimage_data = pytest.importorskip("skimage.data")
cbook = pytest.importorskip("matplotlib.cbook")

PHONE = "13912345678"
FIRST_PASSWORD = "Worker-set-2024"
OWN_PASSWORD = "My-own-pass-2024"
# A township in Wuhan; the browser reports it as the phone's position.
POSITION = {"latitude": 30.5928, "longitude": 114.3055, "accuracy": 25}


def _astronaut_png() -> bytes:
    out = io.BytesIO()
    Image.fromarray(skimage_data.astronaut()).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def person_case(transactional_db):
    """A community case, reported in, whose person has a portal account and an enrolled face —
    set up through the services, dated from the real today (the live server's clock)."""
    cast = build_cast()
    person = make_person(cast.worker_a, cast.township_a, "周签到")
    today = clock.today()
    measure = measures.decide_measure(
        measures.MeasureInput(
            person=person,
            kind=MeasureKind.COMMUNITY_DRUG_REHAB,
            decided_on=today - timedelta(days=10),
            served_on=today - timedelta(days=10),
            executing_unit=cast.township_a,
            deciding_organ=cast.deciding_organ,
            decision_number="江公社戒决字〔浏览器〕1号",
        ),
        actor=cast.police,
    )
    measures.report_in(measure, on=today - timedelta(days=8), actor=cast.worker_a)
    account = portal_services.open_account(
        person, phone=PHONE, password=FIRST_PASSWORD, actor=cast.worker_a
    )
    portal_services.enrol_face(account, photo_bytes=_astronaut_png(), on=today, actor=cast.worker_a)
    return CommunityCase.objects.get(measure=measure)


@pytest.fixture
def phone(browser, live_server):
    """A phone: 390×844, touch, a fixed position the person allowed the portal to read."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation=POSITION,
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def _phone_shot(page, request, step: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOT_DIR / f"{request.node.originalname}-{step}.png"), full_page=True
    )


def test_person_checks_in_from_a_phone_and_the_worker_reviews_a_stranger(
    phone, page, live_server, person_case, login, shot, tmp_path, request
):
    astronaut = tmp_path / "astronaut.png"
    astronaut.write_bytes(_astronaut_png())
    hopper = tmp_path / "grace_hopper.jpg"
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        hopper.write_bytes(f.read())

    # --- Sign in with the worker's first password, which must be changed at once.
    phone.goto(f"{live_server.url}/portal/")
    expect(phone).to_have_url(f"{live_server.url}/portal/login/?next=/portal/")
    phone.fill("#id_phone", PHONE)
    phone.fill("#id_password", FIRST_PASSWORD)
    _phone_shot(phone, request, "01-sign-in")
    with phone.expect_navigation():
        phone.get_by_role("button", name="登录").click()
    expect(phone).to_have_url(f"{live_server.url}/portal/password/")
    expect(phone.locator("main")).to_contain_text("初始密码")
    phone.fill("#id_old", FIRST_PASSWORD)
    phone.fill("#id_new", OWN_PASSWORD)
    phone.fill("#id_new2", OWN_PASSWORD)
    with phone.expect_navigation():
        phone.get_by_role("button", name="修改密码").click()
    expect(phone.locator("#today-state")).to_have_text("今天尚未签到")
    _phone_shot(phone, request, "02-home")

    # The portal is an installable app: manifest and a service worker scoped to /portal/.
    scope = phone.evaluate("navigator.serviceWorker.ready.then(r => new URL(r.scope).pathname)")
    assert scope == "/portal/"

    # --- Check in with a photo; the answer is lost on the way back (bad network).
    phone.get_by_role("link", name="拍照签到").click()
    expect(phone.locator("#location-state")).to_contain_text("已获取位置")
    phone.set_input_files("#photo", str(astronaut))
    expect(phone.locator("#submit-checkin")).to_be_enabled()
    _phone_shot(phone, request, "03-photo-taken")

    answers = []

    def lose_the_answer(route):
        answers.append(route.fetch().status)  # the server got it and answered …
        route.abort("internetdisconnected")  # … but the phone never hears back

    phone.route("**/api/v1/checkins", lose_the_answer)
    phone.locator("#submit-checkin").click()
    expect(phone.locator("#pending-list li")).to_have_count(1)
    expect(phone.locator("#checkin-result")).to_contain_text("无网络")
    assert answers == [201]
    _phone_shot(phone, request, "04-kept-offline")
    client_id = phone.locator("#pending-list li").get_attribute("data-client-id")

    # --- The network is back: the same check-in is sent again, twice even.
    phone.unroute("**/api/v1/checkins")
    with phone.expect_response("**/api/v1/checkins") as retry:
        phone.evaluate("Promise.all([sendPending(), sendPending()])")
    assert retry.value.status == 200  # the first check-in, not a new one
    expect(phone.locator("#checkin-result")).to_have_text("已签到 · 人脸一致")
    expect(phone.locator("#pending")).to_be_hidden()
    expect(phone.locator(f'#done-list li[data-client-id="{client_id}"]')).to_have_count(1)
    assert CheckIn.objects.count() == 1
    first = CheckIn.objects.get()
    assert str(first.client_id) == client_id
    assert first.face_status == "match"
    assert float(first.latitude) == pytest.approx(POSITION["latitude"])
    phone.reload()
    expect(phone.locator("#done-list li")).to_have_count(1)
    _phone_shot(phone, request, "05-checked-in")

    # --- A second check-in, by someone else's face: it goes to the worker, not to a penalty.
    phone.set_input_files("#photo", str(hopper))
    expect(phone.locator("#submit-checkin")).to_be_enabled()
    with phone.expect_response("**/api/v1/checkins") as second:
        phone.locator("#submit-checkin").click()
    assert second.value.status == 201
    # Answered at once; the face is compared by the background task (run at once here).
    expect(phone.locator("#checkin-result")).to_have_text("已签到 · 比对中")
    expect(phone.locator("#done-list li")).to_have_count(2)
    phone.reload()
    expect(phone.locator("#done-list li")).to_have_count(2)
    expect(phone.locator("#done-list")).to_contain_text("人脸不一致")
    expect(phone.locator("#done-list")).to_contain_text("人工复核")
    _phone_shot(phone, request, "06-mismatch")
    mismatch = CheckIn.objects.exclude(pk=first.pk).get()
    assert mismatch.face_status == "no_match"

    # --- The worker (a second browser) sees both on the case page and the stranger in review.
    login("worker_a")
    page.goto(f"{live_server.url}/community/cases/{person_case.pk}/")
    section = page.locator("#checkins")
    expect(section.locator("tbody tr")).to_have_count(2)
    expect(section).to_contain_text("人脸一致")
    expect(section).to_contain_text("人脸不一致")
    expect(section).to_contain_text("1条待复核")
    expect(section.locator(f"#checkin-{first.pk} img")).to_be_visible()
    # The photos come through the permission-checked, logged view, and they load.
    expect(section.locator("img")).to_have_count(3)  # the enrolled face and two check-ins
    page.wait_for_function(
        "[...document.querySelectorAll('#checkins img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    section.scroll_into_view_if_needed()
    shot("07-case-page")

    page.goto(f"{live_server.url}/portal/staff/review/")
    item = page.locator(f"#review-{mismatch.pk}")
    expect(item).to_contain_text("周签到")
    expect(item).to_contain_text("人脸不一致")
    expect(item.locator("img")).to_have_count(2)  # the check-in photo beside the enrolled one
    expect(page.locator(f"#review-{first.pk}")).to_have_count(0)
    shot("08-review-queue")
    item.locator("input[name=note]").fill("照片非本人，已电话联系")
    with page.expect_navigation():
        item.get_by_role("button", name="非本人签到").click()
    expect(page.locator(".messages")).to_contain_text("非本人签到")
    expect(page.locator("#review-count")).to_have_text("0")
    shot("09-reviewed")
    mismatch.refresh_from_db()
    assert mismatch.review_outcome == "rejected"
