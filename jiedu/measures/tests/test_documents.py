"""Rendered legal documents: the text a reader extracts from the PDF is the text we meant."""

import dataclasses
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from jiedu.measures.documents import (
    CommunityRehabNotice,
    ReleaseCertificate,
    chinese_date,
    render_community_rehab_notice,
    render_release_certificate,
)

FULL_ID = re.compile(r"\d{17}[\dXx]")

RELEASE = ReleaseCertificate(
    number="〔2026〕演强戒解字第12号",
    person_name="张三",
    gender="男",
    birth_date=date(1990, 1, 2),
    id_number_masked="990102********0013",
    hukou_address="演示省演示市江岸区幸福路1号",
    deciding_organ="江岸区公安分局",
    decision_number="江公（禁）强戒决字〔2024〕45号",
    decided_on=date(2024, 5, 20),
    term_start=date(2024, 5, 20),
    term_end=date(2026, 5, 19),
    released_on=date(2025, 11, 20),
    release_kind="early",
    facility_name="演示省第一强制隔离戒毒所",
    community_rehab_months=36,
    community_rehab_unit="江岸区幸福街道办事处",
    issued_on=date(2025, 11, 21),
)

NOTICE = CommunityRehabNotice(
    number="江公（禁）社康字〔2025〕7号",
    person_name="李四",
    gender="女",
    birth_date=date(1988, 3, 4),
    id_number_masked="990102********0021",
    residence_address="演示市江岸区和平路8号",
    deciding_organ="江岸区公安分局",
    released_on=date(2025, 11, 20),
    term_months=24,
    executing_unit="江岸区幸福街道办事处",
    report_due_by=date(2025, 12, 5),
    issued_on=date(2025, 11, 18),
)


def pages(pdf: bytes) -> list[str]:
    # The CID font extracts with line breaks wherever ReportLab wrapped, so compare without
    # whitespace.
    return ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def text(pdf: bytes) -> str:
    return "".join(pages(pdf))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 2, 29), "2024年2月29日"),
        (date(2026, 11, 22), "2026年11月22日"),
        (date(2026, 1, 5), "2026年1月5日"),  # no zero padding on official documents
    ],
)
def test_chinese_date_writes_year_month_day_without_padding(day, expected):
    assert chinese_date(day) == expected


@pytest.mark.parametrize(
    ("render", "doc", "title"),
    [
        (render_release_certificate, RELEASE, "解除强制隔离戒毒证明书"),
        (render_community_rehab_notice, NOTICE, "责令社区康复决定书"),
    ],
)
def test_documents_are_one_page_pdfs_titled_in_metadata_and_on_the_page(render, doc, title):
    pdf = render(doc)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == title
    assert len(reader.pages) == 1
    assert pages(pdf)[0].startswith(title)


def test_release_certificate_states_the_decision_term_and_release():
    body = text(render_release_certificate(RELEASE))
    for expected in [
        "〔2026〕演强戒解字第12号",
        "兹有张三，男，1990年1月2日出生，身份证号码990102********0013，",
        "户籍地演示省演示市江岸区幸福路1号，因吸毒成瘾，",
        "于2024年5月20日被江岸区公安分局决定强制隔离戒毒",
        "（决定书文号：江公（禁）强戒决字〔2024〕45号）",
        "期限自2024年5月20日起至2026年5月19日止。",
        "经诊断评估，于2025年11月20日提前解除强制隔离戒毒。",
        "特此证明。",
        "演示省第一强制隔离戒毒所（印章）2025年11月21日",
        "（本证明书一式三份",
    ]:
        assert expected in body


@pytest.mark.parametrize(("kind", "phrase"), [("early", "提前"), ("expiry", "期满")])
def test_release_certificate_names_the_kind_of_release(kind, phrase):
    other = {"提前": "期满", "期满": "提前"}[phrase]
    body = text(render_release_certificate(dataclasses.replace(RELEASE, release_kind=kind)))
    assert f"{phrase}解除强制隔离戒毒" in body
    assert f"{other}解除强制隔离戒毒" not in body


def test_release_certificate_orders_community_rehab_and_reporting():
    # 禁毒法 Art. 48; 戒毒条例 Art. 38 (the report-in window is on the order itself).
    body = text(render_release_certificate(RELEASE))
    assert "根据《中华人民共和国禁毒法》第四十八条，责令其接受社区康复" in body
    assert "期限36个月，由江岸区幸福街道办事处执行。" in body
    assert (
        "本人应按责令社区康复决定书载明的期限到江岸区幸福街道办事处报到（戒毒条例第三十八条）。"
        in body
    )


def test_release_certificate_without_community_rehab_says_nothing_about_it():
    doc = dataclasses.replace(RELEASE, community_rehab_months=None, community_rehab_unit="")
    body = text(render_release_certificate(doc))
    assert "社区康复" not in body
    assert "报到" not in body
    assert "特此证明。" in body


def test_markup_characters_in_user_text_print_literally():
    doc = dataclasses.replace(RELEASE, person_name="张<b>&三", hukou_address="A&B路<1>号")
    body = text(render_release_certificate(doc))
    assert "兹有张<b>&三，男" in body
    assert "户籍地A&B路<1>号" in body
    assert "&amp;" not in body


def test_documents_carry_only_the_masked_id_number():
    for pdf, masked in [
        (render_release_certificate(RELEASE), "990102********0013"),
        (render_community_rehab_notice(NOTICE), "990102********0021"),
    ]:
        body = text(pdf)
        assert masked in body
        assert not FULL_ID.search(body)


def test_community_rehab_notice_orders_rehab_and_gives_the_report_deadline():
    body = text(render_community_rehab_notice(NOTICE))
    for expected in [
        "江公（禁）社康字〔2025〕7号",
        "李四，女，1988年3月4日出生，身份证号码990102********0021，",
        "居住地演示市江岸区和平路8号，于2025年11月20日解除强制隔离戒毒。",
        "《中华人民共和国禁毒法》第四十八条和《戒毒条例》第三十七条、第三十八条",
        "决定责令其接受社区康复，期限24个月，由江岸区幸福街道办事处负责执行。",
        "被责令人应当于2025年12月5日前到江岸区幸福街道办事处报到，签订社区康复协议。",
        "无正当理由逾期不报到或者拒绝接受社区康复的，依法处理。",
        "江岸区公安分局（印章）2025年11月18日",
        "被责令人签收：________年月日",
    ]:
        assert expected in body


def test_community_rehab_notice_states_the_right_to_reconsideration_and_suit():
    # 行政复议法 Art. 20: sixty days; 行政诉讼法 Art. 46: six months.
    body = text(render_community_rehab_notice(NOTICE))
    assert (
        "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
        "或者在六个月内依法向人民法院提起行政诉讼。"
    ) in body


def test_community_rehab_notice_drops_the_residence_clause_when_unknown():
    body = text(render_community_rehab_notice(dataclasses.replace(NOTICE, residence_address="")))
    assert "身份证号码990102********0021，于2025年11月20日解除强制隔离戒毒。" in body


def test_an_over_long_value_spills_onto_more_pages_instead_of_failing():
    # A table row taller than a page raised LayoutError until rows were allowed to split.
    pdf = render_release_certificate(dataclasses.replace(RELEASE, hukou_address="幸福路" * 400))
    assert len(pages(pdf)) > 1
    assert "特此证明。演示省第一强制隔离戒毒所（印章）" in text(pdf)


def test_the_same_input_renders_the_same_bytes():
    assert render_release_certificate(RELEASE) == render_release_certificate(RELEASE)
    assert render_community_rehab_notice(NOTICE) == render_community_rehab_notice(NOTICE)


def test_no_line_starts_with_closing_punctuation():
    # GB/T 15834: a comma may not start a line. With this name, ReportLab's own (Japanese) list
    # of characters that cannot start a line put "，" at the start of two lines.
    doc = dataclasses.replace(NOTICE, person_name="王五六")
    reader = PdfReader(io.BytesIO(render_community_rehab_notice(doc)))
    lines = reader.pages[0].extract_text().splitlines()
    assert not [line for line in lines if line.strip()[:1] in "，。、；：！？）》”"]


@pytest.mark.parametrize("months", [0, 37])
def test_community_rehab_term_is_one_to_thirty_six_months(months):
    # 禁毒法 Art. 48: 不超过三年.
    with pytest.raises(ValueError, match="1–36 months"):
        dataclasses.replace(NOTICE, term_months=months)
    with pytest.raises(ValueError, match="1–36 months"):
        dataclasses.replace(RELEASE, community_rehab_months=months)


def test_release_certificate_rejects_unknown_kind_and_rehab_without_a_unit():
    with pytest.raises(ValueError, match="release_kind"):
        dataclasses.replace(RELEASE, release_kind="escape")
    with pytest.raises(ValueError, match="community_rehab_unit"):
        dataclasses.replace(RELEASE, community_rehab_unit="")
