"""An evaluator completes a detox-stage evaluation (生理脱毒阶段性评价) in a real browser: the
handbook, the start, items pre-filled from the medical centre's records, an override refused
without a reason and accepted with one, and the result 合格."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from jiedu.centres.services import medical
from jiedu.core import clock
from jiedu.evaluations.models import Evaluation, Handbook
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import ZoneKind
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.testing.cast import make_person


@pytest.fixture
def stay(scene):
    """A man admitted to the detox zone 20 days ago (the live server runs on the real clock),
    with what the medical centre recorded since: a negative test two days ago, withdrawal
    medication stopped, a withdrawal check with no symptoms — and a second withdrawal drug whose
    stop order was never entered, so the records suggest 0 for that item."""
    cast = scene.cast
    today = clock.today()
    admitted_on = today - timedelta(days=20)
    bed = facilities.add_zone(
        cast.facility, kind=ZoneKind.DETOX, name="一区", beds=4, actor=cast.facility_leader
    ).beds.first()
    person = make_person(cast.worker_a, cast.township_a, "陈评估", date(1987, 6, 1))
    measure = measures.decide_measure(
        measures.MeasureInput(
            person=person,
            kind=MeasureKind.COMPULSORY_ISOLATION,
            decided_on=admitted_on,
            served_on=admitted_on,
            executing_unit=cast.facility,
            deciding_organ=cast.deciding_organ,
            decision_number="江公强戒决字〔2026〕88号",
            ground=IsolationGround.RELAPSE,
        ),
        actor=cast.police,
    )
    stay = facilities.admit_person(
        measure,
        facility=cast.facility,
        data=facilities.IntakeInput(
            on=admitted_on, identity_checked=True, searched_by=["民警甲", "民警乙"], bed=bed
        ),
        actor=cast.facility_officer,
    )
    officer, checked = cast.facility_officer, today - timedelta(days=2)
    medical.record_drug_test(
        stay,
        tested_on=checked,
        occasion="routine",
        sample="urine",
        substances="吗啡、甲基苯丙胺",
        result="negative",
        tester="刘医生",
        actor=officer,
    )
    order = medical.record_medication(
        stay,
        drug="洛非西定",
        purpose="withdrawal",
        dose="0.2mg 每日两次",
        started_on=admitted_on,
        prescriber="刘医生",
        actor=officer,
    )
    medical.stop_medication(order, on=checked, actor=officer)
    medical.record_medication(
        stay,
        drug="丁丙诺啡",
        purpose="withdrawal",
        dose="舌下含服",
        started_on=admitted_on,
        prescriber="刘医生",
        actor=officer,
    )
    medical.record_withdrawal_check(
        stay,
        checked_on=checked,
        acute_symptoms="none",
        protracted_symptoms=[],
        psychiatric_state="none",
        examiner="刘医生",
        actor=officer,
    )
    return stay


def test_evaluator_completes_a_detox_stage_evaluation(page, live_server, stay, login, shot):
    checked = (clock.today() - timedelta(days=2)).isoformat()
    login("facility_officer")
    page.goto(f"{live_server.url}/evaluations/{stay.facility.code}/")
    due = page.locator("#due")
    expect(due.locator("tr[data-kind=handbook]")).to_contain_text("陈评估")
    expect(due.locator("tr[data-kind=handbook]")).to_contain_text("已逾期")
    shot("00-work")
    with page.expect_navigation():
        due.locator("tr[data-kind=handbook]").get_by_role("link", name="陈评估").click()
    expect(page).to_have_url(f"{live_server.url}/evaluations/stays/{stay.pk}/")
    expect(page.locator("main h1")).to_contain_text("陈评估")
    # Admitted 20 days ago: the handbook (7 days) is overdue, the detox zone needs its stage
    # evaluation before the person moves on.
    expect(page.locator("#handbook")).to_contain_text("已逾期")
    expect(page.locator("#zone-gate")).to_contain_text("生理脱毒阶段性评价")
    expect(page.locator("#zone-gate")).to_contain_text("未满足")
    shot("01-stay-file")

    with page.expect_navigation():
        page.get_by_role("button", name="建立诊断评估手册").click()
    expect(page.locator(".messages")).to_contain_text("已建立诊断评估手册")
    number = Handbook.objects.get(admission=stay).number
    expect(page.locator("#handbook")).to_contain_text(number)

    page.select_option("#id_start-kind", "detox_stage")
    expect(page.locator("#id_start-evaluated_on")).to_have_value(clock.today().isoformat())
    with page.expect_navigation():
        page.locator("#start-form button[type=submit]").click()
    evaluation = Evaluation.objects.get(admission=stay)
    expect(page).to_have_url(f"{live_server.url}/evaluations/{evaluation.pk}/")
    expect(page.locator("main h1")).to_contain_text("生理脱毒阶段性评价")

    # Pre-filled from the medical centre's records, each with its basis.
    test_row = page.locator("#item-drug_test_negative")
    expect(test_row.locator(".basis")).to_have_text(f"{checked}所内检测：阴性")
    expect(test_row.locator("input.points")).to_have_value("20")
    expect(page.locator("#item-acute_withdrawal_gone .basis")).to_contain_text("急性戒断症状无")
    expect(page.locator("#item-no_protracted_withdrawal input.points")).to_have_value("20")
    medication = page.locator("#item-withdrawal_medication_stopped")
    expect(medication.locator(".basis")).to_have_text("丁丙诺啡仍在使用")
    expect(medication.locator("input.points")).to_have_value("0")
    shot("02-prefilled")

    # The evaluator knows the drug was stopped today; a figure other than the suggestion needs
    # a reason, and the error is shown at the item.
    medication.locator("input.points").fill("20")
    with page.expect_navigation():
        page.locator("#complete").click()
    expect(medication).to_have_class(re.compile(r"\bhas-error\b"))
    expect(medication.locator(".field-error")).to_contain_text("与系统预填分不同，请填写调整理由")
    expect(medication.locator("input.points")).to_have_value("20")  # the answer is kept
    evaluation.refresh_from_db()
    assert evaluation.status == "draft"
    assert evaluation.items.get(code="withdrawal_medication_stopped").points == 0
    shot("03-reason-required")

    medication.locator("input[name=reason_withdrawal_medication_stopped]").fill(
        "丁丙诺啡已于今日停药，停药医嘱尚未录入"
    )
    page.fill("#id_summary", "生理脱毒各项达标，可转入教育适应区。")
    with page.expect_navigation():
        page.locator("#complete").click()
    expect(page.locator(".messages")).to_contain_text("评估已完成")
    expect(page.locator("#evaluation-status")).to_have_text("已完成")
    expect(page.locator("#passed")).to_have_text("合格")
    expect(page.locator("#outcome [data-dimension=detox]")).to_contain_text("合格")
    expect(page.locator("#item-withdrawal_medication_stopped")).to_contain_text(
        "丁丙诺啡已于今日停药"
    )
    expect(page.locator("#report-pdf")).to_be_visible()
    shot("04-completed")

    evaluation.refresh_from_db()
    assert evaluation.passed is True and evaluation.detox_result == "pass"
    item = evaluation.items.get(code="withdrawal_medication_stopped")
    assert item.points == 20 and item.override_reason.startswith("丁丙诺啡已于今日停药")

    # The stay's file now shows the evaluation and the zone gate met.
    page.goto(f"{live_server.url}/evaluations/stays/{stay.pk}/")
    expect(page.locator("#zone-gate")).to_contain_text("已满足")
    expect(page.locator(f"#evaluation-{evaluation.pk}")).to_contain_text("合格")
    shot("05-stay-file-after")
