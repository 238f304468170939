"""The printable evaluation report: what a reader extracts from the PDF is the evaluation as the
services recorded it — the person (masked ID), the measure, every item with its points, the
results (诊断评估办法 Art. 6), the opinion (Art. 3) and the proposal's decisions (戒毒条例
Art. 33). A draft has no report.

The scenario helpers here are shared with test_api.py.
"""

from __future__ import annotations

import io
import itertools
import re
from datetime import date

import pytest
import time_machine
from pypdf import PdfReader

from jiedu.evaluations import services
from jiedu.evaluations.choices import EvaluationKind, Opinion
from jiedu.evaluations.documents import TITLE, render_evaluation_report
from jiedu.facilities import services as facilities
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

D = date.fromisoformat
FULL_ID = re.compile(r"\d{17}[\dXx]")
_numbers = itertools.count(1)


def at(day: str):
    return time_machine.travel(D(day), tick=False)


def admitted_stay(cast, name="王五", day="2024-03-01"):
    """A man decided into compulsory isolation by the county A police and admitted to the
    judicial facility the same day."""
    seq = (next(_numbers) % 499) * 2 + 1
    birth = D("1990-05-17")
    with at(day):
        person = make_person(
            cast.worker_a,
            cast.township_a,
            name,
            birth,
            "male",
            id_number=resident_id.build("990102", birth, seq),
        )
        measure = measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D(day),
                served_on=D(day),
                executing_unit=cast.facility,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公强戒决字〔2024〕{next(_numbers)}号",
                ground=IsolationGround.RELAPSE,
            ),
            actor=cast.police,
        )
        return facilities.admit_person(
            measure,
            facility=cast.facility,
            data=facilities.IntakeInput(
                on=D(day), identity_checked=True, searched_by=["民警甲", "民警乙"]
            ),
            actor=cast.facility_officer,
        )


def full_marks(evaluation) -> dict:
    """Every item at full marks; a reason in case the records suggested otherwise."""
    return {i.code: (i.max_points, "现场考核全部达标") for i in evaluation.items.all()}


def one_year_evaluation(cast, stay, *, committee=False, organ=False, day="2025-03-05"):
    """The 一年后综合诊断评估 passed in full with an early-release opinion and 2 years of
    社区康复 recommended; optionally sent on by the committee and approved by the organ."""
    officer = cast.facility_officer
    with at(day):
        services.open_handbook(stay, opened_on=stay.admitted_on, actor=officer)
        evaluation = services.start_evaluation(
            stay, EvaluationKind.ONE_YEAR, on=D(day), actor=officer
        )
        services.score_items(evaluation, full_marks(evaluation), actor=officer)
        evaluation = services.complete_evaluation(
            evaluation,
            actor=officer,
            opinion=Opinion.EARLY_RELEASE,
            summary="戒治表现良好，建议提前解除。",
            proposed_release_on=D("2025-04-01"),
            community_rehab_years=2,
        )
        if committee:
            services.decide_in_committee(
                evaluation.proposal,
                approve=True,
                on=D(day),
                actor=cast.facility_leader,
                note="同意报送",
            )
        if organ:
            services.decide_proposal(
                evaluation.proposal,
                approve=True,
                decided_on=D(day),
                actor=cast.police,
                decision_number="江公强戒提解字〔2025〕3号",
            )
    evaluation.refresh_from_db()
    return evaluation


def detox_stage_draft(cast, stay, day="2024-03-20"):
    officer = cast.facility_officer
    with at(day):
        services.open_handbook(stay, opened_on=stay.admitted_on, actor=officer)
        return services.start_evaluation(stay, EvaluationKind.DETOX_STAGE, on=D(day), actor=officer)


def text(pdf: bytes) -> str:
    # The CID font extracts with line breaks wherever ReportLab wrapped: compare without
    # whitespace.
    pages = PdfReader(io.BytesIO(pdf)).pages
    return "".join("".join(page.extract_text().split()) for page in pages)


@pytest.fixture
def approved(cast):
    stay = admitted_stay(cast)
    return one_year_evaluation(cast, stay, committee=True, organ=True)


def test_the_report_is_a_titled_pdf_of_the_completed_evaluation(approved):
    pdf = render_evaluation_report(approved)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == TITLE
    # The page number is drawn before the page's flowables, so it extracts first.
    assert text(pdf).startswith(f"第1页{TITLE}")


def test_the_report_names_the_person_measure_and_evaluation(approved, cast):
    body = text(render_evaluation_report(approved))
    person, measure = approved.person, approved.measure
    for expected in [
        "姓名王五",
        "性别男",
        "出生日期1990年5月17日",
        f"身份证号码{person.id_number_masked}",
        "戒毒所演示省第一强制隔离戒毒所",
        "决定机关江岸区公安分局",
        f"决定书文号{measure.decision_number}",
        "强制隔离戒毒期限24个月",
        "评估类型一年后综合诊断评估",
        "评估日期2025年3月5日",
        f"评估人{approved.evaluator}",
    ]:
        assert expected in body, expected


def test_the_report_carries_only_the_masked_id_number(approved):
    body = text(render_evaluation_report(approved))
    assert approved.person.id_number_masked in body
    assert not FULL_ID.search(body)


def test_the_report_lists_every_item_with_its_points_and_each_dimension_result(approved):
    body = text(render_evaluation_report(approved))
    for header in ("项目", "满分", "系统预填", "评定分", "依据/调整理由"):
        assert header in body
    for item in approved.items.all():
        assert "".join(item.label.split()) in body, item.label
    for dimension in ("生理脱毒", "身心康复", "行为表现", "社会环境与适应能力"):
        assert f"{dimension}评估结果" in body
    assert "生理脱毒评估结果：合格" in body
    assert "行为表现评估结果：合格" in body
    assert "社会环境与适应能力评估结果：良好" in body
    assert "合计100100结果：合格" in body  # the detox sheet: 5 × 20


def test_the_report_gives_the_gate_the_opinion_and_community_rehab(approved):
    body = text(render_evaluation_report(approved))
    assert "本次一年后综合诊断评估结论：合格" in body
    assert "评估意见：提出提前解除意见。" in body
    assert "建议解除日期：2025年4月1日。" in body
    assert "建议责令社区康复，期限2年（禁毒法第四十八条）。" in body
    assert "评估结论：戒治表现良好，建议提前解除。" in body


def test_the_report_records_the_committee_and_the_organ_decisions(approved):
    body = text(render_evaluation_report(approved))
    assert "所务会审议：2025年3月5日，同意报送决定机关" in body
    assert "应于2025年3月12日前作出决定（戒毒条例第三十三条）" in body
    assert "决定机关决定：2025年3月5日，批准，决定书文号江公强戒提解字〔2025〕3号" in body
    assert "批准解除日期2025年4月1日" in body


def test_the_report_ends_with_signature_lines(approved):
    body = text(render_evaluation_report(approved))
    assert "评估人（签名）" in body
    assert "所务会（签章）" in body
    assert body.endswith("演示省第一强制隔离戒毒所（印章）日期：年月日")


def test_a_proposal_still_with_the_committee_says_so(cast):
    evaluation = one_year_evaluation(cast, admitted_stay(cast))
    body = text(render_evaluation_report(evaluation))
    assert "所务会审议：尚未审议。" in body
    assert "决定机关决定：" not in body
    assert "报送决定机关：" not in body


def test_a_stage_evaluation_has_no_opinion_or_proposal(cast):
    stay = admitted_stay(cast)
    officer = cast.facility_officer
    evaluation = detox_stage_draft(cast, stay)
    with at("2024-03-20"):
        services.score_items(evaluation, full_marks(evaluation), actor=officer)
        evaluation = services.complete_evaluation(evaluation, actor=officer)
    body = text(render_evaluation_report(evaluation))
    assert "本次生理脱毒阶段性评价结论：合格（判定依据：生理脱毒均须合格）。" in body
    assert "评估意见" not in body
    assert "身心康复" not in body
    assert "所务会审议和决定机关决定" not in body


def test_a_draft_has_no_report(cast):
    draft = detox_stage_draft(cast, admitted_stay(cast))
    with pytest.raises(ValueError):
        render_evaluation_report(draft)


def test_the_report_prints_in_chinese_whatever_the_active_language(approved):
    from django.utils import translation

    with translation.override("en"):
        body = text(render_evaluation_report(approved))
    assert "评估类型一年后综合诊断评估" in body
    assert "生理脱毒评估结果：合格" in body


def test_the_same_evaluation_renders_the_same_bytes(approved):
    assert render_evaluation_report(approved) == render_evaluation_report(approved)
